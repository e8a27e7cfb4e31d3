import Foundation
import OutcomesDomain

/// What a directory entry is, as lstat(2) sees it: a symbolic link is reported, never followed.
enum FileKind: Equatable, Sendable {
    case absent, regularFile, directory, symbolicLink, characterDevice, blockDevice, fifo, socket, unknown

    init(mode: mode_t) {
        self = switch mode & S_IFMT {
        case S_IFREG: .regularFile
        case S_IFDIR: .directory
        case S_IFLNK: .symbolicLink
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        default: .unknown
        }
    }

    var described: String {
        switch self {
        case .absent: "absent"
        case .regularFile: "a regular file"
        case .directory: "a folder"
        case .symbolicLink: "a symbolic link"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .fifo: "a FIFO (named pipe)"
        case .socket: "a socket"
        case .unknown: "a special file"
        }
    }
}

/// A path an option names that outcomes will not or could not write. Nothing was written and
/// whatever was there is untouched (exit 73, EX_CANTCREAT).
struct OutputPathError: UserFacingError, Equatable {
    /// Whether the option writes one file or a folder of files.
    enum Target: Equatable, Sendable { case file, folder }

    enum Problem: Equatable, Sendable {
        /// Something other than what the option writes is there: a device, FIFO, socket, symbolic
        /// link, a folder where a file belongs, or a file where a folder belongs.
        case wrongKind(FileKind)
        /// A folder that holds files but no marker: outcomes did not write it, so it is not replaced.
        case folderNotWrittenByOutcomes
        /// The path ends in `/`, `.` or `..`, or is empty: it names no file.
        case namesNoFile
        /// The folder the file belongs in does not exist.
        case missingFolder(String)
        /// A component of the path is not a folder.
        case notAFolder(String)
        /// The file system refused to create, write or rename.
        case refused(Refusal)
        /// A regular file is at a path that was to take a CSV report of this many tables, which is
        /// written as a folder (one file per table).
        case severalTables(Int)
    }

    enum Refusal: Equatable, Sendable {
        case permissionDenied, noSpace, readOnlyFileSystem
        /// Any other errno.
        case other(Int32)

        init(errno code: Int32) {
            self = switch code {
            case EACCES, EPERM: .permissionDenied
            case ENOSPC, EDQUOT: .noSpace
            case EROFS: .readOnlyFileSystem
            default: .other(code)
            }
        }

        var described: String {
            switch self {
            case .permissionDenied: "permission denied"
            case .noSpace: "no space left on the device"
            case .readOnlyFileSystem: "the file system is read-only"
            case .other(let code): String(cString: strerror(code)).lowercased()
            }
        }
    }

    /// The option as typed, e.g. `--output`.
    var option: String
    var path: String
    var target: Target
    var problem: Problem

    var exitStatus: ExitStatus { .cannotCreate }

    /// The error with paths inside a temporary folder shown under the path the folder was to become.
    func naming(_ temporary: String, as final: String) -> OutputPathError {
        func shown(_ path: String) -> String { path.hasPrefix(temporary) ? final + path.dropFirst(temporary.count) : path }
        var error = self
        error.path = shown(path)
        switch problem {
        case .missingFolder(let folder): error.problem = .missingFolder(shown(folder))
        case .notAFolder(let folder): error.problem = .notAFolder(shown(folder))
        default: break
        }
        return error
    }

    var message: String {
        let named = "\(option) \(path.printable)"
        let untouched = "Nothing was written and it is untouched"
        switch problem {
        case .wrongKind(let kind) where target == .file:
            return "\(named) is \(kind.described); outcomes writes regular files only (a new one, or one replaced whole), "
                + "never through a link or into a device, pipe or folder. \(untouched). Give \(option) the path of a regular file."
        case .wrongKind(let kind):
            return "\(named) is \(kind.described); outcomes writes a folder only where there is none, or replaces an empty one "
                + "or one it wrote before. \(untouched). Give \(option) the path of a new folder."
        case .folderNotWrittenByOutcomes:
            return "\(named) is a folder that outcomes did not write (it holds files and no \(SafeWriter.marker) marker); "
                + "outcomes replaces only an empty folder or one it wrote before. \(untouched). Give \(option) a new folder, or empty this one."
        case .namesNoFile:
            return "\(named) names a folder, not a file. Nothing was written. Give \(option) a file name"
                + " (with --format csv, a folder is written: one file per table)."
        case .missingFolder(let folder):
            return "cannot write \(named): the folder \(folder.printable) does not exist. Nothing was written. "
                + "Give \(option) a path in a folder that exists."
        case .notAFolder(let folder):
            return "cannot write \(named): \(folder.printable) is not a folder. Nothing was written. Give \(option) a path in a folder."
        case .severalTables(let count):
            return "\(named) is a regular file, and this report has \(count) tables: with --format csv a report of several tables "
                + "is written as a folder, one file per table. \(untouched). Give \(option) the path of a new folder."
        case .refused(let refusal):
            return "cannot write \(named): \(refusal.described). Nothing was written and any earlier \(target == .file ? "file" : "folder") "
                + "there is unchanged. Give \(option) a path on a file system you can write to."
        }
    }
}
