import Testing
@testable import OutcomesDomain

/// The synthetic families: drawn beside the people, not instead of them; children and other parents
/// as persons with records of their own; the two-generation program referring whom it says it does.
@Suite struct SyntheticFamilyTests {
    /// Families come from a stream of their own: every person 1…N is drawn as without families.
    /// A relative's data are keyed by its root and slot: they do not depend on how many people are generated.
    @Test func aFamilyDoesNotDependOnHowManyPeopleAreGenerated() {
        let small = SyntheticIDS(persons: 60, seed: 3, families: true), large = SyntheticIDS(persons: 5_000, seed: 3, families: true)
        var compared = 0
        for root in small.personIDs {
            let (a, b) = (small.histories(ofRoot: root), large.histories(ofRoot: root))
            #expect(a.count == b.count)
            for ((p, h), (q, k)) in zip(a, b) {
                // The same person under another id: every field but the id, the same records and identifiers.
                #expect(p.birthDate == q.birthDate && p.sex == q.sex && p.raceEthnicity == q.raceEthnicity && p.county == q.county)
                #expect(h.events == k.events && h.enrollments == k.enrollments && h.links == k.links)
                let (x, y) = (small.identity(of: p), large.identity(of: q))
                #expect(x.firstName == y.firstName && x.lastName == y.lastName && x.ssn == y.ssn && x.address == y.address)
                compared += 1
            }
        }
        #expect(compared > 70)
    }

    @Test func thePeopleAreDrawnAsWithoutFamilies() {
        let plain = SyntheticIDS(persons: 400, seed: 4), families = SyntheticIDS(persons: 400, seed: 4, families: true)
        for id in plain.personIDs {
            #expect(plain.person(id) == families.person(id))
            #expect(plain.identity(of: plain.person(id)) == families.identity(of: families.person(id)))
        }
        #expect(families.personIDs.flatMap { families.members(ofRoot: $0) }.count > 500)
        #expect(plain.personIDs.allSatisfy { plain.members(ofRoot: $0).count == 1 })
        #expect(families.catalog.contracts.map(\.id).contains("family-2021") && !plain.catalog.contracts.map(\.id).contains("family-2021"))
    }

    @Test func familiesAreConsistent() {
        let ids = SyntheticIDS(persons: 3_000, seed: 12, families: true)
        let extract = SyntheticIDS.extractDate, start = SyntheticIDS.observationStart
        var children = 0, apart = 0, partners = 0, investigatedParents = 0
        for root in ids.personIDs {
            let members = ids.histories(ofRoot: root)
            guard let family = ids.family(ofRoot: members[0].person) else {
                #expect(members.count == 1)
                continue
            }
            // Relatives take the ids of their root's block; random access finds them again.
            for relative in family.relatives {
                #expect(ids.isRelative(relative.id) && ids.rootAndSlot(ofRelative: relative.id).root == root)
                #expect(ids.person(relative.id) == relative)
            }
            #expect(family.otherParent.map { (18...70).contains($0.ageAtStudyStart) } ?? true)
            if family.partnerAtHome { partners += 1 }
            if !family.childrenWithRoot { apart += 1 }
            for child in family.children {
                children += 1
                let birth = child.birthDate!
                #expect((-3...17).contains(child.ageAtStudyStart) && birth < extract)
                let history = members.first { $0.person.id == child.id }!.history
                #expect(history.enrollments.isEmpty)
                for event in history.events {
                    #expect(event.start >= max(birth, start) && event.start <= extract, "\(event)")
                    switch event.domain {
                    case .childWelfare: #expect(event.type.description == "placement")
                    case .erVisit: #expect(event.type.description == "pediatric_ed_visit")
                    case .benefit: #expect(["WIC", "CCDF"].contains(event.type.description))
                    case .school: #expect((0...10_000).contains(event.amountCents ?? -1) && event.start.components.month == 8)
                    default: Issue.record("a child has a \(event.domain) record")
                    }
                }
            }
            // An investigation is recorded under the parent the children live with, never the other.
            let resident = family.childrenWithRoot ? family.root.id : family.otherParent?.id
            for (person, history) in members where history.events.contains(where: { $0.type.description == "investigation" }) {
                #expect(person.id == resident)
                investigatedParents += 1
            }
            // Every member has a Medicaid record (whether it linked is the linkage's chance).
            let records = SyntheticFamilyRecords(family: family, histories: members)
            let keys = Dictionary(uniqueKeysWithValues: members.compactMap { member in
                member.history.links.first { $0.source == .medicaid }.map { ($0.key, member.person.id) }
            })
            for row in records.relationships {
                let (person, relative) = (keys[row[5]!]!, keys[row[6]!]!)
                if row[0] == "natural_parent" {
                    #expect(family.children.map(\.id).contains(person) && [family.root.id, family.otherParent?.id].contains(relative))
                } else {
                    #expect(row[0] == "partner" && family.partnerAtHome && person == root && relative == family.otherParent?.id)
                }
            }
            for row in records.households { #expect(keys[row[5]!] != nil) }
        }
        // The population the documentation describes: many children, some living apart from the root, some partners at home.
        #expect(children > 800 && apart > 50 && partners > 100 && investigatedParents > 100, "\(children) \(apart) \(partners) \(investigatedParents)")
    }

    /// Referred parents live with their children and were investigated before the study; the
    /// referral is randomized, and only roots are referred.
    @Test func theTwoGenerationProgramRefersWhomItSays() {
        let ids = SyntheticIDS(persons: 8_000, seed: 2, families: true)
        var arms: [StudyArm: Int] = [:]
        for root in ids.personIDs {
            let members = ids.histories(ofRoot: root)
            for (person, history) in members.dropFirst() { #expect(history.enrollments.isEmpty, "relative \(person.id) enrolled") }
            guard let enrollment = members[0].history.enrollments.first, enrollment.programID == "family" else { continue }
            let family = ids.family(ofRoot: members[0].person)!
            #expect(family.childrenWithRoot && ["roots", "nest"].contains(enrollment.providerID))
            #expect(family.children.contains { (0...17).contains($0.ageAtStudyStart) }, "a child under 18 on the study start")
            #expect(enrollment.contractID == "family-2021" && enrollment.start >= SyntheticIDS.studyStart)
            // Investigated before the study (seen through the simulation, before linkage drops any record).
            let children = family.children.map { child in
                var simulation = ChildSimulation(child: child, family: family, rng: ids.randomStream(of: child.id, 1))
                simulation.runBeforeStudy()
                return simulation
            }
            #expect(children.contains { $0.priorPlacements > 0 || !$0.investigations.isEmpty })
            arms[enrollment.arm!, default: 0] += 1
        }
        let (treated, control) = (arms[.treatment] ?? 0, arms[.control] ?? 0)
        #expect(treated + control > 60 && abs(treated - control) < (treated + control) / 4, "\(arms)")
    }
}
