import Foundation
@testable import OutcomesCLI
import Testing

/// Folders (CSV sets, notebooks, the demo's reports) are filled beside the target and renamed whole;
/// an existing folder is replaced only when empty or written by outcomes; a failure leaves the old one.
@Suite struct SafeFolderTests {
    struct Injected: Error {}

    let writer = SafeWriter(option: "--output")

    func fill(_ files: [String: String]) -> (String) throws -> Void {
        { folder in for (name, text) in files { try writer.write(text, to: folder + "/" + name) } }
    }

    /// Every file under a folder with its text (markers included), to compare before and after.
    func snapshot(_ folder: String) throws -> [String: String] {
        var files: [String: String] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder) where Scratch.fileKind(folder + "/" + name) == .regularFile {
            files[name] = try Scratch.text(folder + "/" + name)
        }
        return files
    }

    func problem(_ body: () throws -> Void) -> OutputPathError.Problem? {
        do { try body() } catch let error as OutputPathError { return error.problem } catch { return nil }
        return nil
    }

    @Test func aFolderIsWrittenWholeAndReplacedWholeWhenOutcomesWroteIt() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        let target = parent + "/tables"
        try writer.writeFolder(at: target + "/", fill(["a.csv": "a\n", "b.csv": "b\n"]))
        #expect(try snapshot(target) == ["a.csv": "a\n", "b.csv": "b\n", ".outcomes-output": SafeWriter.markerText])
        try writer.writeFolder(at: target, fill(["c.csv": "c\n"]))
        #expect(try snapshot(target) == ["c.csv": "c\n", ".outcomes-output": SafeWriter.markerText], "the old tables are gone, not mixed in")
        #expect(try Scratch.listing(parent) == ["tables"], "no temporary sibling left")
        // An empty folder is replaced too; missing folders above the target are made.
        try FileManager.default.createDirectory(atPath: parent + "/empty", withIntermediateDirectories: false)
        try writer.writeFolder(at: parent + "/empty", fill(["d.csv": "d\n"]))
        try writer.writeFolder(at: parent + "/made/on/the/way", fill(["e.csv": "e\n"]))
        #expect(try snapshot(parent + "/empty")["d.csv"] == "d\n" && snapshot(parent + "/made/on/the/way")["e.csv"] == "e\n")
    }

    /// The demo's reports folder as an earlier version wrote it, before folders were marked, is
    /// replaced; one holding anything else is not.
    @Test func aReportsFolderOfAnEarlierDemoIsReplaced() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        var demo = SafeWriter(option: "--reports")
        demo.formerEntries = ["metrics.html", "statement.html", "metrics-notebook"]
        try FileManager.default.createDirectory(atPath: parent + "/old/metrics-notebook", withIntermediateDirectories: true)
        try Scratch.put("old", parent + "/old/metrics.html")
        try demo.check(parent + "/old", folder: true)
        try demo.writeFolder(at: parent + "/old", fill(["metrics.html": "new"]))
        #expect(try snapshot(parent + "/old") == ["metrics.html": "new", ".outcomes-output": SafeWriter.markerText])
        try FileManager.default.createDirectory(atPath: parent + "/mixed", withIntermediateDirectories: false)
        try Scratch.put("old", parent + "/mixed/metrics.html")
        try Scratch.put("mine", parent + "/mixed/notes.txt")
        #expect(problem { try demo.check(parent + "/mixed", folder: true) } == .folderNotWrittenByOutcomes)
        #expect(problem { try demo.writeFolder(at: parent + "/mixed", fill(["metrics.html": "new"])) } == .folderNotWrittenByOutcomes)
        #expect(try snapshot(parent + "/mixed") == ["metrics.html": "old", "notes.txt": "mine"])
    }

    @Test func aFolderOutcomesDidNotWriteIsRefusedUntouched() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        let target = parent + "/mine"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try Scratch.put("my notes\n", target + "/notes.txt")
        var filled = false
        #expect(problem { try writer.writeFolder(at: target) { _ in filled = true } } == .folderNotWrittenByOutcomes)
        #expect(!filled, "refused before any work")
        #expect(try snapshot(target) == ["notes.txt": "my notes\n"] && Scratch.listing(parent) == ["mine"])
        #expect(problem { try writer.writeFolder(at: parent + "/.") { _ in } } == .folderNotWrittenByOutcomes)
    }

    @Test func aLinkFIFOOrFileWhereTheFolderBelongsIsRefused() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        let elsewhere = try Scratch.folder()
        defer { Scratch.remove(elsewhere) }
        try writer.writeFolder(at: elsewhere + "/tables", fill(["kept.csv": "kept\n"]))
        try Scratch.link(parent + "/linked", to: elsewhere + "/tables")
        #expect(problem { try writer.writeFolder(at: parent + "/linked/", fill(["new.csv": "new\n"])) } == .wrongKind(.symbolicLink))
        #expect(try snapshot(elsewhere + "/tables")["kept.csv"] == "kept\n" && Scratch.linkTarget(parent + "/linked") == elsewhere + "/tables")
        #expect(mkfifo(parent + "/pipe", 0o644) == 0)
        #expect(problem { try writer.writeFolder(at: parent + "/pipe", fill([:])) } == .wrongKind(.fifo))
        try Scratch.put("file\n", parent + "/file")
        #expect(problem { try writer.writeFolder(at: parent + "/file", fill([:])) } == .wrongKind(.regularFile))
        #expect(try Scratch.listing(parent) == ["file", "linked", "pipe"] && Scratch.text(parent + "/file") == "file\n")
    }

    /// An injected failure after some files, and a real one (a file where a folder belongs), both
    /// midway: the old folder stays as it was, no temporary remains, the error names the user's path.
    @Test func aFolderWriteThatFailsMidwayLeavesThePreviousFolder() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        let target = parent + "/tables"
        try writer.writeFolder(at: target, fill(["a.csv": "old a\n", "b.csv": "old b\n"]))
        let before = try snapshot(target)
        #expect(throws: Injected.self) {
            try writer.writeFolder(at: target) { folder in
                try writer.write("new a\n", to: folder + "/a.csv")
                throw Injected()
            }
        }
        #expect(try snapshot(target) == before && Scratch.listing(parent) == ["tables"])
        var failed: OutputPathError?
        do {
            try writer.writeFolder(at: target) { folder in
                try writer.write("new a\n", to: folder + "/a.csv")
                try writer.write("x", to: folder + "/a.csv/inner.csv")
            }
        } catch let error as OutputPathError { failed = error }
        #expect(failed?.problem == .notAFolder(target + "/a.csv") && failed?.path == target + "/a.csv/inner.csv")
        #expect(try snapshot(target) == before && Scratch.listing(parent) == ["tables"])
        // Folders made on the way to a target are removed again when its write fails.
        #expect(throws: Injected.self) { try writer.writeFolder(at: parent + "/new/deeper/tables") { _ in throw Injected() } }
        #expect(try Scratch.listing(parent) == ["tables"])
    }

    @Test func aFolderInAnUnwritableParentIsRefusedAndTheOldOneKept() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        let target = parent + "/tables"
        try writer.writeFolder(at: target, fill(["a.csv": "old a\n"]))
        let before = try snapshot(target)
        try #require(try Scratch.lock(parent, true), "chattr or chmod is needed")
        defer { _ = try? Scratch.lock(parent, false) }
        #expect(problem { try writer.writeFolder(at: target, fill(["a.csv": "new a\n"])) } == .refused(.permissionDenied))
        #expect(try snapshot(target) == before && Scratch.listing(parent) == ["tables"])
    }

    /// Nested folders (a notebook's data inside the notebook's folder) are named by the user's path in notes.
    @Test func notesNameTheFinalPathNotTheTemporaryOne() throws {
        let parent = try Scratch.folder()
        defer { Scratch.remove(parent) }
        var shown: [String] = []
        try writer.writeFolder(at: parent + "/notebook") { outer in
            try writer.writeFolder(at: outer + "/data/") { inner in
                shown.append(TemporaryFolders.shared.shown(inner + "/x.csv"))
                shown.append(TemporaryFolders.shared.shown(outer + "/data/"))
            }
        }
        #expect(shown == [parent + "/notebook/data/x.csv", parent + "/notebook/data/"])
        #expect(try snapshot(parent + "/notebook").keys.sorted() == [".outcomes-output", "data/.outcomes-output"])
    }
}
