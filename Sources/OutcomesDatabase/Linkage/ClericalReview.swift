import Foundation
import OutcomesDomain
import PostgresClient

/// The clerical review queue: the pairs a link run left between its review and match thresholds,
/// shown with the least identifying detail a person needs to decide them (`ClericalReviewFile`),
/// and the decisions brought back as labels (linkage.labels) that the next run's clustering obeys.
public enum ClericalReview {
    /// The queue of one run, most uncertain first.
    public struct Queue: Sendable, Equatable {
        public var runID: Int
        public var review: Double
        public var match: Double
        public var comparisons: [String]
        /// Pairs in the band the run scored, before the labelled ones were left out and the limit applied.
        public var pairsInBand: Int
        public var rows: [Row]

        /// The file's header and rows, as CSV fields: every cell that begins like a spreadsheet
        /// formula neutralised (`ClericalReviewFile.neutralised`).
        public var csvRows: [[String]] {
            ([ClericalReviewFile.header(comparisons: comparisons)] + rows.map(\.fields)).map { $0.map(ClericalReviewFile.neutralised) }
        }
    }

    public struct Row: Sendable, Equatable {
        public var left: ClericalDecision.RecordKey
        public var right: ClericalDecision.RecordKey
        public var matchProbability: Double
        public var matchWeight: Double
        /// Per comparison: the level's name ("null" where either side has no value) and the two value cells.
        public var levels: [String]
        public var values: [(left: String, right: String)]

        public static func == (a: Row, b: Row) -> Bool {
            a.left == b.left && a.right == b.right && a.matchProbability == b.matchProbability && a.matchWeight == b.matchWeight
                && a.levels == b.levels && a.values.map(\.left) == b.values.map(\.left) && a.values.map(\.right) == b.values.map(\.right)
        }

        var fields: [String] {
            var fields = [left.sourceSystem, left.sourceKey, right.sourceSystem, right.sourceKey,
                          String(format: "%.4f", matchProbability), String(format: "%.2f", matchWeight)]
            for (level, value) in zip(levels, values) { fields += [level, value.left, value.right] }
            return fields + ["", ""]
        }
    }

    /// The name of the null level in the file.
    public static let nullLevel = "null"

