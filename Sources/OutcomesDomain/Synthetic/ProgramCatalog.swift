/// The programs, providers and contracts of the synthetic IDS, with the effects planted per provider.
public struct ProgramCatalog: Sendable {
    public struct Program: Sendable, Hashable {
        public let id: String
        public let name: String
        public let randomized: Bool
    }

    public struct Provider: Sendable, Hashable {
        public let id: String
        public let name: String
        public let programID: String
    }

    public struct Contract: Sendable, Hashable {
        public let id: String
        public let programID: String
        public let name: String
        public let payer: String
        public let start: LocalDate
        public let end: LocalDate
    }

    /// One planted effect: how the data-generating process changes for served participants of a
    /// provider from their enrollment start. These are parameters, not estimands: an estimator's
    /// ATT on a particular metric depends on the metric, but its sign and ranking follow these.
    public struct PlantedEffect: Sendable, Hashable {
        public let programID: String
        public let providerID: String
        public let outcome: String
        /// `rate_ratio` multiplies an event rate; `probability_added` adds to a quarterly probability.
        public let kind: String
        public let value: Double
        public let note: String
    }

    public let programs: [Program]
    public let providers: [Provider]
    public let contracts: [Contract]
    public let effects: [PlantedEffect]

    public func effect(provider: String, outcome: String) -> Double? {
        effects.first { $0.providerID == provider && $0.outcome == outcome }?.value
    }

    public static let synthetic: ProgramCatalog = {
        let start = LocalDate(year: 2021, month: 1, day: 1)!
        let end = LocalDate(year: 2024, month: 12, day: 31)!
        func effect(_ program: String, _ provider: String, _ outcome: String, _ kind: String, _ value: Double,
                    _ note: String) -> PlantedEffect {
            PlantedEffect(programID: program, providerID: provider, outcome: outcome, kind: kind, value: value, note: note)
        }
        return ProgramCatalog(
            programs: [
                Program(id: "housing", name: "Supportive housing (randomized referral)", randomized: true),
                Program(id: "reentry", name: "Reentry employment", randomized: false),
                Program(id: "care", name: "Frequent-utilizer care coordination", randomized: false),
            ],
            providers: [
                Provider(id: "hearth", name: "Hearth Housing Partners", programID: "housing"),
                Provider(id: "keystone", name: "Keystone Supportive Housing", programID: "housing"),
                Provider(id: "bridgeway", name: "Bridgeway Workforce", programID: "reentry"),
                Provider(id: "secondchance", name: "Second Chance Careers", programID: "reentry"),
                Provider(id: "harbor", name: "Harbor Care Coordination", programID: "care"),
            ],
            contracts: [
                Contract(id: "housing-2021", programID: "housing", name: "Supportive Housing Pay for Success",
                         payer: "County Department of Health", start: start, end: end),
                Contract(id: "reentry-2021", programID: "reentry", name: "Reentry Employment Outcomes Contract",
                         payer: "State Department of Corrections", start: start, end: end),
                Contract(id: "care-2021", programID: "care", name: "Care Coordination Outcomes Contract",
                         payer: "State Medicaid Agency", start: start, end: end),
            ],
            effects: [
                effect("housing", "hearth", "shelter_entry_rate", "rate_ratio", 0.40, "shelter entries per year × 0.40"),
                effect("housing", "hearth", "jail_booking_rate", "rate_ratio", 0.80, "jail bookings per year × 0.80"),
                effect("housing", "keystone", "shelter_entry_rate", "rate_ratio", 0.65, "shelter entries per year × 0.65"),
                effect("housing", "keystone", "jail_booking_rate", "rate_ratio", 0.95, "jail bookings per year × 0.95"),
                effect("reentry", "bridgeway", "employment_entry_probability", "probability_added", 0.12,
                       "quarterly chance of entering employment + 0.12"),
                effect("reentry", "bridgeway", "jail_booking_rate", "rate_ratio", 0.70, "jail bookings per year × 0.70"),
                effect("reentry", "secondchance", "employment_entry_probability", "probability_added", 0.04,
                       "quarterly chance of entering employment + 0.04"),
                effect("reentry", "secondchance", "jail_booking_rate", "rate_ratio", 0.90, "jail bookings per year × 0.90"),
                effect("care", "harbor", "er_visit_rate", "rate_ratio", 0.65, "ER visits per year × 0.65"),
            ]
        )
    }()
}

extension ProgramCatalog {
    /// The catalog of a synthetic IDS with families: the three programs above and a randomized
    /// two-generation program serving parents, whose effects reach their children.
    public static let syntheticWithFamilies: ProgramCatalog = {
        let base = synthetic
        let contract = base.contracts[0]
        func effect(_ provider: String, _ outcome: String, _ kind: String, _ value: Double, _ note: String) -> PlantedEffect {
            PlantedEffect(programID: "family", providerID: provider, outcome: outcome, kind: kind, value: value, note: note)
        }
        return ProgramCatalog(
            programs: base.programs + [Program(id: "family", name: "Two-generation family stability (randomized referral)", randomized: true)],
            providers: base.providers + [
                Provider(id: "roots", name: "Roots Family Services", programID: "family"),
                Provider(id: "nest", name: "Nest Family Partners", programID: "family"),
            ],
            contracts: base.contracts + [
                Contract(id: "family-2021", programID: "family", name: "Two-Generation Family Stability Contract",
                         payer: "State Department of Children and Families", start: contract.start, end: contract.end),
            ],
            effects: base.effects + [
                effect("roots", "child_placement_rate", "rate_ratio", 0.55, "each child's out-of-home placements per year × 0.55"),
                effect("roots", "employment_entry_probability", "probability_added", 0.08,
                       "the parent's quarterly chance of entering employment + 0.08"),
                effect("nest", "child_placement_rate", "rate_ratio", 0.75, "each child's out-of-home placements per year × 0.75"),
                effect("nest", "employment_entry_probability", "probability_added", 0.04,
                       "the parent's quarterly chance of entering employment + 0.04"),
            ])
    }()
}
