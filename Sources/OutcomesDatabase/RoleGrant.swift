import OutcomesDomain
import PostgresClient

/// Why `db grant` refuses a database user: only an ordinary login may be given a job role, and a
/// provider's user must not read more than its provider's rows by another way.
public enum GrantRefusal: String, Sendable, Equatable {
    /// A superuser passes every grant, row-level policy and the ledger's door.
    case superuser
    /// A role PostgreSQL predefines (`pg_read_all_data`, `pg_monitor`, …).
    case predefinedRole
    /// One of outcomes' own job roles (outcomes_analyst, outcomes_payments, outcomes_provider).
    case jobRole
    /// A role that cannot log in (a group role): grant the role to its members' logins.
    case notALogin
    /// A role with BYPASSRLS ignores the row-level security the roles rely on.
    case bypassesRowSecurity
    /// For a provider's user: it already reads every provider's rows through a role it holds.
    case readsEveryProvider
    /// Separation of duties: the linker reads identifiers and no content, the other roles content
    /// and no identifiers, so no login holds the linker and another job role (or pg_read_all_data).
    case separatesDuties

    var advice: String {
        switch self {
        case .superuser, .bypassesRowSecurity: "grant the role to a user of its own (CREATE ROLE name LOGIN, or --create)."
        case .predefinedRole, .jobRole: "name the login user who is to act as the role."
        case .notALogin: "grant the role to each login user that is to act as it."
        case .readsEveryProvider: "a provider's user needs a login of its own that holds no other role."
        case .separatesDuties: "the linker sees identifiers and no content, the other roles content and no identifiers: use a login of its own for each."
        }
    }
}

/// What `outcomes db grant` refuses, as a typed error: exit 65 for a user or provider that does
/// not exist, 77 for a user that may not be given a job role.
public enum GrantError: UserFacingError, Equatable {
    case noSuchUser(String)
    case refused(user: String, GrantRefusal, detail: String)
    /// A provider that no loaded contract names; `known` are those that some loaded contract names.
    case unknownProvider(String, known: [String])

    public var exitStatus: ExitStatus {
        switch self {
        case .noSuchUser, .unknownProvider: .dataError
        case .refused: .permission
        }
    }

    public var message: String {
        switch self {
        case .noSuchUser(let user):
            "there is no database user \(user); create it (CREATE ROLE \(user) LOGIN) or pass --create."
        case .refused(let user, let refusal, let detail):
            "--user \(user): outcomes gives its roles to ordinary login users only, and \(user) \(detail); \(refusal.advice) Nothing was granted."
        case .unknownProvider(let provider, let known):
            "--provider \(provider): no loaded contract names this provider, so its user would read nothing; "
                + (known.isEmpty ? "no contract is loaded yet (load one with `outcomes contract load FILE` first)."
                                 : "the providers of the loaded contracts: \(known.joined(separator: ", ")).")
                + " Nothing was granted."
        }
    }
}

extension DatabaseRole {
    /// Checks a grant before anything is changed: the user is an ordinary login (or is to be
    /// created), and a provider's provider is one a loaded contract names. Returns whether the
    /// user exists.
    func checkGrant(to user: String, provider: String?, create: Bool, on connection: PostgresConnection) throws -> Bool {
        func refuse(_ refusal: GrantRefusal, _ detail: String) -> GrantError { .refused(user: user, refusal, detail: detail) }
        if user.hasPrefix("pg_") { throw refuse(.predefinedRole, "is a role PostgreSQL predefines (names beginning pg_ are reserved to them)") }
        if DatabaseRole.allCases.contains(where: { $0.rawValue == user }) { throw refuse(.jobRole, "is one of outcomes' job roles itself") }
        let rows = try connection.execute("SELECT rolsuper, rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = \(user)")
        let exists = rows.count == 1
        if exists {
            let row = rows[0]
            if try row.decode(Bool.self, at: 0) { throw refuse(.superuser, "is a superuser, which passes every grant, policy and the ledger's door") }
            if try !row.decode(Bool.self, at: 1) { throw refuse(.notALogin, "cannot log in (a group role)") }
            if try row.decode(Bool.self, at: 2) { throw refuse(.bypassesRowSecurity, "has BYPASSRLS, which ignores the row-level security the roles rely on") }
        } else if !create {
            throw GrantError.noSuchUser(user)
        }
        if exists {
            let others = self == .linker ? [DatabaseRole.analyst.rawValue, DatabaseRole.payments.rawValue, DatabaseRole.provider.rawValue, "pg_read_all_data"]
                                         : [DatabaseRole.linker.rawValue]
            for other in others {
                if try connection.execute("SELECT pg_has_role(\(user)::text, \(other)::text, 'MEMBER')").scalar(Bool.self) {
                    throw refuse(.separatesDuties, "holds \(other)")
                }
            }
        }
        guard self == .provider else { return exists }
        if exists {
            for other in ["pg_read_all_data", DatabaseRole.analyst.rawValue, DatabaseRole.payments.rawValue] {
                if try connection.execute("SELECT pg_has_role(\(user)::text, \(other)::text, 'USAGE')").scalar(Bool.self) {
                    throw refuse(.readsEveryProvider, "holds \(other), which reads every provider's rows")
                }
            }
        }
        if let provider {
            let known = try ContractProviders.ofLoadedContracts(on: connection)
            guard known.contains(provider) else { throw GrantError.unknownProvider(provider, known: known.sorted()) }
        }
        return exists
    }
}
