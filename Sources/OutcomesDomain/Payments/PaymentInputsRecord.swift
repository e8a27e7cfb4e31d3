import Foundation

/// What a payment run is about, as its sealed inputs record it: the contract text's version and
/// hash, the period paid and the periods read, the kind of run and the data load.
public struct PaymentRunHeader: Sendable, Equatable {
    public let contractID: String
    public let version: Int
    public let fileSHA256: String
    public let period: String
    public let kind: PaymentRunKind
    /// The contract's periods up to and including the one paid.
    public let periods: [String]
    public let isLastPeriod: Bool
    public let loadID: Int

    public init(contractID: String, version: Int, fileSHA256: String, period: String, kind: PaymentRunKind, periods: [String],
                isLastPeriod: Bool, loadID: Int)
    {
        (self.contractID, self.version, self.fileSHA256, self.period, self.kind) = (contractID, version, fileSHA256, period, kind)
        (self.periods, self.isLastPeriod, self.loadID) = (periods, isLastPeriod, loadID)
    }
}

/// The exact inputs a payment run's pure function consumed, as canonical text: the header, then
/// every achievement, value, figure, attestation and comparison run of the snapshot, in a fixed
/// order. Its SHA-256 is the run's inputs hash; the text is stored and sealed with the run, so
/// `payments verify --recompute` can read it back and run the engine again. (Format 1.)
public struct PaymentInputsRecord: Sendable {
    public static let format = 1
    public let header: PaymentRunHeader
    public let snapshot: PaymentSnapshot
    /// The canonical text, UTF-8.
    public let text: [UInt8]
    public let sha256: String

    public init(header: PaymentRunHeader, snapshot: PaymentSnapshot) {
        self.header = header
        self.snapshot = snapshot
        text = Self.encode(header, snapshot)
        sha256 = SHA256.hex(text)
    }

    static func encode(_ header: PaymentRunHeader, _ snapshot: PaymentSnapshot) -> [UInt8] {
        var out = CopyTextBuffer(capacity: 1 << 16)
        func row(_ fields: String?...) {
            for field in fields { out.text(field) }
            out.endRow()
        }
        row("outcomes-payment-inputs", "\(format)")
        row("contract", header.contractID)
        row("version", "\(header.version)")
        row("file_sha256", header.fileSHA256)
        row("period", header.period)
        row("kind", header.kind.rawValue)
        out.text("periods")
        for period in header.periods { out.text(period) }
        out.endRow()
        row("last_period", header.isLastPeriod ? "t" : "f")
        row("load", "\(header.loadID)")
        for period in snapshot.achievements {
            row("achievements", period.period, period.payable ? "t" : "f", "\(period.participants.count)")
            for participant in period.participants {
                out.int(participant.personID)
                out.text(participant.providerID)
                out.int(Int(Int64(bitPattern: participant.lines)))
                out.bool(participant.precondition)
                out.endRow()
            }
        }
        for period in snapshot.values {
            row("values", period.period, period.payable ? "t" : "f", "\(period.outcomes.count)")
            for outcome in period.outcomes {
                out.int(outcome.personID)
                out.text(outcome.providerID)
                out.text(outcome.metricID)
                out.text(outcome.value.map { "\($0)" })
                out.endRow()
            }
        }
        // The relatives behind values of metrics over relatives (a section only records that have them).
        if !snapshot.relatives.isEmpty {
            row("relatives", "\(snapshot.relatives.count)")
            for entry in snapshot.relatives {
                out.text(entry.period)
                out.int(entry.personID)
                out.text(entry.metricID)
                out.int(entry.ids.count)
                for (id, value) in zip(entry.ids, entry.values) {
                    out.int(id)
                    out.text(value.map { "\($0)" })
                }
                out.endRow()
            }
        }
        // A figure: its cohort, group, the participants' and the comparison's figures, then each
        // provider's participants (a pooled cohort), one row each.
        func figures(_ list: [EffectFigures]) {
            for figure in list {
                out.text(figure.cohort)
                out.text(figure.group)
                group(figure.treated)
                group(figure.comparison)
                out.int(figure.participantsByProvider.count)
                out.endRow()
                for provider in figure.participantsByProvider.keys.sorted() {
                    out.text(provider)
                    out.int(figure.participantsByProvider[provider]!)
                    out.endRow()
                }
            }
        }
        func group(_ figure: GroupFigure?) {
            out.int(figure?.participants)
            out.text(figure.map { "\($0.total)" })
            out.int(figure?.count)
            out.int(figure?.weightDenominator)
        }
        for line in snapshot.effectFigures.keys.sorted() {
            let found = snapshot.effectFigures[line]!
            row("effect", line, "\(found.cohorts.count)", "\(found.overall.count)")
            figures(found.cohorts)
            figures(found.overall)
        }
        for line in snapshot.savingsFigures.keys.sorted() {
            row("savings", line, "\(snapshot.savingsFigures[line]!.count)")
            figures(snapshot.savingsFigures[line]!)
        }
        for milestone in snapshot.attestations.keys.sorted() {
            let attestation = snapshot.attestations[milestone]!
            row("attestation", milestone, attestation.by, attestation.on)
        }
        for clawback in snapshot.clawbackFigures.keys.sorted() {
            out.text("clawback")
            out.text(clawback)
            group(snapshot.clawbackFigures[clawback]!)
            out.endRow()
        }
        for line in snapshot.comparisonRuns.keys.sorted() {
            row("comparison_run", line, "\(snapshot.comparisonRuns[line]!)")
        }
        row("end")
        return out.bytes
    }

