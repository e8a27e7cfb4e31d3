import Foundation
import OutcomesDatabase

/// Scratch files for the tests of safe writing: a fresh folder, links, FIFOs and device nodes in it.
enum Scratch {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("safe-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static func remove(_ folder: String) { try? FileManager.default.removeItem(atPath: folder) }

    static func listing(_ folder: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder).sorted() }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static func put(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: false, encoding: .utf8) }

    static func status(_ path: String) -> stat? {
        var status = stat()
        return lstat(path, &status) == 0 ? status : nil
    }

    /// The entry's type bits (S_IFREG, S_IFLNK, …), not following a link; 0 when absent.
    static func type(_ path: String) -> mode_t { status(path).map { $0.st_mode & S_IFMT } ?? 0 }

    static func link(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    static func linkTarget(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

    /// A character device of our own (the null device's numbers) to aim at: as root a bug must not
    /// be able to replace the machine's /dev/null. Without the right to make one, /dev/null itself,
    /// which a non-root user could not replace anyway.
    static func device(in folder: String) -> String? {
        let path = folder + "/device"
        if mknod(path, S_IFCHR | 0o666, dev_t((1 << 8) | 3) /* makedev(1, 3) */) == 0 { return path }
        return geteuid() == 0 ? nil : "/dev/null"
    }

    static var canAimAtADevice: Bool {
        guard geteuid() == 0 else { return true }
        guard let folder = try? folder(), let device = device(in: folder) else { return false }
        unlink(device)
        rmdir(folder)
        return true
    }

    /// Makes a folder unwritable even for root (the immutable attribute), or by its mode otherwise.
    static func lock(_ folder: String, _ locked: Bool) throws -> Bool {
        if geteuid() != 0 { return chmod(folder, locked ? 0o555 : 0o755) == 0 }
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/chattr"), [locked ? "+i" : "-i", folder])
        return result.status == 0
    }

    static var umask: mode_t {
        let line = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { mode_t($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
    }
}
