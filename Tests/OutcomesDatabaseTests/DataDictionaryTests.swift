import Foundation
import OutcomesDomain
import OutcomesTestSupport
import PostgresClient
import Testing
@testable import OutcomesDatabase

/// The data dictionary is read from the database: every schema, table, view and column has a
/// definition (the migrations' COMMENT ON), keys come from the catalog, and event domains' years
/// and counts equal a naive walk over the events.
@Suite(.serialized) struct DataDictionaryTests {
    @Test func everySchemaTableAndColumnHasADefinition() throws {
        let (db, _) = try TestDatabase.fresh()
        #expect(try DataDictionary.undocumented(on: db) == [])
        // The check can fail: a table a migration forgot to describe is named, with its columns.
        #expect(throws: RolledBack.self) { try db.transaction { db in
            try db.execute("CREATE TABLE ids.undescribed (person_id bigint, note text)")
            try db.execute("COMMENT ON COLUMN ids.undescribed.note IS 'A note.'")
            #expect(try DataDictionary.undocumented(on: db) == ["column ids.undescribed.person_id", "table ids.undescribed"])
            try db.execute("CREATE SCHEMA undescribed_schema")
            #expect(try DataDictionary.undocumented(on: db).contains("schema undescribed_schema"))
            throw RolledBack()
        } }
        #expect(try DataDictionary.undocumented(on: db) == [], "rolled back")
    }

    struct RolledBack: Error {}

    @Test func keysDomainsAndMetricsAreReadFromTheDatabase() throws {
        let (db, _) = try TestDatabase.fresh()
        _ = try SyntheticLoader(ids: SyntheticIDS(persons: 400, seed: 3, families: true)).load(into: db)
        _ = try ContractStore.load(text: """
            contract: dictionary-2021
            program: housing
            data_through: 2024-12-31
            periods:
              - {label: "2022", from: 2022-01-01, to: 2022-12-31}
              - {label: "2023", from: 2023-01-01, to: 2023-12-31}
            metrics:
              - id: any_jail_12m
                label: Any jail stay in 12 months
                description: Whether the participant spent any night in county jail in the year after enrolling.
                measure: any
                domain: jail
                window: {anchor: enrollment_start, from: 0 days, to: 12 months}
              - {id: er_visits_12m, measure: count, domain: er_visit, window: {anchor: enrollment_start, from: 1 day, to: 12 months}}
            """, file: "dictionary.yaml", on: db)
        let dictionary = try DataDictionary.read(on: db)

        let relationships = try #require(dictionary.tables.first { $0.qualifiedName == "ids.relationships" })
        #expect(relationships.primaryKey == ["person_id", "relative_id", "relation", "source_system", "valid_from", "stated"])
        #expect(relationships.foreignKeys.contains(.init(columns: ["relation"], table: "ids.relationship_codes", referenced: ["relation"])))
        let events = try #require(dictionary.tables.first { $0.qualifiedName == "ids.events" })
        #expect(events.foreignKeys.contains(.init(columns: ["domain"], table: "ids.event_domains", referenced: ["domain"])))
        #expect(events.columns.first { $0.name == "amount" }.map { ($0.type, $0.required) } ?? ("", true) == ("numeric(14,2)", false))
        #expect(dictionary.tables.allSatisfy { $0.definition != nil && $0.columns.allSatisfy { $0.definition != nil } })
        #expect(!dictionary.tables.contains { $0.schema == "metrics" && $0.name.hasPrefix("person_results_") }, "partitions are not listed")

        // Years and counts by domain and source system, against a walk over every event.
        struct Key: Hashable { let domain: String, source: String }
        var naive: [Key: (count: Int, first: Int, last: Int)] = [:]
        for row in try db.execute("SELECT domain, source_system, start_date::text, coalesce(end_date, start_date)::text FROM ids.events") {
            let key = Key(domain: try row.decode(at: 0), source: try row.decode(at: 1))
            let (start, end) = (Int(try row.decode(String.self, at: 2).prefix(4))!, Int(try row.decode(String.self, at: 3).prefix(4))!)
            let seen = naive[key] ?? (0, start, end)
            naive[key] = (seen.count + 1, min(seen.first, start), max(seen.last, end))
        }
        let listed = dictionary.domains.filter { $0.sourceSystem != nil }
        #expect(listed.count == naive.count)
        for domain in listed {
            let expected = try #require(naive[Key(domain: domain.domain, source: domain.sourceSystem!)])
            #expect(domain.events == expected.count && domain.firstYear == expected.first && domain.lastYear == expected.last)
        }
        let school = try #require(dictionary.domains.first { $0.domain == "school" })
        #expect(school.sourceSystem == "SIS" && school.shape == "spell")
        #expect(school.definition == "A school year's enrollment; amount is the attendance rate, in percent.")

        // The loaded contract's metrics: its own definition, or the generated one.
        #expect(dictionary.metrics.map(\.metric.id) == ["any_jail_12m", "er_visits_12m"])
        #expect(dictionary.metrics.allSatisfy { $0.contractID == "dictionary-2021" && $0.version == 1 && $0.programID == "housing" })
        #expect(dictionary.metrics.allSatisfy { $0.firstYear == 2022 && $0.lastYear == 2023 })
        #expect(dictionary.metrics[0].metric.definitionText
                == "Whether the participant spent any night in county jail in the year after enrolling.")
        #expect(dictionary.metrics[1].metric.definitionText
                == "The number of events of domain er_visit starting in the window from 1 day to 12 months after the enrollment start.")
    }
}
