import Foundation
import OutcomesDomain
import PostgresClient

/// A contract file as stored in `payments.contracts`: the exact text every run of that version used.
public struct StoredContract: Sendable {
    public let contract: OutcomeContract
    public let version: Int
    public let fileSHA256: String
    public let body: String
    public let loadedBy: String
    public let loadedAt: String
}

/// Contract files in the database, version by version. A version, once loaded, never changes:
/// loading the same text again changes nothing, and different text under a loaded version is refused.
public enum ContractStore {
    public enum LoadResult: Sendable, Equatable {
        case loaded(version: Int)
        case unchanged(version: Int)
    }

    /// Validates and stores a contract file, in one transaction. Its metrics and payments are then
    /// computed from the stored text only.
    public static func load(text: String, file: String, on connection: PostgresConnection) throws -> (OutcomeContract, LoadResult) {
        let contract = try OutcomeContract.parse(yaml: text, file: file)
        let version = contract.version
        // Domains are data: a contract names only domains the IDS knows.
        try contract.checkDomains(known: EventDomains.known(on: connection), file: file)
        let hash = SHA256.hex(text)
        let result = try connection.transaction { connection -> LoadResult in
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\("contract/" + contract.id)))")
            let rows = try connection.execute("""
                SELECT version, file_sha256 FROM payments.contracts WHERE contract_id = \(contract.id) ORDER BY version
                """)
            let loaded = try rows.map { (try $0.decode(Int.self, at: 0), try $0.decode(String.self, at: 1)) }
            if let same = loaded.first(where: { $0.0 == version }) {
                guard same.1 == hash else {
                    throw DatabaseError(
                        .contractVersionConflict,
                        "\(file): version \(version) of contract \(contract.id) is already loaded with different terms; "
                            + "a loaded version never changes: raise 'version' to load the new terms.")
                }
                return .unchanged(version: version)
            }
            if let latest = loaded.last?.0, latest > version {
                throw DatabaseError(
                    .contractVersionConflict,
                    "\(file): version \(version) is older than version \(latest) of contract \(contract.id), already loaded; "
                        + "give the new terms a version above \(latest).")
            }
            // Separation of duties is not undone by the login it binds: once a version's runs need a
            // second login's approval, every later version's do (the door refuses such terms too).
            if contract.payments?.approval != .makerChecker,
               let bound = try connection.execute("""
                   SELECT max(version) FROM payments.contract_terms WHERE contract_id = \(contract.id) AND terms->>'approval' = 'maker_checker'
                   """).scalar(Int?.self)
            {
                throw DatabaseError(
                    .makerCheckerRequired,
                    "\(file): version \(version) of contract \(contract.id) lets one login post its runs, but version \(bound)'s runs are "
                        + "staged by one login and approved by another; a later version keeps 'payments: approval: maker_checker' "
                        + "(only an administrator can lift it, in the database).")
            }
            try connection.execute("""
                INSERT INTO payments.contracts (contract_id, version, currency, file_sha256, body)
                VALUES (\(contract.id), \(version), \(contract.payments?.currency.code), \(hash), \(text))
                """)
            // What the ledger's door checks a run's lines against, recorded with the text.
            try connection.execute("""
                SELECT payments.index_terms(\(contract.id)::text, \(version)::int, \(try PaymentDoorTerms(contract: contract).jsonText())::jsonb)
                """)
            return .loaded(version: version)
        }
        return (contract, result)
    }

    /// Loads a contract file (no change when its version is already loaded with the same text) and returns it as stored.
    public static func loadStored(text: String, file: String, on connection: PostgresConnection) throws -> StoredContract {
        let (contract, _) = try load(text: text, file: file, on: connection)
        return try stored(contract.id, version: contract.version, on: connection)
    }

    /// A loaded contract named as `ID` (its latest version) or `ID@VERSION`, as the CLI takes it.
    public static func stored(reference: String, on connection: PostgresConnection) throws -> StoredContract {
        let parsed = try ContractReference(parsing: reference)
        return try stored(parsed.id, version: parsed.version, on: connection)
    }

    /// The latest loaded version of a contract, or the version asked for.
    public static func stored(_ contractID: String, version: Int? = nil, on connection: PostgresConnection) throws -> StoredContract {
        let rows = try connection.execute("""
            SELECT version, file_sha256, body, loaded_by, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
            FROM payments.contracts
            WHERE contract_id = \(contractID) AND (\(version)::int IS NULL OR version = \(version)::int)
            ORDER BY version DESC LIMIT 1
            """)
        guard rows.count == 1 else {
            let known = try connection.execute("SELECT DISTINCT contract_id FROM payments.contracts ORDER BY 1").map {
                try $0.decode(String.self, at: 0)
            }
            throw DatabaseError(
                .contractNotLoaded,
                "contract \(contractID)\(version.map { " version \($0)" } ?? "") is not loaded; load its file with "
                    + "`outcomes contract load FILE`" + (known.isEmpty ? "." : ". Loaded: \(known.joined(separator: ", "))."))
        }
        let row = rows[0]
        let body: String = try row.decode(at: 2)
        let loadedVersion: Int = try row.decode(at: 0)
        return StoredContract(
            contract: try OutcomeContract.parse(yaml: body, file: "\(contractID) version \(loadedVersion)"),
            version: loadedVersion, fileSHA256: try row.decode(at: 1), body: body, loadedBy: try row.decode(at: 3),
            loadedAt: try row.decode(at: 4))
    }
}
