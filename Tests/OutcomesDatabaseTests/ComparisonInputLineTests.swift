import Foundation
import OutcomesDomain
import Testing
@testable import OutcomesDatabase

/// A comparison's inputs hash is over its table as read, a line per unit. The line is written here
/// as the first release wrote it (string interpolation), so that a faster writer hashes the same.
@Suite struct ComparisonInputLineTests {
    static func firstRelease(person: Int, treated: Bool, provider: String?, index: String, household: String?,
                             values: [(Double?, String?)]) -> [UInt8] {
        var line = "\(person)\t\(treated)\t\(provider ?? "")\t\(index)" + (household.map { "\t\($0)" } ?? "")
        for value in values {
            if let number = value.0 { line += "\t\(number)" } else { line += "\t\(value.1!)" }
        }
        return Array((line + "\n").utf8)
    }

    @Test(arguments: [
        (17, true, "hearth", nil as String?),
        (4_000_000_001, false, nil, nil),
        (3, false, "", "hmis/hh-9"),
        (-1, true, "kéy ☃", "person/-1"),
    ] as [(Int, Bool, String?, String?)])
    func aLineIsTheFirstReleasesLine(person: Int, treated: Bool, provider: String?, household: String?) {
        let values: [(Double?, String?)] = [
            (0.1, nil), (-0.0, nil), (1e-300, nil), (1e300, nil), (.nan, nil), (-.infinity, nil), (12, nil),
            (123456789.125, nil), (nil, "F"), (nil, ""), (nil, "2021Q3"), (2.5e-7, nil),
        ]
        var line = ComparisonTable.InputLine()
        // Twice through the same buffer: the second line must not carry the first's bytes.
        for _ in 0..<2 {
            line.start(person: person, treated: treated, provider: provider, indexDate: "2021-07-01", household: household)
            for value in values {
                if let number = value.0 { line.append(number) } else { line.append(value.1!) }
            }
            let expected = Self.firstRelease(person: person, treated: treated, provider: provider, index: "2021-07-01",
                                             household: household, values: values)
            #expect(line.finished() == expected)
        }
    }
}
