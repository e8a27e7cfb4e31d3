import OutcomesDatabase
import OutcomesDomain
import PostgresClient

extension DemoCommand {
    /// The login that approves the demo's staged runs: a second user of the payments role.
    static let checkerLogin = "outcomes_demo_checker"

    /// Approves a run staged under the reentry contract's maker–checker terms as a second login,
    /// which the demo creates (as it creates its data set); where it cannot — no right to create
    /// roles, or the server will not let that login in — it says how to approve it.
    func approve(_ stagedID: Int, of contract: String, on connection: PostgresConnection, target: DatabaseTarget) throws -> String {
        let checker: PostgresConnection
        do {
            if try connection.execute("SELECT count(*) FROM pg_roles WHERE rolname = \(Self.checkerLogin)").scalar(Int.self) == 0 {
                try connection.execute("CREATE ROLE \(escapedIdentifier: Self.checkerLogin) LOGIN")
            }
            try connection.execute("GRANT outcomes_payments TO \(escapedIdentifier: Self.checkerLogin)")
            checker = switch target {
            case .embedded(let cluster): try PostgresConnection(conninfo: cluster.conninfo() + " user=\(Self.checkerLogin)")
            case .named(let conninfo): try PostgresConnection(conninfo: conninfo, user: Self.checkerLogin)
            }
        } catch is PostgresError {
            return "Payments of \(contract): its runs are approved by a second login (maker–checker); approve run \(stagedID) as "
                + "another user of the payments role: outcomes payments approve --staged \(stagedID)."
        }
        let posted = try acting(as: .payments, on: checker) { try StagedRuns.approve(stagedID, on: checker) }
        return "Payments of \(contract): staged run \(stagedID) approved by a second login (\(Self.checkerLogin)), as the contract's "
            + "maker–checker terms require: posted run \(posted.runID), \(posted.lines) ledger lines."
    }

    /// The ledger verified as an auditor would: every seal and link, and every run recomputed by the
    /// payment engine from its sealed inputs (`outcomes payments verify --recompute`).
    func verifyLedger(on connection: PostgresConnection) throws -> String {
        let verification = try acting(as: .analyst, on: connection) { try ChainVerification.verify(on: connection, recompute: true) }
        guard verification.isIntact else { throw ChainBrokenError(breaks: verification.breaks.count) }
        let head = verification.head.map { "\($0.position):\($0.seal)" } ?? "none"
        return "Ledger: \(verification.runs) runs sealed, the chain intact, \(verification.recomputed?.runs ?? 0) recomputed by the payment "
            + "engine from their sealed inputs (outcomes payments verify --recompute). Chain head \(head)."
    }
}
