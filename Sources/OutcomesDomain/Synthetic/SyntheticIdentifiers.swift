/// One row of `identifiers.csv`: a person as one source system recorded them, as text the way the
/// source wrote it (birth dates `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; SSNs in the source's style).
public struct IdentifierRecord: Sendable, Equatable {
    public let sourceSystem: String
    public let sourceKey: String
    public var firstName: String?
    public var middleName: String?
    public var lastName: String?
    public var birthDate: String?
    public var ssn: String?
    public var sex: String?
    public var raceEthnicity: String?
    public var county: String?
    public var address: String?
    public var city: String?
    public var postcode: String?

    public static let columns = [
        "source_system", "source_key", "first_name", "middle_name", "last_name", "birth_date", "ssn", "sex",
        "race_ethnicity", "county", "address", "city", "postcode",
    ]

    public var fields: [String?] {
        [sourceSystem, sourceKey, firstName, middleName, lastName, birthDate, ssn, sex, raceEthnicity, county, address, city, postcode]
    }
}

extension SyntheticIDS {
    /// The person's identifier records: one per link the simulation made (so one per source the
    /// person is known to, two where the person has two keys in one source), each with its own
    /// random stream (substream 16 + the link's index) and its own errors.
    public func identifierRecords(
        of identity: SyntheticIdentity, links: [SyntheticHistory.Link], noise: IdentifierNoise
    ) -> [IdentifierRecord] {
        links.enumerated().map { index, link in
            var rng = randomStream(of: identity.personID, 16 + UInt64(index))
            return Self.record(identity, link: link, noise: noise, &rng)
        }
    }

    static func record(
        _ identity: SyntheticIdentity, link: SyntheticHistory.Link, noise: IdentifierNoise, _ rng: inout SeededGenerator
    ) -> IdentifierRecord {
        let profile = SourceIdentifierProfile.of(link.source)
        func missing(_ rate: Double) -> Bool { rng.bernoulli(min(1, rate * noise.missingScale)) }
        func cased(_ text: String) -> String { profile.upperCase ? text.uppercased() : text }

        // Names: what the source was told, then how it was typed.
        var first = identity.firstName, last = identity.lastName
        if rng.bernoulli(noise.nickname), let forms = SyntheticNames.nicknames[first] {
            first = forms[rng.int(in: 0...forms.count - 1)]
        }
        if rng.bernoulli(noise.formerLastName), let former = identity.formerLastName { last = former }
        if link.source == .jail, rng.bernoulli(noise.jailAlias) {
            if rng.bernoulli(0.5) {
                (first, last) = (last, first)
            } else {
                let names = identity.sex == .female ? SyntheticNames.femaleFirst : SyntheticNames.maleFirst
                first = names[rng.int(in: 0...names.count - 1)]
            }
        }
        if rng.bernoulli(noise.firstNameTypo) { first = keyboardTypo(first, &rng) }
        if rng.bernoulli(noise.lastNameTypo) { last = keyboardTypo(last, &rng) }
        let middleDraw = rng.uniform()
        let middle = identity.middleName.flatMap { name -> String? in
            if middleDraw < profile.middleFull { return name }
            if middleDraw < profile.middleFull + profile.middleInitial { return String(name.prefix(1)) }
            return nil
        }

        var record = IdentifierRecord(sourceSystem: link.source.code, sourceKey: link.key)
        record.firstName = cased(first)
        record.middleName = middle.map(cased)
        record.lastName = cased(last)
        record.birthDate = birthDate(identity, profile: profile, noise: noise, missing: missing(profile.birthDateMissing), &rng)
        record.ssn = ssn(identity, profile: profile, noise: noise, missing: missing(profile.ssnMissing),
                         lastFourOnly: missing(profile.ssnLastFourOnly), &rng)
        record.sex = missing(profile.sexMissing) ? nil : identity.sex.rawValue
        record.raceEthnicity = missing(profile.raceMissing) ? nil : identity.raceEthnicity.rawValue
        record.county = SyntheticIDS.counties[identity.county]
        let noAddress = missing(profile.addressMissing)
        let address = rng.bernoulli(noise.previousAddress) ? identity.previousAddress : identity.address
        if !noAddress {
            record.address = cased(address.street)
            record.city = cased(address.city)
            record.postcode = address.postcode
        }
        return record
    }

