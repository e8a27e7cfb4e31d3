import Foundation
import OutcomesDomain

/// A report file that could not be written; nothing is left half-written.
struct OutputFileError: UserFacingError {
    let path: String
    let reason: String
    var message: String { "cannot write \(path.printable): \(reason). Give --output a path in a directory you can write to." }
    var exitStatus: ExitStatus { .cannotCreate }
}

/// Writes reports whole: to a temporary file beside the target, then renamed over it, so a
/// reader never sees half a report and a failure leaves the old one in place.
enum ReportFile {
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    static func write(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let folder = target.deletingLastPathComponent()
        guard isDirectory(folder.path) else { throw OutputFileError(path: path, reason: "the directory \(folder.path.printable) does not exist") }
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw OutputFileError(path: path, reason: reason.lowercased())
            }
        } catch let error as OutputFileError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputFileError(path: path, reason: isWritable(folder.path) ? "the file system refused it" : "permission denied")
        }
    }

    /// One CSV file per table, named by the table (`benefit_cost.csv`, …), in a directory made if need be.
    static func writeTables(_ report: Report, into directory: String) throws {
        if !isDirectory(directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw OutputFileError(path: directory, reason: "the directory cannot be made")
            }
        }
        for table in report.tables {
            try write(Report.csv(table) + "\n", to: URL(fileURLWithPath: directory).appendingPathComponent("\(table.name).csv").path)
        }
    }

    private static func isWritable(_ path: String) -> Bool { FileManager.default.isWritableFile(atPath: path) }
}
