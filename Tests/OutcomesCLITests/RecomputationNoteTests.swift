import OutcomesDatabase
import OutcomesDomain
import Testing
@testable import OutcomesCLI

/// How many persons an incremental run computed again is a count like any other the reports
/// publish: from 1 to 10, suppressed.
@Suite struct RecomputationNoteTests {
    @Test(arguments: [(5, "<11 persons"), (1, "<11 person "), (11, "11 persons"), (0, "0 persons")])
    func theNumberOfPersonsComputedAgainIsSuppressedWhenSmall(persons: Int, shown: String) {
        let arm = ArmComputation(storedID: "housing-2021", period: "2023", loadID: 4, recomputation: .incremental(since: 3),
                                 recomputedPersons: persons)
        let note = arm.note(SmallCellPolicy(threshold: 11))
        #expect(note.contains("load 3 to load 4: \(shown)"), "\(note)")
        #expect(arm.note(.none).contains("load 3 to load 4: \(persons) person"))
    }
}
