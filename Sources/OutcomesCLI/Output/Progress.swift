import Foundation

/// Progress bars and notes on standard error: bars only on a terminal, nothing with --quiet.
package struct Progress {
    let quiet: Bool
    private let isTerminal = isatty(STDERR_FILENO) == 1

    package init(quiet: Bool) { self.quiet = quiet }

    /// A sentence about what was done (e.g. "Started the embedded server").
    package func note(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// A bar that redraws at most ten times a second.
    package func bar(_ label: String) -> Bar { Bar(label: label, enabled: !quiet && isTerminal) }

    package final class Bar {
        let label: String
        let enabled: Bool
        private var lastDraw = Date.distantPast

        init(label: String, enabled: Bool) {
            self.label = label
            self.enabled = enabled
        }

        package func update(_ done: Int, of total: Int) {
            guard enabled, total > 0 else { return }
            let now = Date()
            guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(Int(fraction * 100))%".utf8))
        }

        package func finish() {
            guard enabled else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        }
    }
}
