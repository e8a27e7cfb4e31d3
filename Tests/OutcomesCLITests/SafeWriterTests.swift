import Foundation
@testable import OutcomesCLI
import OutcomesDatabase
import OutcomesTestSupport
import Testing

/// Real files in a fresh folder: what the one writer of user paths does to links, FIFOs, devices,
/// folders and planted temporary names, and that a failure leaves nothing behind.
private func problem(of body: () throws -> Void) -> OutputPathError.Problem? {
    do { try body() } catch let error as OutputPathError { return error.problem } catch { return nil }
    return nil
}

@Suite struct SafeWriterFileTests {
    let writer = SafeWriter(option: "--output")

    @Test func aRegularFileIsReplacedWholeKeepingItsMode() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let target = folder + "/report.md"
        try Scratch.put("old report\n", target)
        chmod(target, 0o600)
        try writer.write("new report\n", to: target)
        #expect(try Scratch.text(target) == "new report\n")
        #expect(Scratch.status(target)!.st_mode & 0o777 == 0o600, "a private report stays private")
        #expect(try Scratch.listing(folder) == ["report.md"], "no temporary left")
    }

    @Test func aNewFileHasMode0666LessTheUmask() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try writer.write("x", to: folder + "/new.csv")
        #expect(Scratch.fileKind(folder + "/new.csv") == .regularFile)
        #expect(Scratch.status(folder + "/new.csv")!.st_mode & 0o777 == 0o666 & ~Scratch.umask)
    }

    @Test func aSymbolicLinkIsRefusedAndItsTargetUntouched() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try Scratch.put("precious\n", folder + "/victim")
        try Scratch.link(folder + "/report.md", to: folder + "/victim")
        #expect(problem { try writer.write("report", to: folder + "/report.md") } == .wrongKind(.symbolicLink))
        #expect(try Scratch.text(folder + "/victim") == "precious\n")
        #expect(Scratch.linkTarget(folder + "/report.md") == folder + "/victim")
        #expect(try Scratch.listing(folder) == ["report.md", "victim"])
        // A dangling link too: writing must not create the file it points to.
        try Scratch.link(folder + "/dangling", to: folder + "/created-through-link")
        #expect(problem { try writer.write("report", to: folder + "/dangling") } == .wrongKind(.symbolicLink))
        #expect(Scratch.fileKind(folder + "/created-through-link") == .absent)
    }

    @Test func aFIFOIsRefusedWithoutBlockingOrWritingIntoIt() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let fifo = folder + "/pipe"
        #expect(mkfifo(fifo, 0o644) == 0)
        // A reader held open (non-blocking), so that even a writer that opened the FIFO could not hang the test.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        #expect(problem { try writer.write("report", to: fifo) } == .wrongKind(.fifo))
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) <= 0, "nothing was written into the pipe")
        #expect(Scratch.fileKind(fifo) == .fifo)
        #expect(try Scratch.listing(folder) == ["pipe"])
    }

    @Test(.enabled(if: Scratch.canAimAtADevice, "as root without the right to make a device node"))
    func aDeviceIsRefusedAndUntouched() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let device = try #require(Scratch.device(in: folder))
        let before = try #require(Scratch.status(device))
        #expect(problem { try writer.write("report", to: device) } == .wrongKind(.characterDevice))
        let after = try #require(Scratch.status(device))
        #expect(FileKind(mode: after.st_mode) == .characterDevice && after.st_rdev == before.st_rdev && after.st_ino == before.st_ino)
        #expect(try Scratch.listing(folder) == (device.hasPrefix(folder) ? ["device"] : []))
    }

    @Test func aFolderOrAPathEndingInSlashIsNotAFile() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder + "/tables", withIntermediateDirectories: false)
        #expect(problem { try writer.write("report", to: folder + "/tables") } == .wrongKind(.directory))
        #expect(problem { try writer.write("report", to: folder + "/new/") } == .namesNoFile)
        #expect(try Scratch.listing(folder) == ["tables"] && Scratch.listing(folder + "/tables").isEmpty)
    }

    /// A link planted under the very name the writer is about to create is never opened: the writer
    /// creates exclusively, without following, and takes another name.
    @Test func aLinkPlantedAtTheTemporaryNameIsNotFollowed() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try Scratch.put("precious\n", folder + "/victim")
        var offered: [String] = []
        var racing = writer
        racing.beforeCreatingTemporary = { name in
            offered.append(name)
            if offered.count == 1 { try? Scratch.link(name, to: folder + "/victim") }
        }
        try racing.write("report\n", to: folder + "/report.md")
        #expect(try Scratch.text(folder + "/victim") == "precious\n")
        #expect(try Scratch.text(folder + "/report.md") == "report\n" && Scratch.fileKind(folder + "/report.md") == .regularFile)
        try #require(offered.count == 2, "the writer offers each temporary name before creating it")
        #expect(offered[0] != offered[1])
        #expect(Scratch.linkTarget(offered[0]) == folder + "/victim", "the planted link is not the writer's to remove")
        #expect(try Scratch.listing(folder).count == 3)
    }

    /// Temporary names carry 128 random bits: no two alike, nothing derived from the process id; a
    /// link planted under the old predictable name (`.NAME.PID.tmp`) catches nothing.
    @Test func temporaryNamesAreUnpredictable() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try Scratch.put("precious\n", folder + "/victim")
        try Scratch.link(folder + "/.report.md.\(getpid()).tmp", to: folder + "/victim")
        var names: [String] = []
        var watched = writer
        watched.beforeCreatingTemporary = { names.append(URL(fileURLWithPath: $0).lastPathComponent) }
        for round in 0..<50 { try watched.write("report \(round)\n", to: folder + "/report.md") }
        #expect(try Scratch.text(folder + "/victim") == "precious\n")
        #expect(try Scratch.text(folder + "/report.md") == "report 49\n")
        #expect(Set(names).count == 50)
        let randoms = names.map { $0.dropFirst(".report.md.".count).dropLast(".outcomes-tmp".count) }
        for random in randoms { #expect(random.count == 32 && random.allSatisfy(\.isHexDigit), "\(random)") }
        // Not a process id or a counter: no two names share their first 8 hex digits (by chance, about 1 in 3 million).
        // (The test once asked that no name contain the process id's digits, which a random name does by chance.)
        #expect(Set(randoms.map { $0.prefix(8) }).count == randoms.count)
    }

    @Test func aWriteThatCannotFinishLeavesNothingBehind() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        try Scratch.put("old\n", folder + "/report.md")
        // Every temporary name taken: the writer gives up (73), the old file as it was.
        var besieged = writer
        besieged.beforeCreatingTemporary = { try? Scratch.put("", $0) }
        #expect(problem { try besieged.write("new\n", to: folder + "/report.md") } == .refused(.other(EEXIST)))
        #expect(try Scratch.text(folder + "/report.md") == "old\n")
        for name in try Scratch.listing(folder) where name != "report.md" { try FileManager.default.removeItem(atPath: folder + "/" + name) }
        // No folder, or a file where the folder belongs.
        #expect(problem { try writer.write("new", to: folder + "/missing/report.md") } == .missingFolder(folder + "/missing"))
        #expect(problem { try writer.write("new", to: folder + "/report.md/inner.md") } == .notAFolder(folder + "/report.md"))
        // A folder that cannot be written (immutable as root, read-only otherwise).
        let sealed = folder + "/sealed"
        try FileManager.default.createDirectory(atPath: sealed, withIntermediateDirectories: false)
        try Scratch.put("old\n", sealed + "/report.md")
        try #require(try Scratch.lock(sealed, true), "chattr or chmod is needed")
        defer { _ = try? Scratch.lock(sealed, false) }
        #expect(problem { try writer.write("new\n", to: sealed + "/report.md") } == .refused(.permissionDenied))
        #expect(try Scratch.text(sealed + "/report.md") == "old\n" && Scratch.listing(sealed) == ["report.md"])
        #expect(try Scratch.listing(folder) == ["report.md", "sealed"])
    }

    @Test func errorsAreExit73NamingTheOptionAndPath() throws {
        for (code, refusal) in [(ENOSPC, OutputPathError.Refusal.noSpace), (EDQUOT, .noSpace), (EACCES, .permissionDenied),
                                (EPERM, .permissionDenied), (EROFS, .readOnlyFileSystem), (EIO, .other(EIO))] {
            #expect(OutputPathError.Refusal(errno: code) == refusal)
        }
        let error = OutputPathError(option: "--output", path: "/dev/full", target: .file, problem: .wrongKind(.characterDevice))
        #expect(error.exitStatus.rawValue == 73)
        // Wording is the subject here: how the refusal reads, option and path first.
        #expect(error.message.hasPrefix("--output /dev/full is a character device; outcomes writes regular files only"))
    }
}

extension Scratch {
    static func fileKind(_ path: String) -> FileKind { status(path).map { FileKind(mode: $0.st_mode) } ?? .absent }
}

/// A one-character folder above the target (`z/schemas`) is made, not a trap in Foundation's
/// path handling; the parent of every shape of path is the folder above it.
@Suite struct SafeWriterParentFolderTests {
    @Test func theParentOfEveryShapeOfPath() {
        #expect(["z": "", "z/": "", "z/s": "z", "/z": "/", "/": "/", "a//b": "a", "/a/b/": "/a", "./q": "."].allSatisfy { SafeWriter.parent(of: $0) == $1 })
    }

    @Test func missingOneCharacterFoldersAreMade() throws {
        let folder = try Scratch.folder()
        defer { Scratch.remove(folder) }
        let (_, conninfo) = try TestDatabase.fresh()
        let command = "cd '\(folder)' && exec '\(CLI.binary.path)' dictionary -q --table-schemas z/schemas --database '\(conninfo)' > /dev/null"
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], separateErrors: true)
        #expect(result.status == 0, "\(result.errors)")
        #expect(try Scratch.listing(folder + "/z/schemas").contains("ids.persons.schema.json"))
    }
}
