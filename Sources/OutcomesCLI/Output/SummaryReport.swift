import Foundation
import OutcomesDatabase
import OutcomesDomain

extension Report {
    /// The IDS summary as tables, counts under the small-cell policy.
    init(summary: IDSSummary, policy: SmallCellPolicy, title: String) {
        self.init(title: title)
        if let load = summary.latestLoad {
            notes.append("Data load \(load.id): \(load.description); content SHA-256 \(load.contentHash ?? "pending").")
        }
        notes.append("Counts from 1 to \(policy.threshold - 1) are suppressed (shown as \(policy.marker)).")
        var people = ReportTable(name: "persons", title: "People", columns: ["measure", "count", "share"])
        people.rows = [
            [.text("persons in the person index"), .count(summary.persons, policy), .null],
            [.text("linked to no source system"), .count(summary.personsInNoSource, policy),
             .share(summary.personsInNoSource, of: summary.persons, policy)],
        ]
        var linkage = ReportTable(
            name: "linkage", title: "Linkage by source system",
            columns: ["source", "name", "linked persons", "linkage rate", "links", "probabilistic links"])
        linkage.rows = summary.linkage.map {
            [.text($0.source), .text($0.name), .count($0.linkedPersons, policy),
             .share($0.linkedPersons, of: summary.persons, policy), .count($0.links, policy),
             .count($0.probabilisticLinks, policy)]
        }
        var enrollments = ReportTable(
            name: "enrollments", title: "Enrollments by program and provider",
            columns: ["program", "provider", "study arm", "enrollments", "persons"])
        enrollments.rows = summary.enrollments.map {
            [.text($0.program), .text($0.provider), .text($0.arm ?? "—"), .count($0.enrollments, policy),
             .count($0.persons, policy)]
        }
        var events = ReportTable(
            name: "events", title: "Events by domain",
            columns: ["domain", "events", "persons", "open spells", "amount"])
        events.rows = summary.events.map {
            [.text($0.domain), .count($0.events, policy), .count($0.persons, policy), .count($0.openSpells, policy),
             policy.suppresses($0.events) ? .suppressed(policy.marker) : $0.amount.map { .decimal($0.rounded(scale: 2)) } ?? .null]
        }
        tables = [people, linkage, enrollments, events]
    }
}