    /// Reads a record back; anything but what `encode` writes is refused.
    public static func decode(_ text: [UInt8]) throws -> PaymentInputsRecord {
        var reader = CopyTextReader(text)
        func next() throws {
            guard reader.next() else { throw CopyTextReader.Malformed(line: reader.line + 1, code: .endsEarly, problem: "the record ends early") }
        }
        func value(_ key: String) throws -> String {
            try next()
            try reader.expect(fields: 2)
            guard try reader.text(0) == key else { throw reader.fail(.expectedRow(key), "expected '\(key)'") }
            return try reader.text(1)
        }
        func int(_ text: String) throws -> Int {
            guard let value = Int(text), String(value) == text else { throw reader.fail(.notAWholeNumber(field: 2), "'\(text)' is not a whole number") }
            return value
        }
        func flag(_ text: String) throws -> Bool {
            guard text == "t" || text == "f" else { throw reader.fail(.notABoolean(field: 2), "'\(text)' is not t or f") }
            return text == "t"
        }
        guard try value("outcomes-payment-inputs") == "\(format)" else { throw reader.fail(.unknownFormat, "not a format \(format) record") }
        let (contract, version, hash, period) = (try value("contract"), try int(value("version")), try value("file_sha256"),
                                                 try value("period"))
        guard let kind = PaymentRunKind(rawValue: try value("kind")) else { throw reader.fail(.unknownValue, "unknown kind of run") }
        try next()
        guard reader.count >= 2, try reader.text(0) == "periods" else { throw reader.fail(.expectedRow("periods"), "expected 'periods'") }
        let periods = try (1..<reader.count).map { try reader.text($0) }
        let (isLast, load) = (try flag(value("last_period")), try int(value("load")))
        var snapshot = PaymentSnapshot()
        func figures(_ count: Int) throws -> [EffectFigures] {
            try (0..<count).map { _ in
                try next()
                try reader.expect(fields: 11)
                guard let treated = try group(at: 2) else { throw reader.fail(.incomplete, "a figure without its participants' figure") }
                let (cohort, group, comparison, shares) = (try reader.text(0), try reader.text(1), try group(at: 6), try reader.int(10))
                var participants: [String: Int] = [:]
                for _ in 0..<shares {
                    try next()
                    try reader.expect(fields: 2)
                    guard participants.updateValue(try reader.int(1), forKey: try reader.text(0)) == nil else { throw reader.fail(.duplicate, "a provider twice") }
                }
                return EffectFigures(cohort: cohort, group: group, treated: treated, comparison: comparison, participantsByProvider: participants)
            }
        }
        func group(at index: Int) throws -> GroupFigure? {
            if (index..<index + 4).allSatisfy(reader.isNull) { return nil }
            return GroupFigure(participants: try reader.int(index), total: try reader.decimal(index + 1), count: try reader.int(index + 2),
                               weightDenominator: try reader.optionalInt(index + 3))
        }
        while true {
            try next()
            switch try reader.text(0) {
            case "achievements":
                try reader.expect(fields: 4)
                let (label, payable, count) = (try reader.text(1), try reader.bool(2), try reader.int(3))
                var participants: [RateCardAchievement] = []
                participants.reserveCapacity(count)
                for _ in 0..<count {
                    try next()
                    try reader.expect(fields: 4)
                    participants.append(RateCardAchievement(
                        personID: try reader.int(0), providerID: try reader.text(1), lines: UInt64(bitPattern: Int64(try reader.int(2))),
                        precondition: try reader.bool(3)))
                }
                snapshot.achievements.append(PeriodAchievements(period: label, participants: participants, payable: payable))
            case "values":
                try reader.expect(fields: 4)
                let (label, payable, count) = (try reader.text(1), try reader.bool(2), try reader.int(3))
                var outcomes: [ParticipantOutcome] = []
                outcomes.reserveCapacity(count)
                for _ in 0..<count {
                    try next()
                    try reader.expect(fields: 4)
                    outcomes.append(ParticipantOutcome(personID: try reader.int(0), providerID: try reader.text(1),
                                                       metricID: try reader.text(2), value: try reader.optionalDecimal(3)))
                }
                snapshot.values.append(PeriodOutcomes(period: label, outcomes: outcomes, payable: payable))
            case "relatives":
                try reader.expect(fields: 2)
                let count = try reader.int(1)
                for _ in 0..<count {
                    try next()
                    guard reader.count >= 4 else { try reader.expect(fields: 4); break }
                    let relatives = try reader.int(3)
                    try reader.expect(fields: 4 + 2 * relatives)
                    snapshot.relatives.append(RelativeValues(
                        period: try reader.text(0), personID: try reader.int(1), metricID: try reader.text(2),
                        ids: try (0..<relatives).map { try reader.int(4 + 2 * $0) },
                        values: try (0..<relatives).map { try reader.optionalDecimal(5 + 2 * $0) }))
                }
            case "effect":
                try reader.expect(fields: 4)
                let (line, cohorts, overall) = (try reader.text(1), try reader.int(2), try reader.int(3))
                snapshot.effectFigures[line] = (try figures(cohorts), try figures(overall))
            case "savings":
                try reader.expect(fields: 3)
                let (line, count) = (try reader.text(1), try reader.int(2))
                snapshot.savingsFigures[line] = try figures(count)
            case "attestation":
                try reader.expect(fields: 4)
                snapshot.attestations[try reader.text(1)] = (try reader.text(2), try reader.text(3))
            case "clawback":
                try reader.expect(fields: 6)
                snapshot.clawbackFigures[try reader.text(1)] = .some(try group(at: 2))
            case "comparison_run":
                try reader.expect(fields: 3)
                snapshot.comparisonRuns[try reader.text(1)] = try reader.int(2)
            case "end":
                try reader.expect(fields: 1)
                guard !reader.next() else { throw reader.fail(.textAfterEnd, "text after the end of the record") }
                let header = PaymentRunHeader(contractID: contract, version: version, fileSHA256: hash, period: period, kind: kind,
                                              periods: periods, isLastPeriod: isLast, loadID: load)
                let record = PaymentInputsRecord(header: header, snapshot: snapshot)
                // Canonical: reading back and writing again gives the same bytes.
                guard record.text == text else { throw CopyTextReader.Malformed(line: 0, code: .notCanonical, problem: "the record is not in its canonical form") }
                return record
            default:
                throw reader.fail(.unknownSection(try reader.text(0)), "unknown section '\(try reader.text(0))'")
            }
        }
    }
}

