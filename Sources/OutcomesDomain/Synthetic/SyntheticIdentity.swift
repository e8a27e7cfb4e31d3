/// A person's true identifiers: what every source would record if no one erred. The noise of
/// identifier extracts is applied to these (see `IdentifierNoise`); tests compare the two.
public struct SyntheticIdentity: Sendable, Equatable {
    public struct Address: Sendable, Equatable {
        public let street: String
        public let city: String
        public let postcode: String
    }

    public let personID: Int
    public let firstName: String
    public let middleName: String?
    /// The current last name; `formerLastName` is the birth name of a person who changed it at marriage.
    public let lastName: String
    public let formerLastName: String?
    public let birthDate: LocalDate
    /// Every source knows this person's birth year only (the persons whose `SyntheticPerson.birthDate` is nil).
    public let birthYearOnly: Bool
    /// Nine digits, a number the SSA could issue; unique per person.
    public let ssn: String
    public let sex: Sex
    public let raceEthnicity: RaceEthnicity
    public let county: Int
    public let address: Address
    /// Where the person lived before: some records still carry it.
    public let previousAddress: Address
    /// The first person of the household (the person itself when it lives alone or heads it).
    public let householdHead: Int
    /// Set for a twin of the household head: same last name, birth date and address.
    public let twinOf: Int?
}

extension SyntheticIDS {
    static let householdShare = 0.30
    static let familyShare = 0.60
    static let twinShare = 0.10
    static let marriedNameChangeShare = 0.15

    private static let femaleFirstDraw = ZipfSampler(count: SyntheticNames.femaleFirst.count, offset: 5)
    private static let maleFirstDraw = ZipfSampler(count: SyntheticNames.maleFirst.count, offset: 5)
    private static let lastGeneralDraw = ZipfSampler(count: SyntheticNames.lastGeneral.count, offset: 8)
    private static let lastHispanicDraw = ZipfSampler(count: SyntheticNames.lastHispanic.count, offset: 4)
    private static let lastAsianDraw = ZipfSampler(count: SyntheticNames.lastAsian.count, offset: 4)

    /// The person's identifiers. Its own random stream (substream 3) keeps `person` and `history`,
    /// and so the pre-linked data set, exactly as they were.
    public func identity(of person: SyntheticPerson) -> SyntheticIdentity {
        if isRelative(person.id) { return relativeIdentity(of: person) }
        var rng = SeededGenerator(seed: seed, stream: UInt64(person.id), substream: 3)
        _ = rng.uniform()  // the household draw, read by `joinsPreviousHousehold`
        let family = rng.bernoulli(Self.familyShare), twin = rng.bernoulli(Self.twinShare)
        let headID = householdHead(of: person.id)
        // A head is its own head, so this never recurses further.
        let head = headID == person.id ? nil : identity(of: self.person(headID))

        let female = person.sex == .female || (person.sex != .male && rng.bernoulli(0.5))
        var first = Self.firstName(female: female, &rng)
        if twin, let head { while first == head.firstName { first = Self.firstName(female: female, &rng) } }
        var middle: String? = rng.bernoulli(0.85) ? Self.firstName(female: female, &rng) : nil
        if middle == first { middle = nil }

        let birthName = Self.lastName(person.raceEthnicity, &rng)
        var last = birthName, former: String?
        if female, person.ageAtStudyStart >= 22, rng.bernoulli(Self.marriedNameChangeShare) {
            last = Self.lastName(person.raceEthnicity, &rng)
            if last != birthName { former = birthName }
        }
        if let head, family || twin { last = head.lastName }

        let ownBirthDate = person.birthDate
            ?? LocalDate(year: person.birthYear, month: 1, day: 1)!.adding(days: rng.int(in: 0...364))
        let address = Self.address(county: person.county, &rng)
        let previousAddress = Self.address(county: person.county, &rng)
        let twinHead = twin ? head : nil
        return SyntheticIdentity(
            personID: person.id, firstName: first, middleName: middle, lastName: twinHead?.lastName ?? last,
            formerLastName: twinHead == nil ? former : nil,
            birthDate: twinHead?.birthDate ?? ownBirthDate, birthYearOnly: twinHead?.birthYearOnly ?? (person.birthDate == nil),
            ssn: Self.ssn(index: personSSNIndex(person.id)), sex: person.sex, raceEthnicity: person.raceEthnicity,
            county: person.county, address: head?.address ?? address, previousAddress: previousAddress,
            householdHead: headID, twinOf: twinHead?.personID)
    }

