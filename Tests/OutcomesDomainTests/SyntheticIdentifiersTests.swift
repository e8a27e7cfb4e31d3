import Foundation
import Testing
@testable import OutcomesDomain

/// Every file of `synth --identifiers`, as bytes, written by the extract writer into memory.
func syntheticExtracts(persons: Int, seed: UInt64, noise: IdentifierNoiseLevel, families: Bool = false) throws -> [SyntheticExtractFile: [UInt8]] {
    var files: [SyntheticExtractFile: [UInt8]] = [:]
    try SyntheticExtractWriter(ids: SyntheticIDS(persons: persons, seed: seed, families: families), noise: .level(noise))
        .write { file, bytes in files[file, default: []] += bytes }
    return files
}

/// A person's clean identity beside the records the sources hold about them.
struct PersonRecords {
    let identity: SyntheticIdentity
    let records: [IdentifierRecord]
}

func personRecords(persons: Int, seed: UInt64, noise: IdentifierNoiseLevel) -> [PersonRecords] {
    let ids = SyntheticIDS(persons: persons, seed: seed)
    return ids.personIDs.map { id in
        let person = ids.person(id)
        let identity = ids.identity(of: person)
        return PersonRecords(
            identity: identity, records: ids.identifierRecords(of: identity, links: ids.history(of: person).links, noise: .level(noise)))
    }
}

