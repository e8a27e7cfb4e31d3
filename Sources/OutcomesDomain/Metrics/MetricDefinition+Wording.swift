import Foundation

/// A metric in words, for the data dictionary and published metadata: what is measured, over which
/// window, in which unit. Generated from the definition, so it never drifts from what is computed;
/// a contract's own `description:` comes first where it gives one.
extension MetricDefinition {
    /// The contract's `description:` when it has one, else the generated `measuredText`.
    public var definitionText: String {
        guard let description, !description.isEmpty else { return measuredText }
        return description
    }

    /// What the value is, in one sentence: "Whether any event of domain jail falls in the window …".
    public var measuredText: String {
        let own = "\(Self.phrase(measure, events: events)) \(window.phrase)"
        guard let relatives else { return own + "." }
        return "\(relatives.phrase), each relative's value being: \(Self.lowercasedFirst(own))."
    }

    /// The window in words: "from 0 days to 12 months after the enrollment start".
    public var windowText: String { window.phrase }

    /// The value's unit: "1 = yes, 0 = no", "events", "days", "the events' amount".
    public var unitText: String {
        if let relatives {
            switch relatives.aggregate {
            case .any, .all: return "1 = yes, 0 = no"
            case .count, .number: return "relatives"
            case .sum, .mean: return Self.unit(of: measure)
            }
        }
        return Self.unit(of: measure)
    }

    static func unit(of measure: Measure) -> String {
        switch measure {
        case .any, .sustained: "1 = yes, 0 = no"
        case .count: "events"
        case .daysCovered, .daysWithout, .daysToEvent: "days"
        case .sum: "the events' amount (dollars for wages)"
        case .change(let base, _): "change in " + unit(of: base)
        }
    }

    static func phrase(_ measure: Measure, events: EventSelection) -> String {
        let (one, many) = (events.phrase(plural: false), events.phrase(plural: true))
        switch measure {
        case .any: return "Whether any \(one) falls"
        case .count: return "The number of \(many) starting"
        case .daysCovered:
            var text = "The days covered by \(many)"
            switch events.overlap {
            case .during(let other)?: text += " while also in \(other.phrase(plural: true))"
            case .outside(let other)?: text += " while not in \(other.phrase(plural: true))"
            case nil: break
            }
            return text
        case .daysWithout: return "The days not covered by \(many)"
        case .sum: return "The sum of the amounts of \(many) starting"
        case .daysToEvent: return "The days until the first \(one)"
        case .sustained(let consecutive, let unit, let present):
            let span = Offset(consecutive, unit).phrase
            return present ? "Whether \(many) are present in each of \(span) in a row" : "Whether \(many) are absent for \(span) in a row"
        case .change(let base, let pre):
            return "The change, before to after, in: \(lowercasedFirst(phrase(base, events: events))) \(pre.phrase) (before) against the same"
        }
    }

    static func lowercasedFirst(_ text: String) -> String { text.prefix(1).lowercased() + text.dropFirst() }
}

extension EventSelection {
    /// "event of domain jail", "events of domain wages from source UI with amount > 0".
    func phrase(plural: Bool) -> String {
        let noun = plural ? "events" : "event"
        var text = domains.count == 1 ? "\(noun) of domain \(domains[0])" : "\(noun) of domains \(domains.joined(separator: ", "))"
        if !sourceSystems.isEmpty { text += " from source \(sourceSystems.joined(separator: ", "))" }
        if !eventTypes.isEmpty { text += " of type \(eventTypes.joined(separator: ", "))" }
        if let amount { text += " with amount \(amount.comparison.rawValue) \(amount.value)" }
        return text
    }
}

extension Window {
    /// "in the window from 0 days to 12 months after the enrollment start".
    var phrase: String {
        let anchorText = switch anchor {
        case .enrollmentStart: "the enrollment start"
        case .enrollmentEnd: "the enrollment end"
        case .fixed(let date): date.description
        case .reportingPeriod: "the reporting period"
        }
        if case .reportingPeriod = anchor {
            return "in the reporting period (from its start + \(from.phrase) to its end + \(to.phrase))"
        }
        let (fromText, toText) = (Offset(abs(from.amount), from.unit).phrase, Offset(abs(to.amount), to.unit).phrase)
        switch (from.amount < 0, to.amount < 0) {
        case (false, false): return "in the window from \(fromText) to \(toText) after \(anchorText)"
        case (true, true): return "in the window from \(fromText) to \(toText) before \(anchorText)"
        default: return "in the window from \(fromText) before to \(toText) after \(anchorText)"
        }
    }
}

extension RelativeSelection {
    /// "Over the participant's relatives of kind child aged 0–5 on the index date, any of".
    var phrase: String {
        let kind: String = switch relations {
        case .codes(let codes): "the participant's relatives whose relationship is \(codes.count == 1 ? codes[0] : "one of " + codes.joined(separator: ", "))"
        case .household: "the participant's household (the participant included)"
        }
        var text = "Over " + kind
        if let ages = ageAtIndex { text += " aged \(ages.lowerBound)–\(ages.upperBound) on the index date" }
        if !evidence.isEmpty { text += " (evidence: \(evidence.map(\.rawValue).joined(separator: ", ")))" }
        let aggregateText: String = switch aggregate {
        case .any: "1 if any relative's value is present and not 0"
        case .all: "1 if every relative's value is present and not 0"
        case .sum: "the sum of the relatives' values"
        case .mean: "the mean of the relatives' values"
        case .count: "how many relatives have a value present and not 0"
        case .number: "how many such relatives there are"
        }
        return text + ": " + aggregateText
    }
}

extension Offset {
    /// "1 day", "12 months", "-1 day".
    var phrase: String { abs(amount) == 1 ? "\(amount) \(unit.rawValue.dropLast())" : description }
}