    /// The pairs of run `runID` (default: the latest) with a match probability in [review, match),
    /// not yet labelled, closest to 0.5 first, at most `limit`.
    public static func queue(runID requested: Int?, limit: Int?, on connection: PostgresConnection) throws -> Queue {
        guard let latest = try connection.execute("SELECT max(run_id) FROM linkage.runs WHERE finished_at IS NOT NULL").scalar(Int?.self) else {
            throw ReviewQueueError(.noLinkRun)
        }
        let runID = requested ?? latest
        guard try connection.execute("SELECT count(*) FROM linkage.runs WHERE run_id = \(runID)").scalar(Int.self) == 1 else {
            throw ReviewQueueError(.noSuchRun(runID))
        }
        // linkage.pairs keeps the latest run's pairs only.
        guard runID == latest else { throw ReviewQueueError(.pairsNotKept(run: runID, latest: latest)) }
        let run = try connection.execute("""
            SELECT model, (spec->'thresholds'->>'review')::float8, (spec->'thresholds'->>'match')::float8
            FROM linkage.runs WHERE run_id = \(runID)
            """).first { _ in true }
        guard let run else { throw ReviewQueueError(.noSuchRun(runID)) }
        let model = try run.decode(PostgresJSON<LinkageModel>.self, at: 0).value
        let review = try run.decode(Double.self, at: 1), match = try run.decode(Double.self, at: 2)
        let comparisons = try connection.execute("""
            SELECT c->>'field',
                   (SELECT min(i) - 1 FROM jsonb_array_elements(c->'levels') WITH ORDINALITY l(level, i) WHERE level->>'level' = 'exact')::int
            FROM linkage.runs, jsonb_array_elements(spec->'comparisons') WITH ORDINALITY s(c, n)
            WHERE run_id = \(runID) ORDER BY n
            """).map { (field: try $0.decode(String.self, at: 0), exactLevel: try $0.decode(Int?.self, at: 1)) }

        let band: PostgresQuery = "p.run_id = \(runID) AND p.match_probability >= \(review) AND p.match_probability < \(match)"
        let inBand = try connection.execute("SELECT count(*) FROM linkage.pairs p WHERE \(band)").scalar(Int.self)
        let side = { (alias: PostgresQuery) -> PostgresQuery in
            """
            \(alias).source_system, \(alias).source_key, \(alias).first_name, \(alias).middle_name, \(alias).last_name,
            \(alias).birth_date::text, \(alias).birth_year::int, \(alias).birth_month::int, \(alias).ssn_last4, \(alias).sex,
            \(alias).address, \(alias).city, \(alias).postcode
            """
        }
        let limitClause: PostgresQuery = limit.map { "LIMIT \($0)" } ?? ""
        // Never the full SSN: only its last four leave the database.
        let pairs = try connection.execute("""
            SELECT p.match_probability, p.match_weight, p.pattern,
                   (a.source_system, a.source_key) < (b.source_system, b.source_key), \(side("a")), \(side("b"))
            FROM linkage.pairs p
            JOIN linkage.identifiers a ON a.record_id = p.record_l
            JOIN linkage.identifiers b ON b.record_id = p.record_r
            WHERE \(band)
              AND NOT EXISTS (SELECT 1 FROM linkage.labels x
                              WHERE (x.source_system_l, x.source_key_l, x.source_system_r, x.source_key_r)
                                    IN ((a.source_system, a.source_key, b.source_system, b.source_key),
                                        (b.source_system, b.source_key, a.source_system, a.source_key)))
            ORDER BY abs(p.match_probability - 0.5), p.record_l, p.record_r
            \(limitClause)
            """)
        let rows = try pairs.map { row -> Row in
            let pattern = LinkageCompiler.unpack(try row.decode(Int64.self, at: 2), comparisons: comparisons.count)
            var a = try ShownRecord(row, from: 4), b = try ShownRecord(row, from: 17)
            if !(try row.decode(Bool.self, at: 3)) { swap(&a, &b) }
            var levels: [String] = [], values: [(left: String, right: String)] = []
            for (index, comparison) in comparisons.enumerated() {
                let level = pattern[index]
                levels.append(level.map { model.comparisons[index].levels[$0] } ?? nullLevel)
                values.append(ClericalReviewFile.valueCells(left: a.shown(comparison.field), right: b.shown(comparison.field),
                                                            level: level, exactLevel: comparison.exactLevel))
            }
            return Row(left: a.key, right: b.key, matchProbability: try row.decode(Double.self, at: 0),
                       matchWeight: try row.decode(Double.self, at: 1), levels: levels, values: values)
        }
        return Queue(runID: runID, review: review, match: match, comparisons: model.comparisons.map(\.name), pairsInBand: inBand, rows: rows)
    }

    /// One side of a pair as the file may show it.
    private struct ShownRecord {
        var key: ClericalDecision.RecordKey
        var text: [String: String]

        init(_ row: PostgresRow, from start: Int) throws {
            key = .init(sourceSystem: try row.decode(String.self, at: start), sourceKey: try row.decode(String.self, at: start + 1))
            func trimmed(_ offset: Int) throws -> String? {
                try row.decode(String?.self, at: start + offset).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            text = [:]
            for (offset, field) in [(2, "first_name"), (3, "middle_name"), (4, "last_name"), (9, "sex"), (10, "address"), (11, "city"), (12, "postcode")] {
                text[field] = try trimmed(offset)
            }
            text["birth_date"] = ClericalReviewFile.shownBirthDate(date: try row.decode(String?.self, at: start + 5),
                                                                   year: try row.decode(Int?.self, at: start + 6),
                                                                   month: try row.decode(Int?.self, at: start + 7))
            text["ssn"] = ClericalReviewFile.shownSSN(lastFour: try row.decode(String?.self, at: start + 8))
        }

        func shown(_ field: String) -> String? { text[field] }
    }

    /// What an import did.
    public struct LabelImport: Sendable, Equatable {
        public var matches: Int
        public var nonMatches: Int
        /// Labels new to linkage.labels, and labels that replaced an earlier decision on the same pair.
        public var inserted: Int
        public var updated: Int
        public var undecidedRows: Int
    }

