/// Builds rows in PostgreSQL's COPY text format (tab-separated, `\N` for NULL, backslash escapes)
/// straight into bytes, without intermediate strings: the generator writes tens of millions of rows.
public struct CopyTextBuffer: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public var count: Int { bytes.count }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        atRowStart = true
    }

    private mutating func separator() {
        if atRowStart { atRowStart = false } else { bytes.append(0x09) }
    }

    public mutating func endRow() {
        bytes.append(0x0A)
        atRowStart = true
    }

    public mutating func null() {
        separator()
        bytes.append(contentsOf: [0x5C, 0x4E])  // \N
    }

    public mutating func text(_ value: String?) {
        guard let value else { return null() }
        separator()
        // Runs without anything to escape are copied whole: most text (a run's reasons, names) has none.
        let copied: Void? = value.utf8.withContiguousStorageIfAvailable { text in
            var start = 0
            for (index, byte) in text.enumerated() where byte == 0x5C || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
        }
        if copied == nil {
            for byte in value.utf8 {
                if byte == 0x5C || byte == 0x09 || byte == 0x0A || byte == 0x0D { escape(byte) } else { bytes.append(byte) }
            }
        }
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(0x5C)
        switch byte {
        case 0x09: bytes.append(0x74)  // \t
        case 0x0A: bytes.append(0x6E)  // \n
        case 0x0D: bytes.append(0x72)  // \r
        default: bytes.append(byte)  // \\
        }
    }

    /// A static ASCII code (from the program's own vocabulary): no escaping needed.
    public mutating func code(_ value: StaticString) {
        separator()
        value.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func int(_ value: Int?) {
        guard let value else { return null() }
        separator()
        appendDigits(value)
    }

    public mutating func bool(_ value: Bool) {
        separator()
        bytes.append(value ? 0x74 : 0x66)
    }

    public mutating func date(_ value: LocalDate?) {
        guard let value else { return null() }
        separator()
        let (year, month, day) = value.components
        appendPadded(year, width: 4)
        bytes.append(0x2D)
        appendPadded(month, width: 2)
        bytes.append(0x2D)
        appendPadded(day, width: 2)
    }

    /// An amount of money with the currency's decimals, written without going through a String.
    public mutating func money(_ value: Money?) {
        guard let value else { return null() }
        guard let minor = value.minorUnits, value.currency.minorUnits == 2 || value.currency.minorUnits == 0 else {
            return text(value.plain)
        }
        if value.currency.minorUnits == 0 { return int(minor) }
        cents(minor)
    }

    /// An amount in minor units (cents) written as a decimal with two places: 12345 → 123.45.
    public mutating func cents(_ value: Int?) {
        guard let value else { return null() }
        separator()
        if value < 0 { bytes.append(0x2D) }
        let magnitude = value.magnitude
        appendDigits(Int(magnitude / 100))
        bytes.append(0x2E)
        appendPadded(Int(magnitude % 100), width: 2)
    }

    /// A decimal with four places from an integer count of ten-thousandths: 9731 → 0.9731.
    public mutating func tenThousandths(_ value: Int) {
        separator()
        appendDigits(value / 10_000)
        bytes.append(0x2E)
        appendPadded(value % 10_000, width: 4)
    }

    private mutating func appendDigits(_ value: Int) {
        if value < 0 {
            bytes.append(0x2D)
            appendDigits(0 - value)  // magnitudes here never reach Int.min
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(48 + rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(48 + rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
