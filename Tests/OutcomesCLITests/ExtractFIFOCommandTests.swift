import Foundation
import OutcomesDatabase
import Testing

/// `outcomes load` with a FIFO named as an extract file: refused (65) naming it, before any file is
/// opened and before the database is reached — never a load waiting forever on the pipe.
@Suite struct ExtractFIFOCommandTests {
    @Test func aFIFONamedEventsCSVIsRefusedNamingIt() throws {
        let directory = try Scratch.folder()
        defer { Scratch.remove(directory) }
        try Scratch.put("person_id,birth_year,sex\n1,1980,F\n", directory + "/persons.csv")
        #expect(mkfifo(directory + "/events.csv", 0o644) == 0)
        let refused = try CLI.run(["load", directory, "--database", "host=/nowhere"])
        CLI.expectCleanFailure(refused, status: 65, naming: ["\(directory)/events.csv", "FIFO"])
        // --ignore-unknown does not make it an extract file one may skip: it is refused the same way.
        let ignoring = try CLI.run(["load", directory, "--ignore-unknown", "--database", "host=/nowhere"])
        CLI.expectCleanFailure(ignoring, status: 65, naming: ["\(directory)/events.csv", "FIFO"])
        #expect(Scratch.type(directory + "/events.csv") == S_IFIFO)
    }
}
