/// Builds CSV rows (RFC 4180: a field holding a comma, quote or line break is quoted, quotes
/// doubled; rows end in a line feed) straight into bytes, for files of millions of rows.
public struct CSVTextBuffer: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var atRowStart = true

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public var count: Int { bytes.count }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        atRowStart = true
    }

    /// A whole row; nil is an empty field (no value).
    public mutating func row(_ fields: [String?]) {
        for field in fields { self.field(field) }
        endRow()
    }

    public mutating func field(_ value: String?) {
        if atRowStart { atRowStart = false } else { bytes.append(0x2C) }
        guard let value else { return }
        let utf8 = value.utf8
        guard utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(0x22)
        for byte in utf8 {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }

    public mutating func endRow() {
        bytes.append(0x0A)
        atRowStart = true
    }
}