    private static func birthDate(
        _ identity: SyntheticIdentity, profile: SourceIdentifierProfile, noise: IdentifierNoise, missing: Bool,
        _ rng: inout SeededGenerator
    ) -> String? {
        let swap = rng.bernoulli(noise.dayMonthSwap), digit = rng.bernoulli(noise.birthDateDigit)
        let precision = rng.uniform()
        guard !missing else { return nil }
        var (year, month, day) = identity.birthDate.components
        if identity.birthYearOnly { return String(year) }
        // A child's typo never makes the birth later than it was (the child's first records follow the birth
        // by weeks, so a later birth date would put them before it); an adult's may go either way.
        let child = year >= SyntheticIDS.studyStart.year - 17
        if swap, day <= 12, day != month, !child || day < month { (month, day) = (day, month) }
        if digit {
            if rng.bernoulli(0.5) {
                // One of the day's two digits, kept a day of the month.
                let length = LocalDate.daysIn(month: month, year: year)
                let days = (1...length).filter { ($0 / 10 == day / 10) != ($0 % 10 == day % 10) && (!child || $0 < day) }
                if !days.isEmpty { day = days[rng.int(in: 0...days.count - 1)] }
            } else {
                let units = (0...9).filter { $0 != year % 10 && (!child || $0 < year % 10) }
                if !units.isEmpty { year = year / 10 * 10 + units[rng.int(in: 0...units.count - 1)] }
                if month == 2, day == 29, !LocalDate.isLeap(year) { day = 28 }
            }
        }
        if precision < noise.birthYearOnly { return String(year) }
        if precision < noise.birthYearOnly + noise.birthYearMonthOnly { return String(year) + "-" + padded(month, 2) }
        return String(year) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    /// Placeholders the SSA never issues, as agencies key them when the person has no SSN at hand.
    static let placeholderSSNs = ["999999999", "000000000"]

    private static func ssn(
        _ identity: SyntheticIdentity, profile: SourceIdentifierProfile, noise: IdentifierNoise, missing: Bool,
        lastFourOnly: Bool, _ rng: inout SeededGenerator
    ) -> String? {
        let placeholder = rng.bernoulli(noise.ssnPlaceholder)
        let digit = rng.bernoulli(noise.ssnDigit), transposition = rng.bernoulli(noise.ssnTransposition)
        guard !missing else { return nil }
        var digits = Array(identity.ssn.utf8)
        if placeholder {
            digits = Array(placeholderSSNs[rng.int(in: 0...1)].utf8)
        } else if digit || transposition {
            // Retried until the result is still an issuable number, so that it stays a typo, not a placeholder.
            for _ in 0..<20 {
                var changed = Array(identity.ssn.utf8)
                if digit {
                    let position = rng.int(in: 0...8)
                    let others = (UInt8(48)...UInt8(57)).filter { $0 != changed[position] }
                    changed[position] = others[rng.int(in: 0...others.count - 1)]
                } else {
                    let position = rng.int(in: 0...7)
                    guard changed[position] != changed[position + 1] else { continue }
                    changed.swapAt(position, position + 1)
                }
                if isIssuable(changed) { digits = changed; break }
            }
        }
        let text = String(decoding: digits, as: UTF8.self)
        if lastFourOnly, !placeholder {
            let four = text.suffix(4)
            switch profile.lastFourStyle {
            case .maskedX: return "XXX-XX-" + four
            case .maskedStar: return "***-**-" + four
            case .maskedLowerX: return "xxx-xx-" + four
            case .digits: return String(four)
            }
        }
        switch profile.ssnStyle {
        case .digits: return text
        case .dashed: return text.prefix(3) + "-" + text.dropFirst(3).prefix(2) + "-" + text.suffix(4)
        }
    }

    /// Area 001–899 but 666, group 01–99, serial 0001–9999.
    static func isIssuable(_ digits: [UInt8]) -> Bool {
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let area = number(0..<3), group = number(3..<5), serial = number(5..<9)
        return (1...899).contains(area) && area != 666 && group != 0 && serial != 0
    }

    // MARK: Keyboard typos

    private static let neighbours: [Character: [Character]] = {
        let rows = "q:wa w:qeas e:wrsd r:etdf t:ryfg y:tugh u:yihj i:uojk o:ipkl p:ol a:qwsz s:awedxz d:serfcx f:drtgvc "
            + "g:ftyhbv h:gyujnb j:huikmn k:jiolm l:kop z:asx x:zsdc c:xdfv v:cfgb b:vghn n:bhjm m:njk"
        var result: [Character: [Character]] = [:]
        for entry in rows.split(separator: " ") { result[entry.first!] = Array(entry.dropFirst(2)) }
        return result
    }()

    /// One keyboard slip: a neighbouring key instead of a letter, a letter left out, a neighbouring
    /// key struck too, or two adjacent letters swapped. The result always differs from the word
    /// (ignoring case) when the word has two letters or more; a capital first letter stays one.
    static func keyboardTypo(_ word: String, _ rng: inout SeededGenerator) -> String {
        let letters = Array(word)
        guard letters.count >= 2 else { return word }
        for _ in 0..<16 {
            var typed = letters
            let position = rng.int(in: 0...letters.count - 1)
            let near = neighbours[Character(letters[position].lowercased())] ?? []
            switch rng.int(in: 0...3) {
            case 0:
                guard !near.isEmpty else { continue }
                let key = near[rng.int(in: 0...near.count - 1)]
                typed[position] = letters[position].isUppercase ? Character(key.uppercased()) : key
            case 1:
                typed.remove(at: position)
            case 2:
                guard !near.isEmpty else { continue }
                typed.insert(near[rng.int(in: 0...near.count - 1)], at: position + 1)
            default:
                guard position + 1 < letters.count,
                    letters[position].lowercased() != letters[position + 1].lowercased() else { continue }
                typed[position] = Character(letters[position + 1].lowercased())
                typed[position + 1] = Character(letters[position].lowercased())
            }
            guard let first = typed.first, first.isLetter else { continue }  // "'Brien" is no slip of the keys
            if letters[0].isUppercase { typed[0] = Character(first.uppercased()) }
            let result = String(typed)
            if result.lowercased() != word.lowercased() { return result }
        }
        return word
    }
}
