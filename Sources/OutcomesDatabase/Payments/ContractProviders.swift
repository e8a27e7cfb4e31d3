import OutcomesDomain
import PostgresClient

/// The providers a contract names: the cohort's, when the file lists them; else those enrolled
/// under the contract or paid on its ledger (as far as the connected role may read them).
enum ContractProviders {
    struct Known {
        var providers: Set<String>
        /// Whether the connected role reads the enrollments (a provider's users do not).
        var readsEnrollments: Bool
    }

    static func of(_ contract: OutcomeContract, on connection: PostgresConnection) throws -> Known {
        var known = Set(contract.cohort.providers)
        let readsEnrollments = try connection.execute("""
            SELECT CASE WHEN has_schema_privilege('ids', 'USAGE') THEN has_table_privilege('ids.enrollments', 'SELECT') ELSE false END
            """).scalar(Bool.self)
        if known.isEmpty {
            if readsEnrollments {
                known.formUnion(try connection.execute("""
                    SELECT DISTINCT provider_id FROM ids.enrollments WHERE contract_id = \(contract.id)
                    """).map { try $0.decode(String.self, at: 0) })
            }
            known.formUnion(try connection.execute("""
                SELECT DISTINCT provider_id FROM payments.ledger WHERE contract_id = \(contract.id)
                """).map { try $0.decode(String.self, at: 0) })
        }
        return Known(providers: known, readsEnrollments: readsEnrollments)
    }

    /// Every provider that some loaded version of some contract names, each version read through
    /// the contract reader (a version that no longer reads names none).
    static func ofLoadedContracts(on connection: PostgresConnection) throws -> Set<String> {
        var providers: Set<String> = []
        for row in try connection.execute("SELECT contract_id, version, body FROM payments.contracts ORDER BY contract_id, version") {
            let (id, version, body) = (try row.decode(String.self, at: 0), try row.decode(Int.self, at: 1), try row.decode(String.self, at: 2))
            guard let contract = try? OutcomeContract.parse(yaml: body, file: "\(id) version \(version)") else { continue }
            providers.formUnion(try of(contract, on: connection).providers)
        }
        return providers
    }
}
