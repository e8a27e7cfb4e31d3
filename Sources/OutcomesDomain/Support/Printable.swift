extension String {
    /// The text with control characters — terminal escape sequences among them — shown as `\u{…}`
    /// escapes, so that text from an input file can be printed safely.
    public var printable: String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0x00...0x08, 0x0B...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069:
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension String {
    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's bridging for the usual cell
    /// that starts and ends with an ASCII character other than a space or tab (nothing to trim).
    public var trimmingSpaces: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first < 0x80, last < 0x80, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