/// What a run knew besides its inputs, stored and sealed with it: the amounts the ledger held for
/// the period before it (by key, as the ledger sums them). Not part of the inputs hash: a run posted
/// since changes neither what is owed nor whether a run on the same inputs changes anything.
public struct RunContext: Sendable, Equatable {
    public var prior: [LedgerKey: Money]

    public init(prior: [LedgerKey: Money]) { self.prior = prior }

    public var text: [UInt8] {
        var out = CopyTextBuffer()
        out.text("outcomes-payment-context")
        out.text("1")
        out.endRow()
        for key in prior.keys.sorted() {
            out.text("prior")
            out.text(key.provider)
            out.text(key.payer)
            out.int(key.person)
            out.text(key.line)
            out.text("\(prior[key]!.amount)")
            out.endRow()
        }
        return out.bytes
    }

    public static func decode(_ text: [UInt8], currency: Currency) throws -> RunContext {
        var reader = CopyTextReader(text)
        guard reader.next(), reader.count == 2, try reader.text(0) == "outcomes-payment-context", try reader.text(1) == "1" else {
            throw CopyTextReader.Malformed(line: 1, code: .unknownFormat, problem: "not a format 1 record of a run's context")
        }
        var context = RunContext(prior: [:])
        while reader.next() {
            guard try reader.text(0) == "prior" else { throw reader.fail(.expectedRow("prior"), "unknown row '\(try reader.text(0))'") }
            try reader.expect(fields: 6)
            let key = LedgerKey(provider: try reader.text(1), payer: try reader.text(2), person: try reader.optionalInt(3), line: try reader.text(4))
            guard context.prior.updateValue(Money(try reader.decimal(5), currency), forKey: key) == nil else { throw reader.fail(.duplicate, "a key twice") }
        }
        guard context.text == text else { throw CopyTextReader.Malformed(line: 0, code: .notCanonical, problem: "the record is not in its canonical form") }
        return context
    }
}
