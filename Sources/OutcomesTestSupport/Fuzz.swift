import OutcomesDomain

/// Seeded mutations of a text: what a careless edit, a bad export or a hostile file does.
public enum Fuzz {
    public static let pieces = ["[", "]", "{", "}", ":", "\"", "'", ",", "-", " ", "\n", "  ", "#", "&a", "*a", "!!", "|", ">",
                         "99999999999999999999", "-1", "0", "1e15", "2021-02-30", "\u{1B}[2J", "\u{0}", "é", "\u{FEFF}",
                         "NaN", "null", "~", "true", "999999999999999", "12 months", "-99999 days"]

    public static func mutate(_ text: String, _ generator: inout SeededGenerator) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !scalars.isEmpty else { break }
            let at = Int.random(in: 0..<scalars.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: scalars.remove(at: at)
            case 1: scalars.insert(contentsOf: pieces.randomElement(using: &generator)!.unicodeScalars, at: at)
            case 2: scalars.replaceSubrange(at...at, with: pieces.randomElement(using: &generator)!.unicodeScalars)
            case 3:  // drop a stretch
                scalars.removeSubrange(at..<min(scalars.count, at + Int.random(in: 1...40, using: &generator)))
            case 4:  // repeat a stretch
                let stretch = scalars[at..<min(scalars.count, at + Int.random(in: 1...60, using: &generator))]
                scalars.insert(contentsOf: stretch, at: at)
            default:  // truncate
                scalars.removeSubrange(at...)
            }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }
}
