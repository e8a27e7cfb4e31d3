import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
@testable import OutcomesDatabase

/// Links a folder of identifier extracts whose truth (truth.csv: source_system, source_key, entity)
/// is known: loads the records, puts the truth in a temp table `truth`, runs the spec as the linker.
enum TruthLinking {
    struct Linked {
        var db: PostgresConnection
        var spec: LinkageSpec
        var run: LinkRunReport
        /// Pairs of records of one entity, every one counted (whether blocking proposed it or not).
        var truePairs: Int
    }

    static func link(identifiers: URL, truth: URL, spec specName: String, ignoreUnknown: Bool = false) throws -> Linked {
        let (db, _) = try TestDatabase.fresh()
        _ = try ExtractLoader(directory: identifiers, ignoreUnknown: ignoreUnknown).load(into: db)
        try db.execute("CREATE TEMP TABLE truth (source_system text, source_key text, entity text)")
        var reader = try CSVReader(path: truth.path)
        _ = try reader.next()
        var rows: [[String]] = []
        while let record = try reader.next() { rows.append(record.fields) }
        try db.execute("""
            INSERT INTO truth SELECT * FROM unnest(\(rows.map { $0[0] })::text[], \(rows.map { $0[1] })::text[], \(rows.map { $0[2] })::text[])
            """)
        let spec = try LinkageSpec.read(path: Checkout.scenarios.appendingPathComponent("linkage-\(specName).yaml").path)
        try LinkageFunctions.ensure(on: db)
        try db.execute("SET ROLE outcomes_linker")
        let run = try LinkRunner(spec: spec, specFile: "\(specName).yaml").run(on: db)
        try db.execute("RESET ROLE")
        let truePairs = try db.execute("SELECT coalesce(sum(n * (n - 1) / 2), 0)::bigint FROM (SELECT count(*) AS n FROM truth GROUP BY entity) g")
            .scalar(Int.self)
        return Linked(db: db, spec: spec, run: run, truePairs: truePairs)
    }
}