    /// Upserts the decisions into linkage.labels (each pair ordered as the table requires, decided
    /// by the session user) and records the import in the audit log: one transaction. A row naming
    /// a record linkage.identifiers does not hold is an error at its line.
    public static func importLabels(_ file: ClericalReviewImport, path: String, on connection: PostgresConnection) throws -> LabelImport {
        let decisions = file.decisions
        return try connection.transaction { connection in
            let unknown = try connection.execute("""
                SELECT d.line, d.system, d.key
                FROM unnest(\(decisions.flatMap { [$0.line, $0.line] })::int[],
                            \(decisions.flatMap { [$0.left.sourceSystem, $0.right.sourceSystem] })::text[],
                            \(decisions.flatMap { [$0.left.sourceKey, $0.right.sourceKey] })::text[]) WITH ORDINALITY d(line, system, key, n)
                WHERE NOT EXISTS (SELECT 1 FROM linkage.identifiers i WHERE i.source_system = d.system AND i.source_key = d.key)
                ORDER BY d.n LIMIT 1
                """).first { _ in true }
            if let unknown {
                throw ClericalReviewError(file: path, line: try unknown.decode(Int.self, at: 0),
                                          code: .unknownRecord(try unknown.decode(String.self, at: 1) + "/" + (try unknown.decode(String.self, at: 2))))
            }
            // (xmax = 0): the row was inserted, not updated.
            let written = try connection.execute("""
                INSERT INTO linkage.labels AS x (source_system_l, source_key_l, source_system_r, source_key_r, decision, note)
                SELECT CASE WHEN o THEN ls ELSE rs END, CASE WHEN o THEN lk ELSE rk END,
                       CASE WHEN o THEN rs ELSE ls END, CASE WHEN o THEN rk ELSE lk END, decision, note
                FROM (SELECT *, (ls, lk) < (rs, rk) AS o
                      FROM unnest(\(decisions.map(\.left.sourceSystem))::text[], \(decisions.map(\.left.sourceKey))::text[],
                                  \(decisions.map(\.right.sourceSystem))::text[], \(decisions.map(\.right.sourceKey))::text[],
                                  \(decisions.map(\.decision.rawValue))::text[], \(decisions.map(\.note))::text[])
                             AS d(ls, lk, rs, rk, decision, note)) d
                ON CONFLICT (source_system_l, source_key_l, source_system_r, source_key_r) DO UPDATE
                SET decision = excluded.decision, note = excluded.note, decided_by = session_user, decided_at = clock_timestamp()
                RETURNING (x.xmax = 0)
                """).map { try $0.decode(Bool.self, at: 0) }
            let result = LabelImport(matches: decisions.count { $0.decision == .match }, nonMatches: decisions.count { $0.decision == .nonMatch },
                                     inserted: written.count { $0 }, updated: written.count { !$0 }, undecidedRows: file.undecidedRows)
            let details = try PostgresJSON(["matches": result.matches, "non_matches": result.nonMatches, "inserted": result.inserted,
                                            "updated": result.updated, "undecided_rows": result.undecidedRows])
            try connection.execute("INSERT INTO linkage.audit_log (action, details) VALUES ('labels', \(details)::jsonb)")
            return result
        }
    }
}

/// Why the review queue cannot be exported.
public struct ReviewQueueError: UserFacingError, Equatable {
    public enum Code: Sendable, Equatable {
        /// No link run has finished.
        case noLinkRun
        /// `--run` names no run.
        case noSuchRun(Int)
        /// The run asked for is not the latest, and linkage.pairs keeps the latest run's pairs only.
        case pairsNotKept(run: Int, latest: Int)
    }

    public let code: Code

    public init(_ code: Code) { self.code = code }

    public var message: String {
        switch code {
        case .noLinkRun: "No link run has finished, so there is nothing to review: run outcomes link run first."
        case .noSuchRun(let run): "There is no link run \(run); leave out --run for the latest."
        case .pairsNotKept(let run, let latest):
            "Run \(run) is not the latest link run (\(latest)); only the latest run's pairs are kept. Leave out --run or give --run \(latest)."
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
