import Foundation

/// The one way outcomes writes a path a user named (`--output`, `--matched-data`, `--reports`, a
/// notebook's folder): whole or not at all, never through a symbolic link, never into a device,
/// FIFO or socket, never over a folder it did not write.
///
/// A file is written to a temporary file in the target's folder, with an unpredictable name, created
/// with `O_CREAT | O_EXCL | O_NOFOLLOW` (so a link or file planted under that name is never opened),
/// mode 0666 less the umask (or the mode of the regular file it replaces), written fully, `fsync`ed,
/// and renamed over the target only when the target is a regular file or absent.
///
/// A folder is filled as a temporary sibling folder, marked with `.outcomes-output`, and renamed whole
/// into place. An existing folder is replaced only when it is empty or carries the marker (outcomes
/// wrote it); the old one is swapped out atomically where the file system can exchange two names
/// (Linux `renameat2`), else moved aside for the moment of the rename. On any failure the temporary
/// is removed and the old file or folder is left as it was.
///
/// Folders on the way to the target are the user's: a symbolic link among them is followed, as the
/// user named it (`/tmp` is one on some systems). Only the final component — and the temporary
/// name — are never followed. The parent folder is opened once and every later step is relative to
/// it, so the file lands in the folder that was checked.
///
/// Remaining race, stated honestly: the target is checked with `lstat` just before the rename, but
/// the check and the rename are two system calls. Someone who can write in the target's folder can
/// put a device, FIFO or link there in between; the rename then replaces that entry with the
/// finished regular file. No data is ever written through it, and only who can already change the
/// folder can do this.
package struct SafeWriter {
    /// The marker file of a folder outcomes wrote; such a folder is replaced whole by the next write.
    static let marker = ".outcomes-output"
    static let markerText = "outcomes wrote this folder; the next write to the same path replaces it whole.\n"

    /// The option the path came from, e.g. `--output`; errors name it.
    let option: String
    /// The entries of a folder an earlier version of outcomes wrote at this option's path before
    /// folders carried the marker (the demo's reports): such a folder is replaced like a marked one.
    var formerEntries: Set<String> = []
    /// Files only their owner may read or write (mode 0600, and a replaced file's mode narrowed to
    /// that): for files that hold identifiers, such as the clerical review queue.
    var ownerOnly = false
    /// Called with each temporary path just before it is created (tests plant links there).
    var beforeCreatingTemporary: (String) -> Void = { _ in }

    init(option: String) { self.option = option }

    func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Writes `data` as the regular file at `path`, replacing a regular file there whole.
    func write(_ data: Data, to path: String) throws {
        let (folder, name) = try split(path, target: .file)
        let directory = try openFolder(folder, path: path, target: .file)
        defer { close(directory) }
        let existing = try entry(name, in: directory, path: path, target: .file)
        guard existing.kind == .absent || existing.kind == .regularFile else { throw failure(path, .file, .wrongKind(existing.kind)) }
        var descriptor: Int32 = -1
        let temporary = try createTemporary(in: directory, folder: folder, for: name, path: path, target: .file) { name in
            descriptor = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, ownerOnly ? 0o600 : 0o666)
            return descriptor >= 0
        }
        var open = true
        do {
            // A report replacing one only its owner could read stays that private.
            if existing.kind == .regularFile, fchmod(descriptor, existing.mode & (ownerOnly ? 0o600 : 0o777)) != 0 { throw refused(path, .file) }
            try writeFully(data, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else { throw refused(path, .file) }
            open = false
            guard close(descriptor) == 0 else { throw refused(path, .file) }
            Self.pauseBeforeRenameForTests()
            let now = try entry(name, in: directory, path: path, target: .file)
            guard now.kind == .absent || now.kind == .regularFile else { throw failure(path, .file, .wrongKind(now.kind)) }
            let renamed = TemporaryFolders.shared.finishing(folder + "/" + temporary, into: path) {
                renameat(directory, temporary, directory, name) == 0
            }
            guard renamed else { throw refused(path, .file) }
        } catch {
            if open { close(descriptor) }
            TemporaryFolders.shared.discarding(folder + "/" + temporary) { unlinkat(directory, temporary, 0) }
            throw error
        }
        fsync(directory)
    }

    /// Test-only: with `OUTCOMES_TEST_PAUSE_BEFORE_RENAME=PATH` in the environment, a file write
    /// waits, its temporary written in full, until something exists at PATH — so a test can
    /// interrupt a write at a known point without timing it. Nothing sets it outside the tests.
    private static func pauseBeforeRenameForTests() {
        guard let path = pauseBeforeRename else { return }
        while access(path, F_OK) != 0 { usleep(2_000) }
    }

    private static let pauseBeforeRename = ProcessInfo.processInfo.environment["OUTCOMES_TEST_PAUSE_BEFORE_RENAME"]

    /// Fills a temporary sibling of `path` with `fill` (given the temporary folder's path), marks it,
    /// and renames it whole into place. Missing folders above it are made, and removed again on failure.
    func writeFolder(at path: String, _ fill: (String) throws -> Void) throws {
        let (folder, name) = try split(path, target: .folder)
        let made = try makeFolders(folder, path: path)
        var finished = false
        defer {
            if finished {
                TemporaryFolders.shared.keeping(made)
            } else {
                for created in made.reversed() { TemporaryFolders.shared.discarding(created) { rmdir(created) } }
            }
        }
        let directory = try openFolder(folder, path: path, target: .folder)
        defer { close(directory) }
        _ = try replaceableFolder(name, in: directory, folder: folder, path: path)
        let temporary = try createTemporary(in: directory, folder: folder, for: name, path: path, target: .folder) { name in
            mkdirat(directory, name, 0o777) == 0
        }
        let temporaryPath = folder + "/" + temporary
        do {
            var shownPath = Substring(path)
            while shownPath.count > 1, shownPath.hasSuffix("/") { shownPath = shownPath.dropLast() }
            try TemporaryFolders.shared.filling(temporaryPath, for: String(shownPath)) { try fill(temporaryPath) }
            try write(Self.markerText, to: temporaryPath + "/" + Self.marker)
            try sync(folderAt: temporaryPath, path: path)
            switch try replaceableFolder(name, in: directory, folder: folder, path: path) {
            case .absent, .empty:  // rename(2) replaces an empty folder, and fails on a full one
                let renamed = TemporaryFolders.shared.finishing(temporaryPath, into: path) { renameat(directory, temporary, directory, name) == 0 }
                guard renamed else { throw refused(path, .folder) }
            case .writtenByOutcomes:
                // The old folder, now under a temporary name, is a temporary to remove.
                let old = try TemporaryFolders.shared.finishing(temporaryPath, into: path, leaving: { folder + "/" + $0 }) {
                    try swap(temporary, name, in: directory, folder: folder, path: path)
                }
                TemporaryFolders.shared.discarding(folder + "/" + old) { try? FileManager.default.removeItem(atPath: folder + "/" + old) }
            }
        } catch let error as OutputPathError {
            TemporaryFolders.shared.discarding(temporaryPath) { try? FileManager.default.removeItem(atPath: temporaryPath) }
            throw error.naming(temporaryPath, as: path)
        } catch {
            TemporaryFolders.shared.discarding(temporaryPath) { try? FileManager.default.removeItem(atPath: temporaryPath) }
            throw error
        }
        fsync(directory)
        finished = true
    }

    /// Refuses, before a command does any work, what `write` or `writeFolder` would refuse: a link,
    /// FIFO, device, socket or folder where a file goes; a folder outcomes did not write; a missing
    /// folder above a file; a folder that cannot be written in. So a run is never posted, nor a
    /// comparison stored, and then left unreported because its output could not be written.
    func check(_ path: String, folder isFolder: Bool) throws {
        let target: OutputPathError.Target = isFolder ? .folder : .file
        let (folder, name) = try split(path, target: target)
        // Missing folders above a folder are made when it is written.
        if isFolder, !FileManager.default.fileExists(atPath: folder) { return }
        let directory = try openFolder(folder, path: path, target: target)
        defer { close(directory) }
        if isFolder {
            _ = try replaceableFolder(name, in: directory, folder: folder, path: path)
        } else {
            let existing = try entry(name, in: directory, path: path, target: .file)
            guard existing.kind == .absent || existing.kind == .regularFile else { throw failure(path, .file, .wrongKind(existing.kind)) }
        }
        guard faccessat(directory, ".", W_OK, 0) == 0 else { throw refused(path, target) }
    }

    /// Whether `path` leads to a folder, links followed (so that a link to a folder is refused as a
    /// link by `writeFolder`, not as a folder by `write`).
    static func leadsToFolder(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && FileKind(mode: status.st_mode) == .directory
    }

    /// What is at `path`, a symbolic link reported as one.
    static func kind(of path: String) -> FileKind {
        var status = stat()
        return lstat(path, &status) == 0 ? FileKind(mode: status.st_mode) : .absent
    }

    /// A new folder only this user can use, with an unpredictable name, for a command's own scratch files.
    package static func privateTemporaryFolder(prefix: String) throws -> URL {
        var template = Array((FileManager.default.temporaryDirectory.path + "/\(prefix)-XXXXXXXX").utf8CString)
        var made: UnsafeMutablePointer<CChar>?
        // Registered, so an interruption removes it with whatever the command put in it.
        _ = TemporaryFolders.shared.creating(String(cString: template)) {
            made = mkdtemp(&template)
            return made != nil
        }
        guard let made else {
            throw OutputPathError(option: "TMPDIR", path: FileManager.default.temporaryDirectory.path, target: .folder,
                                  problem: .refused(.init(errno: errno)))
        }
        return URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    // MARK: - Steps

    private enum Replaceable { case absent, empty, writtenByOutcomes }

    private func failure(_ path: String, _ target: OutputPathError.Target, _ problem: OutputPathError.Problem) -> OutputPathError {
        OutputPathError(option: option, path: path, target: target, problem: problem)
    }

    /// The error for the errno just set.
    private func refused(_ path: String, _ target: OutputPathError.Target) -> OutputPathError {
        failure(path, target, .refused(.init(errno: errno)))
    }

    /// The folder a path is in and its last component; a path naming no entry is refused.
    private func split(_ path: String, target: OutputPathError.Target) throws -> (folder: String, name: String) {
        var trimmed = Substring(path)
        if target == .folder { while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() } }
        let slash = trimmed.lastIndex(of: "/")
        let name = String(slash.map { trimmed[trimmed.index(after: $0)...] } ?? trimmed)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw failure(path, target, target == .file ? .namesNoFile : .folderNotWrittenByOutcomes)
        }
        guard let slash else { return (".", name) }
        return (slash == trimmed.startIndex ? "/" : String(trimmed[..<slash]), name)
    }

    /// Opens the folder the target is in (following links on the way: the user named them).
    private func openFolder(_ folder: String, path: String, target: OutputPathError.Target) throws -> Int32 {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor < 0 else { return descriptor }
        switch errno {
        case ENOENT: throw failure(path, target, .missingFolder(folder))
        case ENOTDIR: throw failure(path, target, .notAFolder(folder))
        default: throw refused(path, target)
        }
    }

    /// The entry's kind and mode, not following a link.
    private func entry(_ name: String, in directory: Int32, path: String, target: OutputPathError.Target) throws -> (kind: FileKind, mode: mode_t) {
        var status = stat()
        if fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 { return (FileKind(mode: status.st_mode), status.st_mode) }
        guard errno == ENOENT else { throw refused(path, target) }
        return (.absent, 0)
    }

    /// Whether a folder may be put at `name`: nothing there, an empty folder, or one outcomes wrote.
    private func replaceableFolder(_ name: String, in directory: Int32, folder: String, path: String) throws -> Replaceable {
        let existing = try entry(name, in: directory, path: path, target: .folder)
        switch existing.kind {
        case .absent: return .absent
        case .directory: break
        default: throw failure(path, .folder, .wrongKind(existing.kind))
        }
        let inner = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard inner >= 0 else { throw refused(path, .folder) }
        defer { close(inner) }
        var status = stat()
        if fstatat(inner, Self.marker, &status, AT_SYMLINK_NOFOLLOW) == 0, FileKind(mode: status.st_mode) == .regularFile {
            return .writtenByOutcomes
        }
        guard let contents = try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + name) else { throw refused(path, .folder) }
        if contents.isEmpty { return .empty }
        // A folder an earlier outcomes wrote before folders were marked: only the entries it writes.
        guard !formerEntries.isEmpty, Set(contents).isSubset(of: formerEntries) else { throw failure(path, .folder, .folderNotWrittenByOutcomes) }
        return .writtenByOutcomes
    }

    /// A fresh name beside `name`: a dot file with 128 random bits (32 hex digits).
    private func temporaryName(for name: String) -> String {
        var random = SystemRandomNumberGenerator()
        let token = (0..<2).map { _ in
            let hex = String(random.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        return ".\(name.prefix(40)).\(token).outcomes-tmp"
    }

    /// Creates a temporary entry beside `name` under a fresh random name; a name taken (by anything,
    /// a planted link included) is skipped, never opened.
    private func createTemporary(in directory: Int32, folder: String, for name: String, path: String, target: OutputPathError.Target,
                                 _ create: (String) -> Bool) throws -> String {
        for _ in 0..<16 {
            let temporary = temporaryName(for: name)
            beforeCreatingTemporary(folder + "/" + temporary)
            if TemporaryFolders.shared.creating(folder + "/" + temporary, .temporary, { create(temporary) }) { return temporary }
            guard errno == EEXIST else { throw refused(path, target) }
        }
        throw failure(path, target, .refused(.other(EEXIST)))
    }

    private func writeFully(_ data: Data, to descriptor: Int32, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw refused(path, .file)
                }
                offset += written
            }
        }
    }

    private func sync(folderAt folder: String, path: String) throws {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw refused(path, .folder) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw refused(path, .folder) }
    }

    /// The folder above `folder` ("" for a relative name without one, "/" below the root). Not
    /// Foundation's `deletingLastPathComponent`, which traps on a one-character name.
    static func parent(of folder: String) -> String {
        var trimmed = Substring(folder)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        var parent = trimmed[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return parent.isEmpty ? "/" : String(parent)
    }

    /// Makes `folder` and any missing folders above it; returns those it made, outermost first.
    private func makeFolders(_ folder: String, path: String) throws -> [String] {
        var status = stat()
        if stat(folder, &status) == 0 {
            guard FileKind(mode: status.st_mode) == .directory else { throw failure(path, .folder, .notAFolder(folder)) }
            return []
        }
        guard errno == ENOENT else { throw refused(path, .folder) }
        let parent = Self.parent(of: folder)
        var made = parent.isEmpty || parent == folder ? [] : try makeFolders(parent, path: path)
        guard TemporaryFolders.shared.creating(folder, .madeFolder, { mkdir(folder, 0o777) == 0 }) || errno == EEXIST else {
            let error = refused(path, .folder)
            for created in made.reversed() { TemporaryFolders.shared.discarding(created) { rmdir(created) } }
            throw error
        }
        made.append(folder)
        return made
    }

    /// Puts the new folder at `name` and returns the name the old one now has: one atomic exchange
    /// where the system has it, else the old folder is moved aside, the new one renamed in, and the
    /// old one moved back if that fails.
    private func swap(_ temporary: String, _ name: String, in directory: Int32, folder: String, path: String) throws -> String {
        if let exchange = Self.renameExchange {
            if exchange(directory, temporary, directory, name, 2 /* RENAME_EXCHANGE */) == 0 { return temporary }
            guard errno == EINVAL || errno == ENOSYS else { throw refused(path, .folder) }
        }
        // rename(2) of a folder never lands inside a link or a file planted under the new name: it fails.
        let aside = temporaryName(for: name)
        guard renameat(directory, name, directory, aside) == 0 else { throw refused(path, .folder) }
        guard renameat(directory, temporary, directory, name) == 0 else {
            let error = refused(path, .folder)
            renameat(directory, aside, directory, name)
            throw error
        }
        return aside
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// Linux's `renameat2`, looked up at run time (the C library declares it only for GNU sources).
    private static let renameExchange: RenameAt2? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
