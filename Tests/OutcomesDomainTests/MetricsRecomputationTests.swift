import OutcomesDomain
import Testing

/// When a period is computed again only for changed persons, and why otherwise in full.
@Suite struct MetricsRecomputationTests {
    typealias Load = MetricsRecomputation.LaterLoad
    let computed = MetricsRecomputation.History(loadID: 5, version: 2, fileSHA256: "abc", resultsKept: true, pendingLoads: [3], engine: "e1")

    func decide(version: Int? = 2, hash: String? = "abc", engine: String = "e1", current: Int = 8, history: MetricsRecomputation.History?,
                later: [Load] = [Load(id: 6, logged: true), Load(id: 7, logged: true), Load(id: 8, logged: true)],
                replaced: Bool = false, full: Bool = false) -> MetricsRecomputation {
        MetricsRecomputation.decide(version: version, fileSHA256: hash, engine: engine, currentLoad: current, history: history, laterLoads: later,
                                    replacedSince: replaced, fullRequested: full)
    }

    @Test func loggedLoadsSinceTheLastRunAreComputedIncrementally() {
        #expect(decide(history: computed) == .incremental(since: 5))
        // No load since: incremental, over no one.
        #expect(decide(current: 5, history: computed, later: []) == .incremental(since: 5))
        // An unlogged load at or before the last run does not matter, nor one after the current load.
        #expect(decide(history: computed, later: [Load(id: 5, logged: false), Load(id: 6, logged: true), Load(id: 9, logged: false)])
            == .incremental(since: 5))
        // A load numbered before the last run that had not finished then (it committed after) counts.
        #expect(decide(history: computed, later: [Load(id: 3, logged: false), Load(id: 6, logged: true)]) == .full(.loadNotLogged(3)))
        #expect(decide(history: computed, later: [Load(id: 4, logged: false), Load(id: 6, logged: true)]) == .incremental(since: 5))
        #expect(computed.isLater(3) && !computed.isLater(4) && !computed.isLater(5) && computed.isLater(6))
    }

    @Test func everythingElseIsComputedInFullSayingWhy() {
        #expect(decide(history: computed, full: true) == .full(.requested))
        #expect(decide(version: nil, hash: "abc", history: computed) == .full(.trial))
        #expect(decide(version: nil, hash: nil, history: nil) == .full(.trial))
        #expect(decide(history: nil) == .full(.notComputed))
        #expect(decide(history: .init(loadID: 5, version: 2, fileSHA256: "abc", resultsKept: false, engine: "e1")) == .full(.notComputed))
        #expect(decide(version: 3, history: computed) == .full(.contractChanged))
        #expect(decide(hash: "abd", history: computed) == .full(.contractChanged))
        #expect(decide(history: .init(loadID: 5, version: nil, fileSHA256: nil, resultsKept: true, engine: "e1")) == .full(.contractChanged))
        // Computed by another version of the compiler, or by one that did not record it (before 0028).
        #expect(decide(engine: "e2", history: computed) == .full(.engineChanged))
        #expect(decide(history: .init(loadID: 5, version: 2, fileSHA256: "abc", resultsKept: true, engine: nil)) == .full(.engineChanged))
        #expect(decide(current: 4, history: computed, later: []) == .full(.newerLoad(5)))
        #expect(decide(history: computed, replaced: true) == .full(.replaced))
        // The first load not logged is named.
        #expect(decide(history: computed, later: [Load(id: 6, logged: true), Load(id: 7, logged: false), Load(id: 8, logged: false)])
            == .full(.loadNotLogged(7)))
        // A requested full run wins over every other reason.
        #expect(decide(history: nil, replaced: true, full: true) == .full(.requested))
    }
}
