import Foundation
import OutcomesDomain

/// What `compare --data` was given, told by the file name's extension: a Stata .dta is read with
/// ReadStat, a statistical package's other files are refused with the line that exports them as
/// CSV, and anything else is read as CSV.
public enum DataFileFormat: Sendable, Equatable {
    case csv
    case stata
    case rData
    case rSingleObject
    case spss
    case spssPortable
    case sas
    case sasTransport

    public init(path: String) {
        self = switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "dta": .stata
        case "rds": .rSingleObject
        case "rdata", "rda": .rData
        case "sav", "zsav": .spss
        case "por": .spssPortable
        case "sas7bdat": .sas
        case "xpt": .sasTransport
        default: .csv
        }
    }

    /// The package whose file compare refuses; nil for the formats it reads (CSV, Stata).
    var refusedPackage: EvaluationError.StatisticalPackage? {
        switch self {
        case .csv, .stata: nil
        case .rSingleObject, .rData: .r
        case .spss, .spssPortable: .spss
        case .sas, .sasTransport: .sas
        }
    }

    /// The one line that writes `path` as a CSV beside it (codes, not value labels) — what a user
    /// runs when outcomes does not read the file itself ("" for a CSV).
    public func exportLine(_ path: String) -> String {
        let csv = (path as NSString).deletingPathExtension + ".csv"
        return switch self {
        case .csv: ""
        case .stata: "export delimited using \(Self.stataQuoted(csv)), nolabel replace"
        case .rSingleObject: "write.csv(readRDS(\(Self.rQuoted(path))), \(Self.rQuoted(csv)), row.names = FALSE)"
        // load() returns the names of the objects it made; the first is the table.
        case .rData: "write.csv(get(load(\(Self.rQuoted(path)))[1]), \(Self.rQuoted(csv)), row.names = FALSE)"
        case .spss, .spssPortable:
            (self == .spss ? "GET FILE=" : "IMPORT FILE=") + Self.spssQuoted(path) + ". SAVE TRANSLATE OUTFILE=" + Self.spssQuoted(csv)
                + " /TYPE=CSV /FIELDNAMES /CELLS=VALUES /TEXTOPTIONS DECIMAL=DOT /REPLACE."
        case .sas: "write.csv(haven::read_sas(\(Self.rQuoted(path))), \(Self.rQuoted(csv)), row.names = FALSE)"
        case .sasTransport: "write.csv(haven::read_xpt(\(Self.rQuoted(path))), \(Self.rQuoted(csv)), row.names = FALSE)"
        }
    }

    /// The usage error for a file outcomes does not read; nil for a CSV or a .dta.
    public func refusal(_ path: String) -> EvaluationError? {
        refusedPackage.map { .option("data", .formatNotRead(file: path, $0, exportLine: exportLine(path))) }
    }

    static func rQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func stataQuoted(_ text: String) -> String {
        text.contains(where: { $0 == " " || $0 == "," }) ? "\"" + text + "\"" : text
    }

    static func spssQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

extension EvaluationTable {
    /// Reads `compare --data`'s table by the file's kind (`DataFileFormat`): a .dta with ReadStat, a
    /// file of R, SPSS or SAS refused with its export line (exit 64), anything else as CSV.
    public static func read(dataFile path: String, treatment: String, id: String?, group: String?, using used: Set<String>,
                            numeric: Set<String> = [], categorical: Set<String> = [], options: [String: String] = [:]) throws -> EvaluationTable
    {
        let format = DataFileFormat(path: path)
        if let refusal = format.refusal(path) { throw refusal }
        return format == .stata
            ? try read(dta: path, treatment: treatment, id: id, group: group, using: used, numeric: numeric, categorical: categorical, options: options)
            : try read(csv: path, treatment: treatment, id: id, group: group, using: used, numeric: numeric, categorical: categorical, options: options)
    }
}
