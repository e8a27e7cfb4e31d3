import Testing
@testable import OutcomesDomain

/// Renders a data set the way the loader streams it and hashes each table.
func contentHash(_ ids: SyntheticIDS) -> String {
    var persons = CopyTextBuffer(), links = CopyTextBuffer(), enrollments = CopyTextBuffer(), events = CopyTextBuffer()
    var eventID = 1, enrollmentID = 1
    for id in ids.personIDs {
        let person = ids.person(id)
        SyntheticRowWriter.write(person, into: &persons)
        let history = ids.history(of: person)
        SyntheticRowWriter.writeLinks(history, personID: id, into: &links)
        SyntheticRowWriter.writeEnrollments(history, personID: id, nextID: &enrollmentID, into: &enrollments)
        SyntheticRowWriter.writeEvents(history, personID: id, nextID: &eventID, into: &events)
    }
    var hasher = SHA256()
    for table in [persons, links, enrollments, events] { hasher.update(table.bytes) }
    return hasher.hexDigest()
}

@Suite struct SyntheticIDSTests {
    @Test func sameSeedSameContentOtherSeedOtherContent() {
        let first = contentHash(SyntheticIDS(persons: 300, seed: 5))
        #expect(first == contentHash(SyntheticIDS(persons: 300, seed: 5)))
        #expect(first != contentHash(SyntheticIDS(persons: 300, seed: 6)))
    }

    @Test func aPersonDoesNotDependOnHowManyPeopleAreGenerated() {
        let small = SyntheticIDS(persons: 10, seed: 9), large = SyntheticIDS(persons: 10_000, seed: 9)
        #expect(small.person(7) == large.person(7))
        #expect(small.history(of: small.person(7)).events == large.history(of: large.person(7)).events)
    }

    @Test func recordsAreInternallyConsistent() {
        let ids = SyntheticIDS(persons: 3_000, seed: 21)
        let start = SyntheticIDS.observationStart, extract = SyntheticIDS.extractDate
        let providers = Dictionary(uniqueKeysWithValues: ids.catalog.providers.map { ($0.id, $0.programID) })
        for id in ids.personIDs {
            let person = ids.person(id)
            #expect((18...64).contains(person.ageAtStudyStart))
            if let birth = person.birthDate { #expect(birth.year == person.birthYear) }
            let history = ids.history(of: person)
            let linkedSources = Set(history.links.map(\.source.code))
            for event in history.events {
                #expect(event.start >= start && event.start <= extract)
                if let end = event.end { #expect(end >= event.start && end <= extract) }
                // Records survive only from sources the person is linked to.
                #expect(linkedSources.contains(SourceSystem.feeding(event.domain).code))
                if event.domain == .erVisit { #expect(event.end == event.start) }
                if event.domain == .wages { #expect(event.start == event.start.quarterStart) }
            }
            for enrollment in history.enrollments {
                #expect(providers[enrollment.providerID] == enrollment.programID)
                #expect((enrollment.arm != nil) == (enrollment.programID == "housing"))
                if enrollment.arm == .control { #expect(enrollment.end == nil) }
                if let end = enrollment.end { #expect(end >= enrollment.start) }
                #expect((enrollment.end == nil) == (enrollment.exitReason == nil))
            }
            for link in history.links { #expect((8_000...10_000).contains(link.score)) }
        }
    }

    /// Enrollment depends on pre-period history, so participants differ from everyone else.
    @Test func participantsAreSelectedOnObservedHistory() {
        let ids = SyntheticIDS(persons: 6_000, seed: 3)
        let boundary = SyntheticIDS.studyStart
        var preJail: (participants: [Double], others: [Double]) = ([], [])
        for id in ids.personIDs {
            let history = ids.history(of: ids.person(id))
            let bookings = Double(history.events.filter { $0.domain == .jail && $0.start < boundary }.count)
            if history.enrollments.isEmpty { preJail.others.append(bookings) } else { preJail.participants.append(bookings) }
        }
        let participantMean = preJail.participants.reduce(0, +) / Double(preJail.participants.count)
        let otherMean = preJail.others.reduce(0, +) / Double(preJail.others.count)
        #expect(participantMean > 1.5 * otherMean)
        let share = Double(preJail.participants.count) / 6_000
        #expect((0.15...0.30).contains(share))
    }
}
