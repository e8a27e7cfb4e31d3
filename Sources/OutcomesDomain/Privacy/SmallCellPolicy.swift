/// Primary small-cell suppression for published counts: a count from 1 up to the threshold − 1
/// is not shown (zero is). The threshold comes from the data use agreement; 11 is common
/// (no cell of 1–10). Rates and amounts derived from a suppressed count are suppressed too.
public struct SmallCellPolicy: Sendable, Equatable {
    /// The smallest count that may be shown.
    public let threshold: Int

    public init(threshold: Int = 11) {
        precondition(threshold >= 1, "a small-cell threshold is at least 1")
        self.threshold = threshold
    }

    /// No suppression: for internal checks only, never for published tables.
    public static let none = SmallCellPolicy(threshold: 1)

    public func suppresses(_ count: Int) -> Bool { count > 0 && count < threshold }

    /// How a suppressed cell is shown, e.g. "<11".
    public var marker: String { "<\(threshold)" }
}

extension SmallCellPolicy {
    /// Which parts of a shown total to suppress: the small ones, and — when exactly one part is
    /// small, so the total minus the others would reveal it — also the smallest other non-zero part.
    public func suppressedParts(of parts: [Int]) -> [Bool] {
        var hidden = parts.map(suppresses)
        if hidden.filter({ $0 }).count == 1,
            let complement = parts.indices.filter({ !hidden[$0] && parts[$0] > 0 }).min(by: { parts[$0] < parts[$1] })
        {
            hidden[complement] = true
        }
        return hidden
    }
}
