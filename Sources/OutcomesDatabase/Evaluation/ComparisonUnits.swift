import OutcomesDomain
import PostgresClient

/// What the participants are compared with.
public enum ComparisonSource: String, Sendable, CaseIterable {
    /// Eligible people who were never enrolled, from the evaluation file's pool definition.
    case pool
    /// The randomized control arm of the contract (the experimental comparison).
    case controlArm = "control_arm"
}

/// Builds an evaluation's units — (person, index date, provider, treated) — in one statement:
/// the contract's participants (index = enrollment start), and the control arm or the pool.
struct ComparisonUnits {
    let table: SQLIdentifier
    let contract: OutcomeContract
    let pool: EvaluationDefinition.Pool
    let source: ComparisonSource

    func create(on connection: PostgresConnection) throws {
        let compiler = MetricCompiler(contract: contract, period: OutcomeContract.allTime, loadID: 0)
        let participants = MetricCompiler.firstEnrollments(conditions: compiler.cohortConditions())
        let comparison: PostgresQuery
        switch source {
        case .controlArm:
            guard let arm = contract.comparisonArm else {
                throw DatabaseError(.noData, "contract \(contract.id) has no randomized control arm (its cohort is not study_arm: treatment); compare --against pool instead.")
            }
            let conditions = MetricCompiler(contract: arm, period: OutcomeContract.allTime, loadID: 0).cohortConditions()
            comparison = "SELECT person_id, start_date, end_date, enrollment_id, provider_id, false FROM (\(MetricCompiler.firstEnrollments(conditions: conditions))) arm"
        case .pool:
            comparison = poolRows(compiler)
        }
        let query: PostgresQuery = """
            WITH participants AS (\(participants))
            SELECT person_id, start_date, end_date, enrollment_id, provider_id, true AS treated FROM participants
            UNION ALL
            \(comparison)
            """
        try PersonLevelTable(table: table).create(as: query, layout: try TableLayout.of(connection), on: connection)
        try connection.execute("ANALYZE \(identifier: table)")
    }

    /// Eligible: eligibility events covering at least `min_days` of the intake window; never
    /// enrolled in an excluded program; of the named counties. Index date: the first eligibility
    /// day in the intake window, or a participant's enrollment date drawn by a seeded hash of the
    /// person id (uniform over participants, the same on every run).
    private func poolRows(_ compiler: MetricCompiler) -> PostgresQuery {
        let (from, to): (PostgresQuery, PostgresQuery) = ("\(pool.intakeFrom)::date", "\(pool.intakeTo)::date")
        let through: PostgresQuery = "\(contract.dataThrough)::date"
        let events = compiler.eventConditions(pool.eligibility)
        let programs = pool.excludePrograms.isEmpty ? [contract.program] : pool.excludePrograms
        let index: PostgresQuery
        switch pool.indexDate {
        case .firstEligibility: index = "el.first_day"
        case .participants:
            index = "d.dates[1 + ((hashtextextended(el.person_id::text, \(pool.seed)::bigint) & 9223372036854775807) % cardinality(d.dates))]"
        }
        var conditions: [PostgresQuery] = [
            "el.days >= \(pool.minimumDays)::int",
            "NOT EXISTS (SELECT 1 FROM ids.enrollments x WHERE x.person_id = el.person_id AND x.program_id = ANY (\(programs)::text[]))",
        ]
        if !pool.counties.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM ids.persons ps WHERE ps.person_id = el.person_id AND ps.county = ANY (\(pool.counties)::text[]))")
        }
        return """
            SELECT el.person_id, \(index), NULL::date, 0::bigint, ''::text, false
            FROM (
                SELECT ev.person_id, min(greatest(ev.start_date, \(from))) AS first_day,
                       sum(least(coalesce(ev.end_date, \(through)), \(to)) - greatest(ev.start_date, \(from)) + 1) AS days
                FROM ids.events ev
                WHERE \(events) AND ev.start_date <= \(to) AND coalesce(ev.end_date, \(through)) >= \(from)
                GROUP BY ev.person_id
            ) el
            CROSS JOIN (SELECT array_agg(start_date ORDER BY start_date, person_id) AS dates FROM participants) d
            WHERE d.dates IS NOT NULL AND \(conditions.joined(separator: " AND "))
            """
    }
}
