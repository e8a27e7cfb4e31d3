/// How much noise synthetic identifier extracts carry (`outcomes synth --identifiers DIR --noise …`).
public enum IdentifierNoiseLevel: String, Sendable, CaseIterable {
    case low, medium, high
}

/// The per-record error rates of synthetic identifier extracts, by noise level. Each rate is the
/// chance that one identifier record (one person in one source) carries that error; a rate "of
/// eligible" applies only where the error can show (a nickname needs a name that has one, a swap
/// a day of 12 or less that differs from the month, an SSN error a recorded full SSN).
///
/// | error | low | medium | high |
/// |---|---|---|---|
/// | keyboard typo in the first name (substitution, deletion, insertion, adjacent transposition) | 1% | 3% | 6% |
/// | keyboard typo in the last name | 1% | 3% | 6% |
/// | nickname for the given first name (of eligible) | 5% | 10% | 20% |
/// | birth date: day and month swapped (of eligible full dates) | 0.5% | 1.5% | 3% |
/// | birth date: one digit wrong (day or year) | 0.5% | 1% | 2% |
/// | birth date: year only (besides the 8% of persons every source knows by year only) | 1% | 3% | 6% |
/// | birth date: year and month only | 0.5% | 1.5% | 3% |
/// | SSN: one digit wrong (of recorded full SSNs) | 0.5% | 1.5% | 3% |
/// | SSN: two adjacent digits transposed (of recorded full SSNs) | 0.25% | 0.75% | 1.5% |
/// | SSN: a placeholder (999-99-9999, 000-00-0000) instead of the person's | 0.3% | 1% | 2% |
/// | former (birth) last name after a marriage (of records of persons who changed name) | 25% | 50% | 75% |
/// | jail: an alias (another first name, or first and last swapped) (of JMS records) | 4% | 8% | 15% |
/// | an out-of-date address (the person's previous one) | 5% | 12% | 25% |
/// | missing fields: each source's rates below, times | 0.5 | 1 | 1.5 |
///
/// Missing fields by source at medium (the wage system always has an SSN; the shelter system
/// often lacks one and often has no address):
///
/// | source | no SSN | last four only (of SSNs) | no birth date | no address | no sex | no race/ethnicity |
/// |---|---|---|---|---|---|---|
/// | JMS (jail) | 25% | 5% | 1% | 30% | 0% | 5% |
/// | HMIS (shelter) | 45% | 15% | 5% | 75% | 2% | 10% |
/// | UI (wages) | 0% | 0% | 40% | 10% | 80% | 90% |
/// | MMIS (Medicaid) | 5% | 2% | 0% | 5% | 0% | 30% |
/// | CWS (child welfare) | 35% | 5% | 3% | 10% | 1% | 10% |
/// | EBT (benefits) | 3% | 0% | 0% | 2% | 0% | 15% |
/// | PRG (programs) | 30% | 10% | 2% | 40% | 2% | 5% |
///
/// The world itself does not depend on the level: 30% of persons (whose id is not a multiple of 6
/// plus 1) share the household, and address, of the person before them when both live in the
/// same county; 60% of those share its last name and 10% are its twin (same last name, birth
/// date and address, another first name); 15% of women 22 and over changed their last name at
/// marriage; a person under two keys in one source is the simulation's (HMIS 4%, JMS and CWS 1%,
/// MMIS 0.5%).
public struct IdentifierNoise: Sendable, Equatable {
    public var firstNameTypo: Double
    public var lastNameTypo: Double
    public var nickname: Double
    public var dayMonthSwap: Double
    public var birthDateDigit: Double
    public var birthYearOnly: Double
    public var birthYearMonthOnly: Double
    public var ssnDigit: Double
    public var ssnTransposition: Double
    public var ssnPlaceholder: Double
    public var formerLastName: Double
    public var jailAlias: Double
    public var previousAddress: Double
    /// Multiplies each source's missing-field rates (capped at 1).
    public var missingScale: Double