    /// A relative's identifiers: children carry the surname and address of the parent they live
    /// with; a partner at home shares the root's address (and, half the time, surname).
    private func relativeIdentity(of person: SyntheticPerson) -> SyntheticIdentity {
        let (rootID, slot) = rootAndSlot(ofRelative: person.id)
        let rootPerson = self.person(rootID)
        let family = self.family(ofRoot: rootPerson)!
        let root = identity(of: rootPerson)
        var rng = randomStream(of: person.id, 3)
        let female = person.sex == .female
        let first = Self.firstName(female: female, &rng)
        var middle: String? = rng.bernoulli(0.85) ? Self.firstName(female: female, &rng) : nil
        if middle == first { middle = nil }
        let ownLast = Self.lastName(person.raceEthnicity, &rng)
        let ownAddress = Self.address(county: person.county, &rng)
        let previousAddress = Self.address(county: person.county, &rng)
        let sharesName = rng.bernoulli(0.5)
        let birthDate = person.birthDate ?? LocalDate(year: person.birthYear, month: 1, day: 1)!.adding(days: rng.int(in: 0...364))
        var last = ownLast, address = ownAddress, former: String?, head = person.id
        if slot == 1, family.partnerAtHome {
            (address, head) = (root.address, rootID)
            if sharesName { (last, former) = (root.lastName, ownLast == root.lastName ? nil : ownLast) }
        } else if slot > 1 {
            if family.childrenWithRoot {
                (last, address, head) = (root.lastName, root.address, rootID)
            } else if let other = family.otherParent {
                let parent = relativeIdentity(of: other)
                (last, address, head) = (parent.lastName, parent.address, other.id)
            }
        }
        return SyntheticIdentity(
            personID: person.id, firstName: first, middleName: middle, lastName: last, formerLastName: former,
            birthDate: birthDate, birthYearOnly: person.birthDate == nil, ssn: Self.ssn(index: ssnIndex(of: person.id)),
            sex: person.sex, raceEthnicity: person.raceEthnicity, county: person.county, address: address,
            previousAddress: previousAddress, householdHead: head, twinOf: nil)
    }

    /// Whether the person lives with the household of the person before them (never for ids
    /// 1, 7, 13, …, so a household has at most six people and is found in a few steps).
    func joinsPreviousHousehold(_ id: Int) -> Bool {
        guard id > 1, id % 6 != 1 else { return false }
        var rng = SeededGenerator(seed: seed, stream: UInt64(id), substream: 3)
        return rng.bernoulli(Self.householdShare)
    }

    /// The household's first person: back to the start of a run of joiners, then forward, a member
    /// in another county starting a household of its own.
    func householdHead(of id: Int) -> Int {
        var start = id
        while joinsPreviousHousehold(start) { start -= 1 }
        var head = start, county = person(start).county
        for member in stride(from: start + 1, through: id, by: 1) {
            let memberCounty = person(member).county
            if memberCounty != county { (head, county) = (member, memberCounty) }
        }
        return head
    }

    private static func firstName(female: Bool, _ rng: inout SeededGenerator) -> String {
        female ? SyntheticNames.femaleFirst[femaleFirstDraw.draw(&rng)] : SyntheticNames.maleFirst[maleFirstDraw.draw(&rng)]
    }

    /// Hispanic persons mostly draw Hispanic surnames, Asian and Pacific Islander persons mostly
    /// Asian and Pacific ones: so name frequencies, and linkage difficulty, differ by group.
    private static func lastName(_ race: RaceEthnicity, _ rng: inout SeededGenerator) -> String {
        let draw = rng.uniform()
        switch race {
        case .hispanic where draw < 0.75: return SyntheticNames.lastHispanic[lastHispanicDraw.draw(&rng)]
        case .asian where draw < 0.75, .pacificIslander where draw < 0.6:
            return SyntheticNames.lastAsian[lastAsianDraw.draw(&rng)]
        default: return SyntheticNames.lastGeneral[lastGeneralDraw.draw(&rng)]
        }
    }

    private static func address(county: Int, _ rng: inout SeededGenerator) -> SyntheticIdentity.Address {
        let number = 1 + Int(rng.exponential(mean: 1_800)) % 9_999
        let street = SyntheticNames.streets[rng.int(in: 0...SyntheticNames.streets.count - 1)]
        let suffix = SyntheticNames.streetSuffixes[rng.int(in: 0...SyntheticNames.streetSuffixes.count - 1)]
        let unit = rng.bernoulli(0.25) ? " Apt \(rng.int(in: 1...40))" : ""
        let cities = SyntheticNames.cities[county]
        let city = cities[rng.int(in: 0...cities.count - 1)]
        return .init(street: "\(number) \(street) \(suffix)\(unit)", city: city.name, postcode: city.postcode)
    }

    // MARK: SSNs

    /// Issuable SSNs: areas 001–665 and 667–899, groups 01–99, serials 0001–9999.
    static let issuableSSNs = 898 * 99 * 9_999

    /// A bijection of person ids onto issuable SSNs (an affine map modulo their count, with a
    /// prime multiplier near 0.618 of it, so neighbours scatter), shifted by the seed: unique SSNs
    /// without remembering any.
    func personSSNIndex(_ id: Int) -> Int {
        var rng = SeededGenerator(seed: seed, stream: 0, substream: 9)
        let offset = Int(rng.next() % UInt64(Self.issuableSSNs))
        return (549_389_639 * (id - 1) % Self.issuableSSNs + offset) % Self.issuableSSNs
    }

    static func ssn(index: Int) -> String {
        var area = index / (99 * 9_999) + 1
        if area >= 666 { area += 1 }
        let group = index / 9_999 % 99 + 1, serial = index % 9_999 + 1
        return padded(area, 3) + padded(group, 2) + padded(serial, 4)
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
