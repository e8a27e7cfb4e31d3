import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// An extract file must be a regular file, or a symbolic link to one (followed): a FIFO, socket,
/// device or broken link under an extract file's name is refused (65) before any entry is opened —
/// reading a FIFO would wait forever for a writer.
@Suite struct ExtractEntryKindTests {
    /// The fixture's extract files, in loading order.
    let extractFiles = ExtractLayout.all.map(\.file).filter { ExtractFixture.files.keys.contains($0) }

    func replace(_ name: String, in fixture: ExtractFixture, with make: (String) throws -> Void) throws {
        let path = fixture.directory.appendingPathComponent(name).path
        try FileManager.default.removeItem(atPath: path)
        try make(path)
    }

    @Test func aFIFONamedAsAnExtractFileIsRefusedBeforeAnythingIsOpened() throws {
        let fixture = try ExtractFixture()
        defer { fixture.remove() }
        try replace("events.csv", in: fixture) { #expect(mkfifo($0, 0o644) == 0) }
        // Not opened: with no writer, opening the FIFO to read would block this test for good.
        for ignoreUnknown in [false, true] {
            let error = #expect(throws: ExtractFolderError.self) {
                _ = try ExtractLoader(directory: fixture.directory, ignoreUnknown: ignoreUnknown).checkedContents()
            }
            #expect(error?.problem == .notARegularFile("events.csv", .fifo))
            #expect(error?.exitStatus == .dataError)
        }
    }

    @Test func aLinkIsJudgedByWhatItLeadsTo() throws {
        let fixture = try ExtractFixture()
        defer { fixture.remove() }
        let elsewhere = try ExtractFixture()
        defer { elsewhere.remove() }
        let pipe = elsewhere.directory.appendingPathComponent("pipe").path
        #expect(mkfifo(pipe, 0o644) == 0)
        try replace("persons.csv", in: fixture) { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: pipe) }
        #expect(throws: ExtractFolderError(directory: fixture.directory.path, problem: .notARegularFile("persons.csv", .fifo))) {
            _ = try ExtractLoader(directory: fixture.directory).checkedContents()
        }
        try replace("persons.csv", in: fixture) { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: "/nonexistent/persons.csv") }
        #expect(throws: ExtractFolderError(directory: fixture.directory.path, problem: .notARegularFile("persons.csv", .brokenLink))) {
            _ = try ExtractLoader(directory: fixture.directory).checkedContents()
        }
        try replace("persons.csv", in: fixture) { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: "/dev/null") }
        #expect(throws: ExtractFolderError(directory: fixture.directory.path, problem: .notARegularFile("persons.csv", .characterDevice))) {
            _ = try ExtractLoader(directory: fixture.directory).checkedContents()
        }
        // A link to a regular file is an extract file like any other.
        let persons = elsewhere.directory.appendingPathComponent("persons.csv").path
        try replace("persons.csv", in: fixture) { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: persons) }
        #expect(try ExtractLoader(directory: fixture.directory).checkedContents().files == extractFiles)
    }

    @Test func aFIFOUnderAnotherNameIsAnUnknownEntryAndIgnoredUnopened() throws {
        let fixture = try ExtractFixture()
        defer { fixture.remove() }
        #expect(mkfifo(fixture.directory.appendingPathComponent("feed").path, 0o644) == 0)
        #expect(throws: ExtractFolderError(directory: fixture.directory.path, problem: .unknownEntries([.init(name: "feed", nearest: nil)]))) {
            _ = try ExtractLoader(directory: fixture.directory).checkedContents()
        }
        let contents = try ExtractLoader(directory: fixture.directory, ignoreUnknown: true).checkedContents()
        #expect(contents.files == extractFiles && contents.unknown.map(\.name) == ["feed"])
    }

    @Test func anExtractFileThatIsALinkToARegularFileLoads() throws {
        let (db, _) = try TestDatabase.fresh()
        let fixture = try ExtractFixture()
        defer { fixture.remove() }
        let elsewhere = try ExtractFixture()
        defer { elsewhere.remove() }
        let events = elsewhere.directory.appendingPathComponent("events.csv").path
        try replace("events.csv", in: fixture) { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: events) }
        let report = try ExtractLoader(directory: fixture.directory).load(into: db)
        #expect(report.tables.first { $0.file == "events.csv" }?.rows == 3)
        #expect(try db.execute("SELECT count(*) FROM ids.events").scalar(Int.self) == 3)
    }
}
