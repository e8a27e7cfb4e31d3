import Foundation

/// The specification as one stable JSON text, recorded with every run (`linkage.runs`) and sealed by
/// its SHA-256: the same specification gives the same bytes, however its YAML was laid out or
/// commented. Keys are the YAML's, sorted (`SortedJSON`); every default is written out, so a run
/// records what it used, not what the file happened to say. Lines in the file are not part of it.
extension LinkageSpec {
    public func canonicalJSON() throws(SortedJSONError) -> String {
        try SortedJSON.text(CanonicalSpec(self))
    }

    /// Lower-case hex SHA-256 of `canonicalJSON()`.
    public func sha256() throws(SortedJSONError) -> String {
        SHA256.hex(try canonicalJSON())
    }
}

private struct CanonicalSpec: Encodable {
    struct Comparison: Encodable {
        let name: String
        let field: String
        let levels: [Level]
    }

    /// A level as `{"level": word}` with its option: `term_frequency`, `at_least` or `at_most`.
    struct Level: Encodable {
        let level: String
        var termFrequency: Bool?
        var atLeast: Double?
        var atMost: Int?

        init(_ level: LinkageSpec.Level) {
            self.level = level.word
            switch level {
            case .exact(let termFrequency): self.termFrequency = termFrequency
            case .jaroWinkler(let threshold): atLeast = threshold
            case .damerauLevenshtein(let distance): atMost = distance
            default: break
            }
        }

        enum CodingKeys: String, CodingKey {
            case level
            case termFrequency = "term_frequency", atLeast = "at_least", atMost = "at_most"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(level, forKey: .level)
            try container.encodeIfPresent(termFrequency, forKey: .termFrequency)
            try container.encodeIfPresent(atLeast, forKey: .atLeast)
            try container.encodeIfPresent(atMost, forKey: .atMost)
        }
    }

    struct Training: Encodable {
        let deterministic: [[String]]
        let recall: Double
        let samplePairs: Int
        let seed: UInt64
        let maxIterations: Int
        let tolerance: Double
        /// The EM sessions' rules, as the run uses them (the blocking rules when none are given).
        let sessions: [[String]]

        enum CodingKeys: String, CodingKey {
            case deterministic, recall, seed, tolerance, sessions
            case samplePairs = "sample_pairs", maxIterations = "max_iterations"
        }
    }

    let linkage: String
    let linkType: String
    let comparisons: [Comparison]
    let blocking: [[String]]
    let training: Training
    let thresholds: [String: Double]
    let clustering: [String: Double]
    let limits: [String: Int]

    enum CodingKeys: String, CodingKey {
        case linkage, comparisons, blocking, training, thresholds, clustering, limits
        case linkType = "link_type"
    }

    init(_ spec: LinkageSpec) {
        linkage = spec.id
        linkType = spec.linkType.rawValue
        comparisons = spec.comparisons.map { Comparison(name: $0.name, field: $0.field.rawValue, levels: $0.levels.map(Level.init)) }
        blocking = spec.blocking.map { $0.keys.map(\.rawValue) }
        training = Training(deterministic: spec.training.deterministicRules.map { $0.keys.map(\.rawValue) }, recall: spec.training.recall,
                            samplePairs: spec.training.uSamplePairs, seed: spec.training.seed,
                            maxIterations: spec.training.maxIterations, tolerance: spec.training.tolerance,
                            sessions: spec.trainingSessions.map { $0.keys.map(\.rawValue) })
        thresholds = ["match": spec.thresholds.match, "review": spec.thresholds.review]
        clustering = ["contradiction": spec.clustering.contradiction]
        limits = ["max_pairs": spec.limits.maxPairs]
    }
}
