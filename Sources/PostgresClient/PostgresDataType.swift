import CLibPQ

/// A PostgreSQL type, identified by its object id (the built-in ones have fixed oids).
public struct PostgresDataType: Hashable, Sendable, CustomStringConvertible {
    public let oid: UInt32
    public init(oid: UInt32) { self.oid = oid }

    public static let unspecified = PostgresDataType(oid: 0)
    public static let bool = PostgresDataType(oid: 16)
    public static let bytea = PostgresDataType(oid: 17)
    public static let int8 = PostgresDataType(oid: 20)
    public static let int2 = PostgresDataType(oid: 21)
    public static let int4 = PostgresDataType(oid: 23)
    public static let text = PostgresDataType(oid: 25)
    public static let oidType = PostgresDataType(oid: 26)
    public static let json = PostgresDataType(oid: 114)
    public static let float4 = PostgresDataType(oid: 700)
    public static let float8 = PostgresDataType(oid: 701)
    public static let bpchar = PostgresDataType(oid: 1042)
    public static let varchar = PostgresDataType(oid: 1043)
    public static let date = PostgresDataType(oid: 1082)
    public static let timestamp = PostgresDataType(oid: 1114)
    public static let timestamptz = PostgresDataType(oid: 1184)
    public static let numeric = PostgresDataType(oid: 1700)
    public static let uuid = PostgresDataType(oid: 2950)
    public static let jsonb = PostgresDataType(oid: 3802)
    public static let name = PostgresDataType(oid: 19)
    public static let textArray = PostgresDataType(oid: 1009)
    public static let int8Array = PostgresDataType(oid: 1016)
    public static let boolArray = PostgresDataType(oid: 1000)
    public static let float8Array = PostgresDataType(oid: 1022)
    public static let dateArray = PostgresDataType(oid: 1182)
    public static let numericArray = PostgresDataType(oid: 1231)

    public var isInteger: Bool { self == .int2 || self == .int4 || self == .int8 || self == .oidType }
    public var isTextual: Bool { self == .text || self == .varchar || self == .bpchar || self == .name }

    public var description: String {
        switch self {
        case .bool: "boolean"
        case .int2: "smallint"
        case .int4: "integer"
        case .int8: "bigint"
        case .text: "text"
        case .varchar: "varchar"
        case .bpchar: "char"
        case .float4: "real"
        case .float8: "double precision"
        case .date: "date"
        case .timestamp: "timestamp"
        case .timestamptz: "timestamptz"
        case .numeric: "numeric"
        case .json: "json"
        case .jsonb: "jsonb"
        default: "oid \(oid)"
        }
    }
}
