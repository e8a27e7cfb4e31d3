import Testing
@testable import OutcomesDomain

@Suite struct ContractFileTests {
    static let valid = """
        contract: reentry-2021
        program: reentry
        data_through: 2024-12-31
        cohort:
          providers: [bridgeway]
          min_enrolled_days: 30
        periods:
          every: quarter
          from: 2022-01-01
          to: 2022-12-31
        metrics:
          - id: employed_q2_after_exit
            label: Employed in the second quarter after exit
            measure: any
            domain: wages
            amount: "> 0"
            window: {anchor: enrollment_end, from: 2 quarters, to: 3 quarters}
          - id: jail_days_change
            measure: change
            of: days_covered
            domain: jail
            window: {anchor: enrollment_start, from: 0 days, to: 12 months}
            pre_window: {anchor: enrollment_start, from: -12 months, to: -1 day}
        """

    @Test func readsAValidContract() throws {
        let contract = try OutcomeContract.parse(yaml: Self.valid, file: "reentry.yaml")
        #expect(contract.id == "reentry-2021")
        #expect(contract.cohort.providers == ["bridgeway"])
        #expect(contract.cohort.minimumEnrolledDays == 30)
        #expect(contract.periods.map(\.label) == ["2022Q1", "2022Q2", "2022Q3", "2022Q4"])
        #expect(contract.periods[1].start == LocalDate(iso: "2022-04-01") && contract.periods[1].end == LocalDate(iso: "2022-06-30"))
        #expect(contract.metrics[0].events.amount == AmountCondition(.greater, 0))
        #expect(contract.metrics[0].window == Window(anchor: .enrollmentEnd, from: Offset(2, .quarters), to: Offset(3, .quarters)))
        #expect(contract.metrics[1].measure == .change(
            of: .daysCovered, pre: Window(anchor: .enrollmentStart, from: Offset(-12, .months), to: Offset(-1, .days))))
    }

    /// Replaces one line of the valid contract and returns the error it causes.
    func error(replacing old: String, with new: String) -> DefinitionFileError? {
        #expect(Self.valid.contains(old), "the fixture has '\(old)'")
        do {
            _ = try OutcomeContract.parse(yaml: Self.valid.replacingOccurrences(of: old, with: new), file: "reentry.yaml")
            return nil
        } catch {
            return error as? DefinitionFileError
        }
    }

    /// Domains are data, checked against the IDS when the contract is loaded; here only their spelling.
    @Test func aMalformedDomainCode() {
        let error = error(replacing: "domain: wages", with: "domain: Wages!")
        #expect(error?.file == "reentry.yaml" && error?.line == 15)
        #expect(error?.code == .wrongForm(expected: .identifier))
        // Wording is the subject: the message reads file:line: problem, and says how a code is spelled.
        #expect(error?.message == "reentry.yaml:15: domain 'Wages!' is not a domain code (a-z, 0-9 and '_', starting with a letter)")
    }

    @Test func unknownMeasure() {
        let error = error(replacing: "measure: any", with: "measure: average")
        #expect(error?.line == 14)
        #expect(error?.code == .unknownWord("average", allowed: ["any", "count", "days_covered", "days_without", "sum", "days_to_event", "sustained", "change"]))
    }

    @Test func windowEndingBeforeItStarts() {
        let error = error(replacing: "from: 2 quarters, to: 3 quarters", with: "from: 3 quarters, to: 2 quarters")
        #expect(error?.line == 17)
        #expect(error?.code == .outOfOrder)
        // Mixed units: 1 month after Jan 31 is Feb 28, before 30 days after it.
        #expect(self.error(replacing: "from: 2 quarters, to: 3 quarters", with: "from: 1 month, to: 30 days")?.line == 17)
    }

    @Test func offsetWithoutAUnit() {
        let error = error(replacing: "to: 12 months}", with: "to: 12}")
        #expect(error?.line == 22)
        #expect(error?.code == .wrongForm(expected: .offset))
        let fortnights = self.error(replacing: "to: 12 months}", with: "to: 12 fortnights}")
        #expect(fortnights?.line == 22 && fortnights?.code == .wrongForm(expected: .offset))
    }

    @Test func invalidYAML() {
        let error = error(replacing: "  min_enrolled_days: 30", with: "  min_enrolled_days: [30")
        #expect(error?.code == .notYAML)
        #expect((6...8).contains(error?.line ?? 0))
    }

    @Test func unknownKeysAndMissingOnes() {
        let typo = error(replacing: "    label: Employed", with: "    lable: Employed")
        #expect(typo?.line == 13)
        guard case .unknownKey("lable", let allowed)? = typo?.code else { Issue.record("\(String(describing: typo))"); return }
        #expect(allowed.starts(with: ["id", "label", "measure"]))
        #expect(error(replacing: "data_through: 2024-12-31\n", with: "")?.code == .missingKey("data_through"))
        #expect(error(replacing: "    of: days_covered\n", with: "")?.code == .missingKey("of"))
        #expect(error(replacing: "  - id: jail_days_change", with: "  - id: employed_q2_after_exit")?.code
            == .duplicateName("employed_q2_after_exit"))
        #expect(error(replacing: "    of: days_covered", with: "    of: change")?.code
            == .unknownWord("change", allowed: ["any", "count", "days_covered", "sum"]))
        #expect(error(replacing: "    amount: \"> 0\"", with: "    amount: positive")?.line == 16)
        #expect(error(replacing: "  from: 2022-01-01", with: "  from: 2022-02-01")?.code == .inconsistent)
        #expect(error(replacing: "data_through: 2024-12-31", with: "data_through: 31/12/2024")?.line == 3)
    }

    @Test func offsetsAddLikePostgreSQL() {
        let jan31 = LocalDate(iso: "2021-01-31")!
        #expect(Offset(1, .months).applied(to: jan31) == LocalDate(iso: "2021-02-28"))
        #expect(Offset(1, .months).applied(to: LocalDate(iso: "2024-01-31")!) == LocalDate(iso: "2024-02-29"))
        #expect(Offset(12, .months).applied(to: LocalDate(iso: "2024-02-29")!) == LocalDate(iso: "2025-02-28"))
        #expect(Offset(-1, .quarters).applied(to: LocalDate(iso: "2021-05-31")!) == LocalDate(iso: "2021-02-28"))
        #expect(Offset(-13, .months).applied(to: jan31) == LocalDate(iso: "2019-12-31"))
        #expect(Offset(1, .years).applied(to: jan31) == LocalDate(iso: "2022-01-31"))
        #expect(Offset(-1, .days).applied(to: LocalDate(iso: "2024-03-01")!) == LocalDate(iso: "2024-02-29"))
        #expect(Offset(text: "-1 day") == Offset(-1, .days))
        #expect(Offset(text: "12") == nil)
    }
}
