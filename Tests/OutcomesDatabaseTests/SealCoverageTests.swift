import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// Every stored column of a posted run — its header and approval, lines, determinations, inputs,
/// seal row, and the contract text and terms it ran under — is inside the seal: the columns are
/// read from the catalog, so a column added later fails this test until the seal covers it.
@Suite(.serialized) struct SealCoverageTests {
    /// The tables a run's seal covers, and which of their rows belong to the run.
    static let sealed: [(table: SQLIdentifier, rowsOfRun: @Sendable (Int) -> PostgresQuery)] = [
        ("payments.runs", { "run_id = \($0)" }),
        ("payments.ledger", { "run_id = \($0) AND line_no = 1" }),
        ("payments.determinations", { "run_id = \($0) AND seq = 1" }),
        ("payments.run_snapshots", { "run_id = \($0)" }),
        ("payments.run_seals", { "run_id = \($0)" }),
        ("payments.contracts", { "(contract_id, version) = (SELECT contract_id, version FROM payments.runs WHERE run_id = \($0))" }),
        ("payments.contract_terms", { "(contract_id, version) = (SELECT contract_id, version FROM payments.runs WHERE run_id = \($0))" }),
    ]

    /// Columns with a CHECK of a few values: another of their values.
    static let vocabularies: [String: (String, String)] = [
        "kind": ("final", "interim"), "entry": ("payment", "adjustment"), "mechanism": ("effect", "savings_share"),
        "finding": ("met", "below_threshold"),
    ]

    /// A different value of a column of this type (from NULL too).
    static func changed(_ column: String, type: String) -> PostgresQuery {
        let quoted: PostgresQuery = "\(escapedIdentifier: column)"
        if let (one, other) = vocabularies[column] {
            return "CASE WHEN \(quoted) = \(escapedLiteral: one) THEN \(escapedLiteral: other) ELSE \(escapedLiteral: one) END"
        }
        return switch type {
        case "text": "coalesce(\(quoted) || 'x', 'x')"
        case "integer", "bigint", "numeric": "coalesce(\(quoted) + 1000003, 1)"  // clear of every key
        case "smallint": "coalesce(\(quoted) + 7, 1)"
        case "jsonb": "CASE WHEN jsonb_typeof(\(quoted)) = 'object' THEN \(quoted) || '{\"forged\": 1}' ELSE coalesce(\(quoted), '[]') || '[1]' END"
        case "timestamp with time zone": "coalesce(\(quoted) + interval '1 second', now())"
        case "boolean": "NOT coalesce(\(quoted), false)"
        default: "unknown type \(escapedLiteral: type)"
        }
    }

    @Test func anEditToAnyStoredColumnOfARunBreaksTheChain() throws {
        let (db, maker, checker, stored) = try MakerCheckerTests.prepared(persons: 1_500)
        guard case .staged(let stagedID) = try PaymentRunner(stored: stored).run(period: "2021", on: maker).outcome else {
            Issue.record("not staged")
            return
        }
        let runID = try StagedRuns.approve(stagedID, on: checker).runID
        #expect(try ChainVerification.verify(on: db).isIntact)
        #expect(try db.execute("SELECT count(*) FROM payments.determinations WHERE run_id = \(runID)").scalar(Int.self) > 0)
        var checked = 0
        for (table, rowsOfRun) in Self.sealed {
            let columns = try db.execute("""
                SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns
                WHERE table_schema = \(table.parts[0]) AND table_name = \(table.parts[1]) ORDER BY ordinal_position
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(Bool.self, at: 2)) }
            #expect(!columns.isEmpty, "\(table) has no columns")
            for (column, type, identity) in columns {
                let value: PostgresQuery = identity ? "DEFAULT" : Self.changed(column, type: type)
                try db.rolledBack { db in
                    try db.execute("SET LOCAL session_replication_role = replica")
                    let edited = try db.execute(
                        "UPDATE \(identifier: table) SET \(escapedIdentifier: column) = \(value) WHERE \(rowsOfRun(runID))")
                    #expect(edited.affectedRows == 1, "\(table).\(column): edited \(edited.affectedRows ?? 0) rows")
                    let verification = try ChainVerification.verify(on: db)
                    #expect(!verification.isIntact, "an edit to \(table).\(column) is not detected")
                }
                checked += 1
            }
        }
        #expect(checked >= 55, "\(checked) columns")
        #expect(try ChainVerification.verify(on: db).isIntact, "every edit was rolled back")
    }

    @Test func removingTheNewestRunIsFoundAgainstAPublishedHead() throws {
        let (db, _, stored) = try PaymentRunnerTests().prepared()
        _ = try PaymentRunner(stored: stored).run(period: "2021", on: db)
        _ = try PaymentRunner(stored: stored).run(period: "2022", on: db)
        let head = try #require(try ChainVerification.head(on: db))
        let anchor = try #require(ChainAnchor("\(head.position):\(head.seal)"))
        #expect(try ChainVerification.verify(on: db, since: anchor).isIntact)
        // The newest run removed whole, seal and all: the chain that is left is consistent in itself.
        try db.runScript("""
            SET session_replication_role = replica;
            DELETE FROM payments.ledger WHERE run_id = 2;
            DELETE FROM payments.determinations WHERE run_id = 2;
            DELETE FROM payments.run_snapshots WHERE run_id = 2;
            DELETE FROM payments.run_seals WHERE run_id = 2;
            DELETE FROM payments.runs WHERE run_id = 2;
            SET session_replication_role = origin;
            """)
        #expect(try ChainVerification.verify(on: db).isIntact, "without the published head, a truncated chain looks whole")
        #expect(try ChainVerification.verify(on: db, since: anchor).breaks.map(\.problem) == [.anchorMissing])
        #expect(ChainAnchor("2:\(head.seal.uppercased())") == nil && ChainAnchor("0:\(head.seal)") == nil && ChainAnchor("x") == nil)
    }
}
