import Foundation
import Testing
@testable import OutcomesDomain

/// The demo's monthly cycle: a source's late month held back from the content extract and sent
/// as a monthly one. Checked against the events written without a late feed, split by hand.
@Suite struct LateFeedTests {
    static let feed = LateFeed(source: .hmis, from: LocalDate(year: 2024, month: 12, day: 1)!)

    static func lines(_ bytes: [UInt8]?) -> [[String]] {
        String(decoding: bytes ?? [], as: UTF8.self).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func theLateMonthAndTheEndsOfOpenStaysComeInTheMonthlyFile() throws {
        let ids = SyntheticIDS(persons: 600, seed: 11, families: true)
        func write(_ feed: LateFeed?) throws -> [SyntheticExtractFile: [UInt8]] {
            var writer = SyntheticExtractWriter(ids: ids, noise: .level(.medium))
            writer.lateFeed = feed
            var files: [SyntheticExtractFile: [UInt8]] = [:]
            try writer.write { file, bytes in files[file, default: []] += bytes }
            return files
        }
        let whole = try write(nil), split = try write(Self.feed)
        #expect(whole[.lateEvents] == nil)
        // Columns: event_id, domain, event_type, source_system, source_key, source_record, start_date, end_date, amount.
        let (source, start, end) = (3, 6, 7)
        var content: [[String]] = [], monthly: [[String]] = []
        for row in Self.lines(whole[.events]) {
            let late = row[source] == "HMIS" && row[start] >= "2024-12-01"
            let closedLate = row[source] == "HMIS" && !late && !row[end].isEmpty && row[end] >= "2024-12-01"
            if late {
                monthly.append(row)
            } else if closedLate {
                var open = row
                open[end] = ""
                content.append(open)
                monthly.append(row)
            } else {
                content.append(row)
            }
        }
        #expect(monthly.contains { $0[start] >= "2024-12-01" } && monthly.contains { $0[start] < "2024-12-01" }, "both kinds occur")
        #expect(Self.lines(split[.events]) == content)
        #expect(Self.lines(split[.lateEvents]) == monthly)
        #expect(String(decoding: split[.lateEvents]!.prefix { $0 != 0x0A }, as: UTF8.self) == SyntheticExtractFile.events.columns.joined(separator: ","))
        // Everything else is as written without the feed.
        for file in SyntheticExtractFile.allCases where ![.events, .lateEvents].contains(file) {
            #expect(split[file] == whole[file], "\(file.rawValue)")
        }
    }
}
