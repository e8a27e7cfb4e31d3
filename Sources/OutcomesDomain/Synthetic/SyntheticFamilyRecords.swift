/// A synthetic family's relationships and household memberships as Medicaid holds them: each
/// person named by their Medicaid record (a member without one is missing from the family's rows,
/// as an unlinked record is), in the columns of `relationships.csv` and `households.csv`.
public struct SyntheticFamilyRecords: Sendable, Equatable {
    public static let relationshipColumns = ["relation", "source_system", "valid_from", "valid_to", "evidence", "source_key", "relative_source_key"]
    public static let householdColumns = ["household_key", "source_system", "relationship_to_head", "valid_from", "valid_to", "source_key"]

    public var relationships: [[String?]] = []
    public var households: [[String?]] = []

    /// The rows of a family, from its members' histories (which hold their Medicaid keys).
    public init(family: SyntheticFamily, histories: [(person: SyntheticPerson, history: SyntheticHistory)]) {
        let source = SourceSystem.medicaid.code
        func key(_ person: SyntheticPerson?) -> String? {
            guard let person else { return nil }
            return histories.first { $0.person.id == person.id }?.history.links.first { $0.source == .medicaid }?.key
        }
        let since = SyntheticFamily.householdsFrom
        func from(_ person: SyntheticPerson) -> LocalDate { max(since, person.birthDate ?? since) }
        let rootKey = key(family.root), otherKey = key(family.otherParent)
        for child in family.children {
            guard let childKey = key(child) else { continue }
            for parentKey in [rootKey, otherKey].compactMap({ $0 }) {
                relationships.append(["natural_parent", source, child.birthDate!.description, nil, "declared", childKey, parentKey])
            }
        }
        if family.partnerAtHome, let rootKey, let otherKey {
            relationships.append(["partner", source, since.description, family.partnerTo?.description, "declared", rootKey, otherKey])
        }
        let head = family.childrenWithRoot ? family.root : family.otherParent
        guard let head, let headKey = key(head) else { return }
        let household = headKey + "-CASE"
        households.append([household, source, "1", from(head).description, nil, headKey])
        if family.childrenWithRoot, family.partnerAtHome, let otherKey {
            households.append([household, source, "3", since.description, family.partnerTo?.description, otherKey])
        }
        for child in family.children {
            guard let childKey = key(child) else { continue }
            households.append([household, source, "2", from(child).description, nil, childKey])
        }
    }
}