@Suite struct SyntheticIdentifiersTests {
    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let first = try syntheticExtracts(persons: 400, seed: 3, noise: .medium)
        #expect(first == (try syntheticExtracts(persons: 400, seed: 3, noise: .medium)))
        let other = try syntheticExtracts(persons: 400, seed: 4, noise: .medium)
        #expect(first[.identifiers] != other[.identifiers])
        #expect(first[.events] != other[.events])
        let noisier = try syntheticExtracts(persons: 400, seed: 3, noise: .high)
        #expect(first[.identifiers] != noisier[.identifiers])
        // The noise level changes the identifiers only, never the world or the content.
        #expect(first[.truth] == noisier[.truth] && first[.events] == noisier[.events] && first[.enrollments] == noisier[.enrollments])
    }

    @Test func aPersonsRecordsDoNotDependOnHowManyPeopleAreGenerated() {
        let small = personRecords(persons: 40, seed: 8, noise: .medium)
        let large = personRecords(persons: 400, seed: 8, noise: .medium)
        #expect(small.map(\.records) == large.prefix(40).map(\.records))
    }

    @Test func theTruthNamesEveryRecordOnceAndEveryLinkedPerson() throws {
        let ids = SyntheticIDS(persons: 1_500, seed: 12)
        let files = try syntheticExtracts(persons: 1_500, seed: 12, noise: .medium)
        let identifiers = try rows(files[.identifiers]!), truth = try rows(files[.truth]!)
        let recordKeys = identifiers.map { [$0["source_system"]!, $0["source_key"]!] }
        #expect(recordKeys == truth.map { [$0["source_system"]!, $0["source_key"]!] })
        #expect(Set(recordKeys).count == recordKeys.count)
        // One entity per person any source knows, and each record's entity is the person the simulation linked it to.
        let linked = ids.personIDs.filter { !ids.history(of: ids.person($0)).links.isEmpty }
        #expect(Set(truth.map { $0["entity"]! }) == Set(linked.map(String.init)))
        #expect(linked.count >= 1_490)
        var expected: [[String]] = []
        for id in linked {
            for link in ids.history(of: ids.person(id)).links { expected.append([link.source.code, link.key, String(id)]) }
        }
        #expect(truth.map { [$0["source_system"]!, $0["source_key"]!, $0["entity"]!] } == expected)
    }

    @Test func identitiesHaveUniqueIssuableSSNsAndCarryThePerson() {
        let ids = SyntheticIDS(persons: 5_000, seed: 2)
        var ssns = Set<String>()
        for id in ids.personIDs {
            let person = ids.person(id), identity = ids.identity(of: person)
            ssns.insert(identity.ssn)
            #expect(SyntheticIDS.isIssuable(Array(identity.ssn.utf8)), "\(identity.ssn)")
            #expect(identity.sex == person.sex && identity.raceEthnicity == person.raceEthnicity && identity.county == person.county)
            #expect(SyntheticNames.cities[person.county].map(\.name).contains(identity.address.city))
            if identity.twinOf == nil, let birth = person.birthDate { #expect(identity.birthDate == birth) }
        }
        #expect(ssns.count == 5_000)
    }

    @Test func theWorldHasHouseholdsTwinsNameChangesAndSecondKeys() {
        let ids = SyntheticIDS(persons: 3_000, seed: 5)
        let people = ids.personIDs.map { ids.identity(of: ids.person($0)) }
        let joined = people.filter { $0.householdHead != $0.personID }
        let twins = people.filter { $0.twinOf != nil }
        // Around 30% join when the county matches (about a fifth of the time): about 6%.
        #expect((90...250).contains(joined.count), "\(joined.count)")
        #expect(!twins.isEmpty)
        for member in joined {
            let head = people[member.householdHead - 1]
            #expect(head.householdHead == head.personID && member.address == head.address && member.county == head.county)
        }
        for twin in twins {
            let head = people[twin.twinOf! - 1]
            #expect(twin.lastName == head.lastName && twin.birthDate == head.birthDate && twin.firstName != head.firstName)
        }
        #expect(people.filter { $0.formerLastName != nil }.count > 50)
        let secondKeys = ids.personIDs.filter { id in
            let sources = ids.history(of: ids.person(id)).links.map(\.source.code)
            return Set(sources).count < sources.count
        }
        #expect(secondKeys.count > 20)
    }

    @Test func everyFileParsesAsItsDocumentedLayout() throws {
        let files = try syntheticExtracts(persons: 1_500, seed: 19, noise: .high, families: true)
        // The late feed's file only with one (LateFeedTests).
        let written = Set(SyntheticExtractFile.allCases).subtracting([.lateEvents])
        #expect(Set(files.keys) == written)
        #expect(Set(try syntheticExtracts(persons: 10, seed: 19, noise: .high).keys)
                == written.subtracting([.relationships, .households]), "the family files only with families")
        var parsed: [SyntheticExtractFile: [[String: String]]] = [:]
        for file in written { parsed[file] = try rows(files[file]!, columns: file.columns) }
        let sources = Set(parsed[.identifierSourceSystems]!.map { $0["source_system"]! })
        #expect(sources == Set(SourceSystem.all.map(\.code)))
        #expect(parsed[.contentSourceSystems]! == parsed[.identifierSourceSystems]!)

        let fullDate = /\d{4}-\d{2}-\d{2}/, yearMonth = /(\d{4})-(\d{2})/, year = /\d{4}/
        let fullSSN = /\d{9}|\d{3}-\d{2}-\d{4}/, lastFour = /[Xx*]{3}-[Xx*]{2}-\d{4}|\d{4}/
        var shapes: [String: Int] = [:]
        for row in parsed[.identifiers]! {
            #expect(sources.contains(row["source_system"]!) && !row["source_key"]!.isEmpty)
            for column in ["first_name", "last_name"] { #expect(!row[column]!.isEmpty) }
            if let date = row["birth_date"], !date.isEmpty {
                if date.wholeMatch(of: fullDate) != nil {
                    let parsedDate = try #require(LocalDate(iso: date), "\(date)")
                    #expect((1880...2100).contains(parsedDate.year))
                    shapes["full date", default: 0] += 1
                } else if let match = date.wholeMatch(of: yearMonth) {
                    #expect((1...12).contains(Int(match.2)!) && (1880...2100).contains(Int(match.1)!), "\(date)")
                    shapes["year and month", default: 0] += 1
                } else {
                    #expect(date.wholeMatch(of: year) != nil && (1880...2100).contains(Int(date)!), "\(date)")
                    shapes["year", default: 0] += 1
                }
            }
            if let ssn = row["ssn"], !ssn.isEmpty {
                let full = ssn.wholeMatch(of: fullSSN) != nil
                #expect(full || ssn.wholeMatch(of: lastFour) != nil, "\(ssn)")
                shapes[full ? "full SSN" : "last four", default: 0] += 1
            }
            #expect(["", "F", "M", "X", "U"].contains(row["sex"]!))
            #expect(row["race_ethnicity"]!.isEmpty || RaceEthnicity(rawValue: row["race_ethnicity"]!) != nil)
            #expect(SyntheticIDS.counties.contains(row["county"]!))
            #expect(row["address"]!.isEmpty == row["city"]!.isEmpty && row["city"]!.isEmpty == row["postcode"]!.isEmpty)
        }
        // Each shape the grammar allows occurs.
        #expect(shapes.keys.sorted() == ["full SSN", "full date", "last four", "year", "year and month"])

        // Content keys resolve to identifier records of the right source.
        let keys = Set(parsed[.identifiers]!.map { $0["source_system"]! + "/" + $0["source_key"]! })
        let programs = Set(parsed[.programs]!.map { $0["program_id"]! }), domains = Set(parsed[.eventDomains]!.map { $0["domain"]! })
        #expect(!parsed[.enrollments]!.isEmpty && !parsed[.events]!.isEmpty)
        for row in parsed[.enrollments]! {
            #expect(row["source_system"] == "PRG" && keys.contains("PRG/" + row["source_key"]!))
            #expect(programs.contains(row["program_id"]!) && LocalDate(iso: row["start_date"]!) != nil)
            #expect(row["end_date"]!.isEmpty || LocalDate(iso: row["end_date"]!) != nil)
        }
        let amount = /-?\d{1,12}\.\d{2}/
        for row in parsed[.events]! {
            #expect(keys.contains(row["source_system"]! + "/" + row["source_key"]!), "\(row)")
            #expect(SourceSystem.feeding(EventDomain(rawValue: row["domain"]!)!).code == row["source_system"])
            #expect(domains.contains(row["domain"]!) && LocalDate(iso: row["start_date"]!) != nil)
            #expect(row["end_date"]!.isEmpty || LocalDate(iso: row["end_date"]!) != nil)
            #expect(row["amount"]!.isEmpty || row["amount"]!.wholeMatch(of: amount) != nil, "\(row["amount"]!)")
        }
        #expect(Set(parsed[.events]!.map { $0["event_id"]! }).count == parsed[.events]!.count)
        #expect(Set(parsed[.events]!.map { $0["source_record"]! }).count == parsed[.events]!.count)
        #expect(domains.contains("school") && parsed[.events]!.contains { $0["domain"] == "school" })
        // The families' rows name both persons by Medicaid records the identifier extract holds.
        #expect(!parsed[.relationships]!.isEmpty && !parsed[.households]!.isEmpty)
        for row in parsed[.relationships]! {
            #expect(row["source_system"] == "MMIS" && keys.contains("MMIS/" + row["source_key"]!) && keys.contains("MMIS/" + row["relative_source_key"]!), "\(row)")
            #expect(["natural_parent", "partner"].contains(row["relation"]!) && row["evidence"] == "declared")
            #expect(LocalDate(iso: row["valid_from"]!) != nil && (row["valid_to"]!.isEmpty || LocalDate(iso: row["valid_to"]!)! > LocalDate(iso: row["valid_from"]!)!))
        }
        for row in parsed[.households]! {
            #expect(row["source_system"] == "MMIS" && keys.contains("MMIS/" + row["source_key"]!), "\(row)")
            #expect(["1", "2", "3"].contains(row["relationship_to_head"]!) && LocalDate(iso: row["valid_from"]!) != nil)
        }
        // One head per household.
        let heads = Dictionary(grouping: parsed[.households]!.filter { $0["relationship_to_head"] == "1" }, by: { $0["household_key"]! })
        #expect(heads.values.allSatisfy { $0.count == 1 } && Set(parsed[.households]!.map { $0["household_key"]! }) == Set(heads.keys))
    }

    @Test func keyboardTyposAlwaysChangeTheWordAndKeepItsCapital() {
        var rng = SeededGenerator(seed: 1)
        for word in ["Mary", "Li", "O'Brien", "Aaron", "Zimmerman", "Le"] {
            for _ in 0..<50 {
                let typed = SyntheticIDS.keyboardTypo(word, &rng)
                #expect(typed.lowercased() != word.lowercased(), "\(word) → \(typed)")
                #expect(typed.first!.isUppercase, "\(word) → \(typed)")
                #expect(abs(typed.count - word.count) <= 1)
            }
        }
    }

    /// Rates counted by comparing each record to the clean identity, against the documented table.
    @Test(arguments: IdentifierNoiseLevel.allCases)
    func noiseRatesMatchTheTable(_ level: IdentifierNoiseLevel) {
        let noise = IdentifierNoise.level(level)
        var tally = Tally()
        for person in personRecords(persons: 3_000, seed: 31, noise: level) {
            let identity = person.identity
            let nicknames = Set((SyntheticNames.nicknames[identity.firstName] ?? []).map { $0.lowercased() })
            for record in person.records {
                let first = record.firstName!.lowercased(), last = record.lastName!.lowercased()
                if record.sourceSystem != "JMS" {  // the jail's aliases are names of their own
                    tally.count("first-name typo", first != identity.firstName.lowercased() && !nicknames.contains(first))
                    if !nicknames.isEmpty { tally.count("nickname", nicknames.contains(first)) }
                    if let former = identity.formerLastName {
                        tally.count("former last name", last == former.lowercased())
                    } else {
                        tally.count("last-name typo", last != identity.lastName.lowercased())
                    }
                }
                if let date = record.birthDate, !identity.birthYearOnly {
                    tally.count("year only", date.count == 4)
                    let (year, month, day) = identity.birthDate.components
                    if date.count == 10, day <= 12, day != month {
                        tally.count("day and month swapped", date == "\(year)-\(SyntheticIDS.padded(day, 2))-\(SyntheticIDS.padded(month, 2))")
                    }
                }
                if record.sourceSystem == "UI" { tally.count("UI without SSN", record.ssn == nil) }
                if record.sourceSystem == "HMIS" {
                    tally.count("HMIS without SSN", record.ssn == nil)
                    tally.count("HMIS without address", record.address == nil)
                }
                if let ssn = record.ssn {
                    let digits = ssn.filter(\.isNumber)
                    let placeholder = SyntheticIDS.placeholderSSNs.contains(digits)
                    tally.count("placeholder SSN", placeholder)
                    if digits.count == 9, !placeholder { tally.count("SSN typo", digits != identity.ssn) }
                }
                if let street = record.address {
                    tally.count("previous address", street.lowercased() == identity.previousAddress.street.lowercased())
                }
            }
        }
        let scale = noise.missingScale
        let expected: [String: Double] = [
            "first-name typo": noise.firstNameTypo,
            "nickname": noise.nickname * (1 - noise.firstNameTypo),
            "former last name": noise.formerLastName * (1 - noise.lastNameTypo),
            "last-name typo": noise.lastNameTypo,
            "year only": noise.birthYearOnly,
            "day and month swapped": noise.dayMonthSwap * (1 - noise.birthDateDigit),
            "UI without SSN": 0,
            "HMIS without SSN": 0.45 * scale,
            "HMIS without address": min(1, 0.75 * scale),
            "placeholder SSN": noise.ssnPlaceholder,
            "SSN typo": noise.ssnDigit + (1 - noise.ssnDigit) * noise.ssnTransposition,
            "previous address": noise.previousAddress,
        ]
        for (name, rate) in expected {
            let (hits, total) = tally.counts[name] ?? (0, 0)
            #expect(total >= 300, "\(name): \(total) eligible records")
            let observed = Double(hits) / Double(max(total, 1))
            // 4.5 standard errors of a binomial proportion, and never below a tenth of a point.
            let tolerance = max(0.001, 4.5 * (rate * (1 - rate) / Double(max(total, 1))).squareRoot())
            #expect(abs(observed - rate) <= tolerance, "\(level) \(name): \(hits)/\(total) = \(observed), table \(rate)")
        }
    }

    struct Tally {
        var counts: [String: (hits: Int, total: Int)] = [:]
        mutating func count(_ name: String, _ hit: Bool) {
            counts[name, default: (0, 0)].total += 1
            if hit { counts[name, default: (0, 0)].hits += 1 }
        }
    }
}