    public static func level(_ level: IdentifierNoiseLevel) -> IdentifierNoise {
        switch level {
        case .low:
            IdentifierNoise(
                firstNameTypo: 0.01, lastNameTypo: 0.01, nickname: 0.05, dayMonthSwap: 0.005, birthDateDigit: 0.005,
                birthYearOnly: 0.01, birthYearMonthOnly: 0.005, ssnDigit: 0.005, ssnTransposition: 0.0025,
                ssnPlaceholder: 0.003, formerLastName: 0.25, jailAlias: 0.04, previousAddress: 0.05, missingScale: 0.5)
        case .medium:
            IdentifierNoise(
                firstNameTypo: 0.03, lastNameTypo: 0.03, nickname: 0.10, dayMonthSwap: 0.015, birthDateDigit: 0.01,
                birthYearOnly: 0.03, birthYearMonthOnly: 0.015, ssnDigit: 0.015, ssnTransposition: 0.0075,
                ssnPlaceholder: 0.01, formerLastName: 0.50, jailAlias: 0.08, previousAddress: 0.12, missingScale: 1)
        case .high:
            IdentifierNoise(
                firstNameTypo: 0.06, lastNameTypo: 0.06, nickname: 0.20, dayMonthSwap: 0.03, birthDateDigit: 0.02,
                birthYearOnly: 0.06, birthYearMonthOnly: 0.03, ssnDigit: 0.03, ssnTransposition: 0.015,
                ssnPlaceholder: 0.02, formerLastName: 0.75, jailAlias: 0.15, previousAddress: 0.25, missingScale: 1.5)
        }
    }
}

/// How one agency records identifiers: which fields it often lacks and how it writes them.
struct SourceIdentifierProfile: Sendable {
    enum SSNStyle: Sendable { case dashed, digits }
    enum LastFourStyle: Sendable { case maskedX, maskedStar, maskedLowerX, digits }

    let ssnMissing: Double
    let ssnLastFourOnly: Double
    let birthDateMissing: Double
    let addressMissing: Double
    let sexMissing: Double
    let raceMissing: Double
    /// Chance the middle name is written out, and that only its initial is (else none).
    let middleFull: Double
    let middleInitial: Double
    let upperCase: Bool
    let ssnStyle: SSNStyle
    let lastFourStyle: LastFourStyle

    static func of(_ source: SourceSystem) -> SourceIdentifierProfile {
        switch source.code {
        case "JMS":
            .init(ssnMissing: 0.25, ssnLastFourOnly: 0.05, birthDateMissing: 0.01, addressMissing: 0.30, sexMissing: 0,
                  raceMissing: 0.05, middleFull: 0.6, middleInitial: 0.2, upperCase: true, ssnStyle: .dashed, lastFourStyle: .digits)
        case "HMIS":
            .init(ssnMissing: 0.45, ssnLastFourOnly: 0.15, birthDateMissing: 0.05, addressMissing: 0.75, sexMissing: 0.02,
                  raceMissing: 0.10, middleFull: 0.1, middleInitial: 0.2, upperCase: false, ssnStyle: .dashed, lastFourStyle: .maskedX)
        case "UI":
            .init(ssnMissing: 0, ssnLastFourOnly: 0, birthDateMissing: 0.40, addressMissing: 0.10, sexMissing: 0.80,
                  raceMissing: 0.90, middleFull: 0, middleInitial: 0.5, upperCase: true, ssnStyle: .digits, lastFourStyle: .digits)
        case "MMIS":
            .init(ssnMissing: 0.05, ssnLastFourOnly: 0.02, birthDateMissing: 0, addressMissing: 0.05, sexMissing: 0,
                  raceMissing: 0.30, middleFull: 0.5, middleInitial: 0.3, upperCase: false, ssnStyle: .digits, lastFourStyle: .digits)
        case "CWS":
            .init(ssnMissing: 0.35, ssnLastFourOnly: 0.05, birthDateMissing: 0.03, addressMissing: 0.10, sexMissing: 0.01,
                  raceMissing: 0.10, middleFull: 0.4, middleInitial: 0.2, upperCase: false, ssnStyle: .dashed, lastFourStyle: .maskedLowerX)
        case "EBT":
            .init(ssnMissing: 0.03, ssnLastFourOnly: 0, birthDateMissing: 0, addressMissing: 0.02, sexMissing: 0,
                  raceMissing: 0.15, middleFull: 0.5, middleInitial: 0.3, upperCase: true, ssnStyle: .digits, lastFourStyle: .digits)
        case "SIS":  // schools rarely hold a child's SSN
            .init(ssnMissing: 0.70, ssnLastFourOnly: 0.05, birthDateMissing: 0, addressMissing: 0.05, sexMissing: 0,
                  raceMissing: 0.05, middleFull: 0.6, middleInitial: 0.2, upperCase: false, ssnStyle: .digits, lastFourStyle: .digits)
        default:  // PRG and any source added later
            .init(ssnMissing: 0.30, ssnLastFourOnly: 0.10, birthDateMissing: 0.02, addressMissing: 0.40, sexMissing: 0.02,
                  raceMissing: 0.05, middleFull: 0.3, middleInitial: 0.3, upperCase: false, ssnStyle: .dashed, lastFourStyle: .maskedStar)
        }
    }
}
