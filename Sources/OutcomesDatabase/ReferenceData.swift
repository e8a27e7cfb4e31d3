import OutcomesDomain
import PostgresClient

/// Writes the small reference tables — source systems, programs, providers, contracts — from the catalog.
enum ReferenceData {
    static func upsert(_ catalog: ProgramCatalog, on connection: PostgresConnection) throws {
        for source in SourceSystem.all {
            try connection.execute("""
                INSERT INTO ids.source_systems (source_system, name, agency, domain)
                VALUES (\(source.code), \(source.name), \(source.agency), \(source.domain?.rawValue))
                ON CONFLICT (source_system) DO UPDATE
                SET name = excluded.name, agency = excluded.agency, domain = excluded.domain
                """)
        }
        for program in catalog.programs {
            try connection.execute("""
                INSERT INTO ids.programs (program_id, name, randomized)
                VALUES (\(program.id), \(program.name), \(program.randomized))
                ON CONFLICT (program_id) DO UPDATE SET name = excluded.name, randomized = excluded.randomized
                """)
        }
        for provider in catalog.providers {
            try connection.execute("""
                INSERT INTO ids.providers (provider_id, name, program_id)
                VALUES (\(provider.id), \(provider.name), \(provider.programID))
                ON CONFLICT (provider_id) DO UPDATE SET name = excluded.name, program_id = excluded.program_id
                """)
        }
        for contract in catalog.contracts {
            try connection.execute("""
                INSERT INTO ids.contracts (contract_id, program_id, name, payer, start_date, end_date)
                VALUES (\(contract.id), \(contract.programID), \(contract.name), \(contract.payer),
                        \(contract.start.description)::date, \(contract.end.description)::date)
                ON CONFLICT (contract_id) DO UPDATE
                SET program_id = excluded.program_id, name = excluded.name, payer = excluded.payer,
                    start_date = excluded.start_date, end_date = excluded.end_date
                """)
        }
    }
}