/// The rows of one CSV file written into memory, keyed by the header's names, read by the
/// loader's own reader; the header must be the file's documented columns.
func rows(_ bytes: [UInt8], columns: [String]? = nil) throws -> [[String: String]] {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString).csv")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    var reader = try CSVReader(path: url.path)
    guard let header = try reader.next()?.fields else { return [] }
    if let columns { #expect(header == columns) }
    var result: [[String: String]] = []
    while let record = try reader.next() {
        #expect(record.fields.count == header.count, "line \(record.line)")
        result.append(Dictionary(uniqueKeysWithValues: zip(header, record.fields)))
    }
    return result
}

@Suite struct CSVTextBufferTests {
    @Test func fieldsNeedingQuotesReadBackExactly() throws {
        var buffer = CSVTextBuffer()
        buffer.row(["a", "b", "c", "d"])
        buffer.row(["plain", "with, comma", "say \"hi\"", nil])
        buffer.row(["two\nlines", "", "carriage\rreturn", "O'Brien"])
        let parsed = try rows(buffer.bytes, columns: ["a", "b", "c", "d"])
        #expect(parsed == [
            ["a": "plain", "b": "with, comma", "c": "say \"hi\"", "d": ""],
            ["a": "two\nlines", "b": "", "c": "carriage\rreturn", "d": "O'Brien"],
        ])
        #expect(String(decoding: buffer.bytes, as: UTF8.self).hasPrefix("a,b,c,d\nplain,\"with, comma\",\"say \"\"hi\"\"\",\n"))
    }
}
