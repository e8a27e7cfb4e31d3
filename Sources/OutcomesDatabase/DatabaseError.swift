import OutcomesDomain

/// An error of the database layer that the user can act on.
public struct DatabaseError: UserFacingError, Equatable {
    public enum Code: String, Sendable {
        case postgresNotInstalled
        case postgresTooOld
        case noServerUser
        case dataDirectoryOwnership
        case clusterStartFailed
        /// The embedded cluster's directory holds something that is not a PostgreSQL data directory.
        case notADataDirectory
        case clusterCommandFailed
        /// The embedded cluster's pid file names a live process that does not serve its directory.
        case untrustedPidFile
        /// `db reset` while a server still uses the embedded cluster's directory.
        case clusterInUse
        case unreachable
        case authenticationFailed
        case databaseMissing
        case schemaMissing
        case schemaOutdated
        case schemaNewer
        case migrationChanged
        case migrationFiles
        /// The migrations directory cannot be read.
        case migrationsUnreadable
        /// No resource bundle (migrations, scenario files, notebook templates) beside the binary, and no override set.
        case resourcesMissing
        case wouldReplaceExtract
        case noData
        /// A definition names an event domain the IDS does not know (none of `ids.event_domains`).
        case unknownDomain
        case contractVersionConflict
        case contractNotLoaded
        /// A new version of a contract whose runs a second login approves (maker–checker) that would let one login post.
        case makerCheckerRequired
        /// A payment run's metrics were computed from another contract version or an older data load.
        case staleMetrics
        /// The connected user may not take the role a command needs.
        case permissionDenied
        /// A provider's user asked for what is not its own provider's (or is mapped to no provider).
        case providerNotPermitted
        /// The participants' results carry code of their owner's that would run in the reader's session (row security, a column type not PostgreSQL's own).
        case resultsReshaped
        /// `db distribute` on a server or database without Citus, or not on its coordinator.
        case citusMissing
        /// `db distribute` on a database whose tables are distributed already (wholly or in part).
        case alreadyDistributed
        /// `db distribute` while the data cannot be distributed as they are (a load in progress).
        case notDistributable
        /// `db distribute` while a data load runs (exit 75: run it again when the load has finished).
        case loadRunning
        /// Stored comparison groups whose weights, over one common denominator, a 64-bit sum cannot hold.
        case comparisonWeightsTooLarge
        /// A stored comparison run whose weight rows name more than one denominator (rows added to it later).
        case comparisonWeightsInconsistent
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The exit status is the code's, decided here for every code.
    public var exitStatus: ExitStatus { code.exitStatus }
}

extension DatabaseError.Code {
    public var exitStatus: ExitStatus {
        switch self {
        case .postgresNotInstalled, .postgresTooOld, .noServerUser, .notADataDirectory, .schemaMissing, .schemaOutdated,
             .schemaNewer, .migrationChanged, .citusMissing, .resourcesMissing:
            .configuration
        case .dataDirectoryOwnership, .authenticationFailed, .makerCheckerRequired, .permissionDenied, .providerNotPermitted,
             .resultsReshaped:
            .permission
        case .clusterStartFailed, .clusterCommandFailed, .untrustedPidFile, .clusterInUse, .unreachable, .databaseMissing:
            .unavailable
        case .migrationsUnreadable:
            .noInput
        case .migrationFiles, .wouldReplaceExtract, .noData, .unknownDomain, .contractVersionConflict, .contractNotLoaded, .staleMetrics,
             .alreadyDistributed, .notDistributable, .comparisonWeightsTooLarge, .comparisonWeightsInconsistent:
            .dataError
        case .loadRunning:
            .temporaryFailure
        }
    }
}
