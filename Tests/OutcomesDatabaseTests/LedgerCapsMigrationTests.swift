import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Migration 0022 redefines `payments.ledger_caps` from the typed reasons alone. On a database of
/// the release before it, with runs posted whose caps bound, every row of the view stays as it was,
/// and so do its grants and its running with the caller's rights.
@Suite(.serialized) struct LedgerCapsMigrationTests {
    /// Caps of every scope a rate card and the contract's caps across every mechanism have.
    static let contract = paymentRunContract
        .replacingOccurrences(of: "  rate_card:\n    caps: {provider: 20000}\n",
                              with: "  caps: {contract: 13000, provider: {bridgeway: 4000}}\n"
                                  + "  rate_card:\n    caps: {participant: 1800, provider: 6000, period: 8000, contract: 14000}\n")
        .replacingOccurrences(of: "price: 1500}", with: "price: 1500, cap: 5000}")

    @Test func theCapsOfPostedLinesStayAsTheyWere() throws {
        #expect(Self.contract.contains("period: 8000") && Self.contract.contains("cap: 5000}"), "the fixture's edits applied")
        let db = try MigratorTests().migrated(before: 22)
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 3_000, seed: 5)).load(into: db)
        let stored = try ContractStore.loadStored(text: Self.contract, file: "reentry.yaml", on: db)
        for period in stored.contract.periods {
            try MetricsRunner(stored: stored).run(period: period, on: db)
            _ = try PaymentRunner(stored: stored).run(period: period.label, on: db)
        }
        func caps() throws -> [[String?]] {
            try db.execute("""
                SELECT run_id::text, line_no::text, contract_id, period, provider_id, person_id::text, line_id, entry, scope, subject,
                       cap::text, cut::text
                FROM payments.ledger_caps ORDER BY run_id, line_no, scope, subject
                """).map { row in try (0..<12).map { try row.decode(String?.self, at: $0) } }
        }
        func view() throws -> [String?] {
            try db.execute("SELECT reloptions::text, relacl::text FROM pg_class WHERE oid = 'payments.ledger_caps'::regclass").map {
                [try $0.decode(String?.self, at: 0), try $0.decode(String?.self, at: 1)]
            }[0]
        }
        let (before, viewBefore) = (try caps(), try view())
        #expect(Set(before.map { $0[8] }) == ["line", "participant", "period", "provider", "provider_all_mechanisms"])

        #expect(try Migrator().migrate(db).map(\.fileName).first == "0022_ledger_caps_from_typed_reasons.sql")
        #expect(try caps() == before)
        #expect(try view() == viewBefore && viewBefore[0] == "{security_invoker=true}")
        // A statement reads them as scopes.
        let statement = try ProviderStatement.read(contract: stored, provider: "bridgeway", on: db)
        #expect(Set(statement.caps.map(\.scope)).isSuperset(of: [.line("employed"), .providerAllMechanisms("bridgeway")]))
    }
}
