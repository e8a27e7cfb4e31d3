import OutcomesDomain
import PostgresClient

extension DataDictionary {
    /// Reads the dictionary of the database: the catalog's definitions, the events' domains, source
    /// systems and years (one pass over `ids.events`), and every loaded contract's latest version.
    public static func read(on connection: PostgresConnection) throws -> DataDictionary {
        let schemas = try connection.execute("""
            SELECT s.nspname, obj_description(s.oid, 'pg_namespace') FROM (\(applicationSchemas)) s
            UNION ALL SELECT 'public', 'PostgreSQL''s default schema; outcomes keeps only its migrations table there.'
            ORDER BY 1
            """).map { Schema(name: try $0.decode(at: 0), definition: try $0.decode(at: 1)) }
        let tables = try tables(on: connection)
        let domains = try connection.execute("""
            SELECT d.domain, d.shape, d.description, e.source_system, s.name, s.agency, coalesce(e.events, 0),
                   e.first_year, e.last_year
            FROM ids.event_domains d
            LEFT JOIN (
                SELECT domain, source_system, count(*) AS events,
                       min(extract(year FROM start_date))::int AS first_year,
                       max(extract(year FROM coalesce(end_date, start_date)))::int AS last_year
                FROM ids.events GROUP BY domain, source_system
            ) e USING (domain)
            LEFT JOIN ids.source_systems s ON s.source_system = e.source_system
            ORDER BY d.domain, e.source_system
            """).map {
            DomainSource(
                domain: try $0.decode(at: 0), shape: try $0.decode(at: 1), definition: try $0.decode(at: 2),
                sourceSystem: try $0.decode(at: 3), sourceName: try $0.decode(at: 4), agency: try $0.decode(at: 5),
                events: try $0.decode(at: 6), firstYear: try $0.decode(at: 7), lastYear: try $0.decode(at: 8))
        }
        let loaded = try connection.execute("""
            SELECT contract_id, max(version) FROM payments.contracts GROUP BY contract_id ORDER BY contract_id
            """).map { (id: try $0.decode(String.self, at: 0), version: try $0.decode(Int.self, at: 1)) }
        var metrics: [Metric] = []
        for contract in loaded {
            let stored = try ContractStore.stored(contract.id, version: contract.version, on: connection)
            let periods = stored.contract.periods
            metrics += stored.contract.metrics.map {
                Metric(contractID: contract.id, contractName: stored.contract.name, programID: stored.contract.program,
                       version: stored.version, firstYear: periods.first?.start.year, lastYear: periods.last?.end.year, metric: $0)
            }
        }
        return DataDictionary(schemas: schemas, tables: tables, domains: domains, metrics: metrics)
    }

    /// The documented tables and views, with their columns and keys (no scan of the data).
    public static func tables(on connection: PostgresConnection) throws -> [Table] {
        let columns = try connection.execute("""
            SELECT r.oid::bigint, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, col_description(r.oid, a.attnum)
            FROM (\(documentedRelations)) r
            JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY r.oid, a.attnum
            """)
        var columnsByTable: [Int: [Column]] = [:]
        for row in columns {
            columnsByTable[try row.decode(at: 0), default: []].append(Column(
                name: try row.decode(at: 1), type: try row.decode(at: 2), required: try row.decode(at: 3),
                definition: try row.decode(at: 4)))
        }
        // Keys, with their columns in the key's order.
        let keys = try connection.execute("""
            SELECT k.conrelid::bigint, k.contype,
                   ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, i)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.i),
                   coalesce(format('%s.%s', fn.nspname, fc.relname), ''),
                   ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, i)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.i)
            FROM pg_catalog.pg_constraint k
            JOIN (\(documentedRelations)) r ON r.oid = k.conrelid
            LEFT JOIN pg_catalog.pg_class fc ON fc.oid = k.confrelid
            LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
            WHERE k.contype IN ('p', 'f')
            ORDER BY k.conrelid, k.contype DESC, k.conname
            """)
        var primaryKeys: [Int: [String]] = [:], foreignKeys: [Int: [ForeignKey]] = [:]
        for row in keys {
            let table: Int = try row.decode(at: 0), columns: [String] = try row.decode(at: 2)
            if try row.decode(String.self, at: 1) == "p" {
                primaryKeys[table] = columns
            } else {
                foreignKeys[table, default: []].append(ForeignKey(
                    columns: columns, table: try row.decode(at: 3), referenced: try row.decode(at: 4)))
            }
        }
        return try connection.execute("""
            SELECT r.oid::bigint, r.nspname, r.relname,
                   CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'p' THEN 'partitioned table' ELSE 'table' END,
                   obj_description(r.oid, 'pg_class')
            FROM (\(documentedRelations)) r
            ORDER BY r.nspname, r.relname
            """).map {
            let oid: Int = try $0.decode(at: 0)
            return Table(
                schema: try $0.decode(at: 1), name: try $0.decode(at: 2), kind: try $0.decode(at: 3), definition: try $0.decode(at: 4),
                columns: columnsByTable[oid] ?? [], primaryKey: primaryKeys[oid] ?? [], foreignKeys: foreignKeys[oid] ?? [])
        }
    }
}
