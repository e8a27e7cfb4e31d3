/// The relationship codes of the IDS: what a relative is to a person, aligned with HL7 v3 role
/// codes (`RoleCode`'s personal relationship types). An edge "B is A's child" is stored under A;
/// its inverse ("A is B's parent") under B, so a person's relatives are found on the person's own
/// rows (on Citus, the same worker).
///
/// A code may be narrower than another (a foster child is a child): a metric over `child`
/// counts every narrower code too, as HL7's hierarchy reads.
public struct RelationshipCode: Sendable, Equatable, Hashable {
    public let code: String
    /// What the person is to the relative (the edge read the other way).
    public let inverse: String
    /// The broader code this one specialises (`foster_child` → `child`), if any.
    public let broader: String?
    /// The HL7 v3 code (RoleCode; RoleClass for a guardian), where HL7 has one.
    public let hl7: String?
    public let label: String

    /// Every code, in the order the documentation lists them.
    public static let all: [RelationshipCode] = [
        .init(code: "parent", inverse: "child", broader: nil, hl7: "PRN", label: "Parent"),
        .init(code: "natural_parent", inverse: "natural_child", broader: "parent", hl7: "NPRN", label: "Natural parent"),
        .init(code: "adoptive_parent", inverse: "adopted_child", broader: "parent", hl7: "ADOPTP", label: "Adoptive parent"),
        .init(code: "foster_parent", inverse: "foster_child", broader: "parent", hl7: "PRNFOST", label: "Foster parent"),
        .init(code: "step_parent", inverse: "step_child", broader: "parent", hl7: "STPPRN", label: "Step-parent"),
        .init(code: "child", inverse: "parent", broader: nil, hl7: "CHILD", label: "Child"),
        .init(code: "natural_child", inverse: "natural_parent", broader: "child", hl7: "NCHILD", label: "Natural child"),
        .init(code: "adopted_child", inverse: "adoptive_parent", broader: "child", hl7: "CHLDADOPT", label: "Adopted child"),
        .init(code: "foster_child", inverse: "foster_parent", broader: "child", hl7: "CHLDFOST", label: "Foster child"),
        .init(code: "step_child", inverse: "step_parent", broader: "child", hl7: "STPCHLD", label: "Step-child"),
        .init(code: "guardian", inverse: "ward", broader: nil, hl7: "GUARD", label: "Legal guardian"),
        .init(code: "ward", inverse: "guardian", broader: nil, hl7: nil, label: "Ward (the person is their guardian)"),
        .init(code: "grandparent", inverse: "grandchild", broader: nil, hl7: "GRPRN", label: "Grandparent"),
        .init(code: "grandchild", inverse: "grandparent", broader: nil, hl7: "GRNDCHILD", label: "Grandchild"),
        .init(code: "sibling", inverse: "sibling", broader: nil, hl7: "SIB", label: "Sibling"),
        .init(code: "half_sibling", inverse: "half_sibling", broader: "sibling", hl7: "HSIB", label: "Half-sibling"),
        .init(code: "step_sibling", inverse: "step_sibling", broader: "sibling", hl7: "STPSIB", label: "Step-sibling"),
        .init(code: "partner", inverse: "partner", broader: nil, hl7: "SIGOTHR", label: "Spouse or partner"),
        .init(code: "spouse", inverse: "spouse", broader: "partner", hl7: "SPS", label: "Spouse"),
        .init(code: "domestic_partner", inverse: "domestic_partner", broader: "partner", hl7: "DOMPART", label: "Domestic partner"),
        .init(code: "other_relative", inverse: "other_relative", broader: nil, hl7: "EXT", label: "Other relative (extended family)"),
        .init(code: "household_member", inverse: "household_member", broader: nil, hl7: nil,
              label: "Member of the same household (inferred from household memberships)"),
    ]

    public static let codes = all.map(\.code)

    public static func named(_ code: String) -> RelationshipCode? { all.first { $0.code == code } }

    /// The codes a metric's `relation: code` selects: the code and every narrower one.
    public static func selected(by code: String) -> [String] {
        all.filter { $0.code == code || $0.broader == code }.map(\.code)
    }
}

/// How a source knows a relationship.
public enum RelationshipEvidence: String, Sendable, CaseIterable {
    /// The source says so (a case file, an application naming household members).
    case declared
    /// Derived from a record that establishes it (a birth certificate, an adoption decree).
    case derived
    /// Inferred, from living in the same household: written by the load from household memberships.
    case inferred
}

/// A household member's relationship to the head of household: HUD HMIS data element 3.15.
public enum HouseholdRelationship: Int, Sendable, CaseIterable {
    case selfHeadOfHousehold = 1
    case childOfHead = 2
    case spouseOrPartnerOfHead = 3
    case otherRelativeOfHead = 4
    case unrelatedMember = 5
    case dataNotCollected = 99

    public var label: String {
        switch self {
        case .selfHeadOfHousehold: "Self (head of household)"
        case .childOfHead: "Head of household's child"
        case .spouseOrPartnerOfHead: "Head of household's spouse or partner"
        case .otherRelativeOfHead: "Head of household's other relation member (other relation to head of household)"
        case .unrelatedMember: "Other: non-relation member"
        case .dataNotCollected: "Data not collected"
        }
    }
}

/// A person's family on a date, for equity breakdowns (`--by family_type`), from the person's own
/// edges valid then, in this order of precedence. Children's ages are not considered: a child
/// edge is a child in the person's family, as the sources record it.
public enum FamilyType: String, Sendable, CaseIterable {
    /// Caring for a foster child.
    case fosterCare = "foster_care"
    /// A child of one's own (natural, adopted or step) and a spouse or partner.
    case twoParents = "two_parents"
    /// A child of one's own and no spouse or partner.
    case singleParent = "single_parent"
    /// Caring for a ward or a grandchild, with no child of one's own.
    case kinshipCare = "kinship_care"
    case noChildren = "no_children"

    static let childCodes = RelationshipCode.selected(by: "child")
    public static let fosterChildren = ["foster_child"]
    public static let ownChildren = childCodes.filter { $0 != "foster_child" }
    public static let partners = RelationshipCode.selected(by: "partner")
    public static let kinChildren = ["ward", "grandchild"]
}
