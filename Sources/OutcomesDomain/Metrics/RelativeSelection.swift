/// Whose events a metric measures when not the participant's own: the participant's relatives
/// of some kind, through the relationship edges valid on the participant's index date, each
/// measured over the participant's windows, and the relatives' values aggregated into one.
///
/// `of: {relation: child, age_at_index: 0-5}` with `aggregate: any` reads "any of the
/// participant's children aged 0 to 5 on the index date …". A participant with no such
/// relative has no value (reported as such), never a 0 — except for `number`, which counts the
/// relatives themselves.
public struct RelativeSelection: Sendable, Equatable {
    /// The relationship codes selected, each with its narrower codes (`RelationshipCode.selected(by:)`),
    /// or the whole household (`household`).
    public let relations: Relations
    /// The relative's age in whole years on the participant's index date, both ends included.
    public let ageAtIndex: ClosedRange<Int>?
    /// The kinds of evidence accepted; empty: any.
    public let evidence: [RelationshipEvidence]
    public let aggregate: RelativeAggregate

    public enum Relations: Sendable, Equatable {
        /// Relatives with an edge of one of these codes (already widened to narrower codes).
        case codes([String])
        /// The participant and every member of the participant's household on the index date.
        case household

        /// The codes whose edges select a relative (`household_member` for a household).
        public var edgeCodes: [String] {
            switch self {
            case .codes(let codes): codes
            case .household: ["household_member"]
            }
        }

        /// Whether the participant counts as one of the relatives.
        public var includesParticipant: Bool { self == .household }
    }

    public init(relations: Relations, ageAtIndex: ClosedRange<Int>? = nil, evidence: [RelationshipEvidence] = [],
                aggregate: RelativeAggregate) {
        self.relations = relations
        self.ageAtIndex = ageAtIndex
        self.evidence = evidence
        self.aggregate = aggregate
    }

    /// The word `relation:` takes for the whole household.
    public static let household = "household"
    /// The oldest age `age_at_index` may name.
    public static let maximumAge = 130
}

/// How the relatives' values become the participant's.
public enum RelativeAggregate: String, Sendable, CaseIterable {
    /// 1 if any relative's value is present and not 0, else 0.
    case any
    /// 1 if every relative's value is present and not 0, else 0.
    case all
    /// The sum of the relatives' values (those present).
    case sum
    /// The mean of the relatives' values (those present): a share, for a 0/1 measure.
    case mean
    /// How many relatives have a value present and not 0.
    case count
    /// How many relatives of the kind there are, whatever their values: 0 when there are none
    /// (family composition, say: the children aged 0–5 on the index date).
    case number

    /// Whether the participant's value is 0/1, so its mean is a rate.
    public var isBinary: Bool { self == .any || self == .all }
}
