/// The administrative event domains an IDS links. The raw values are the codes stored in
/// `ids.events.domain` and the only domain names the SQL layer accepts.
public enum EventDomain: String, CaseIterable, Sendable, Codable {
    case jail
    case shelter
    case wages
    case erVisit = "er_visit"
    case childWelfare = "child_welfare"
    case benefit
    /// A school year's enrollment; its amount is the share of school days attended, in percent.
    case school

    /// Spells have a start and an end (possibly open); point events happen on one day;
    /// quarterly amounts cover one calendar quarter.
    public enum Shape: String, Sendable, CaseIterable { case spell, point, quarterlyAmount = "quarterly_amount" }

    public var shape: Shape {
        switch self {
        case .jail, .shelter, .childWelfare, .benefit, .school: .spell
        case .erVisit: .point
        case .wages: .quarterlyAmount
        }
    }
}

/// A source system of the IDS: one agency's administrative data, linked to the person index.
public struct SourceSystem: Hashable, Sendable {
    public let code: String
    public let name: String
    public let agency: String
    /// The event domain its records feed, if any (the program system feeds enrollments).
    public let domain: EventDomain?

    public static let jail = SourceSystem(
        code: "JMS", name: "County jail management system", agency: "Sheriff's Office", domain: .jail)
    public static let hmis = SourceSystem(
        code: "HMIS", name: "Homeless Management Information System", agency: "Continuum of Care", domain: .shelter)
    public static let wages = SourceSystem(
        code: "UI", name: "Unemployment insurance wage records", agency: "Department of Labor", domain: .wages)
    public static let medicaid = SourceSystem(
        code: "MMIS", name: "Medicaid claims", agency: "Medicaid agency", domain: .erVisit)
    public static let childWelfare = SourceSystem(
        code: "CWS", name: "Child welfare case management", agency: "Children and Family Services",
        domain: .childWelfare)
    public static let benefits = SourceSystem(
        code: "EBT", name: "SNAP and TANF eligibility system", agency: "Department of Human Services",
        domain: .benefit)
    public static let schools = SourceSystem(
        code: "SIS", name: "Student information system", agency: "State Department of Education", domain: .school)
    public static let programs = SourceSystem(
        code: "PRG", name: "Program referral and enrollment system", agency: "County Office of Contracts",
        domain: nil)

    /// The program system stays before the school system: a person's links are drawn in this order.
    public static let all: [SourceSystem] = [jail, hmis, wages, medicaid, childWelfare, benefits, programs, schools]

    public static func feeding(_ domain: EventDomain) -> SourceSystem {
        all.first { $0.domain == domain }!
    }
}

/// How a source record was linked to a person.
public enum MatchMethod: String, Sendable, CaseIterable {
    case deterministic, probabilistic
}

/// The arm of a randomized program; observational programs record none.
public enum StudyArm: String, Sendable, CaseIterable {
    case treatment, control
}

public enum Sex: String, Sendable, CaseIterable {
    case female = "F", male = "M", other = "X", unknown = "U"
}

/// Race and ethnicity as combined categories, in the style of federal reporting.
public enum RaceEthnicity: String, Sendable, CaseIterable {
    case hispanic
    case black = "black_nh"
    case white = "white_nh"
    case asian = "asian_nh"
    case americanIndian = "aian_nh"
    case pacificIslander = "nhpi_nh"
    case multiracial = "multiracial_nh"
    case unknown
}

public enum ExitReason: String, Sendable, CaseIterable {
    case completed, disengaged, incarcerated, moved, other
}
