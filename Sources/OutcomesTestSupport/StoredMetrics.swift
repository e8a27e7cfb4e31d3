import PostgresClient

/// What is stored for a contract-period's metrics, compared across ways of computing it.
public enum StoredMetrics {
    /// Everything stored for a contract-period but when and from which load a row was computed.
    public static func digest(_ db: PostgresConnection, contract: String, period: String) throws -> [String] {
        let persons = try db.execute("""
            SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM (
                SELECT person_id, metric_id, enrollment_id, provider_id, window_start, window_end, value, pre_value, post_value, ratio,
                       relatives, relative_ids, relative_values, result_set
                FROM metrics.person_results WHERE contract_id = \(contract) AND period = \(period)) r
            """).scalar(String.self)
        let providers = try db.execute("""
            SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM (
                SELECT metric_id, provider_id, measure, participants, with_value, total, mean, rate
                FROM metrics.provider_results WHERE contract_id = \(contract) AND period = \(period)) r
            """).scalar(String.self)
        return [persons, providers]
    }
}
