import Testing
@testable import OutcomesStatistics

/// The library's MatchIt 4.7 search, which skips what cannot match, against the line-for-line port
/// of MatchIt's C++ (`MatchIt47Oracle`) on data full of ties: scores from a few values, exact
/// strata, several ratios, with and without replacement and calipers, every treated order.
@Suite struct MatchIt47SearchTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: 0..<400)
    func equalsTheLineForLinePort(seed: Int) {
        var random = Generator(state: UInt64(seed) &* 2654435761 &+ 1)
        let n = 20 + random.next(120)
        let levels = 1 + random.next(12)
        let distance = (0..<n).map { _ in Double(random.next(levels)) / Double(levels) + (random.next(5) == 0 ? 0.001 : 0) }
        let treated = (0..<n).map { _ in random.next(3) == 0 }
        let exact: [String]? = random.next(2) == 0 ? (0..<n).map { _ in ["a", "b", "c"][random.next(3)] } : nil
        let ratio = 1 + random.next(3), replace = random.next(3) == 0
        let width: Double? = random.next(2) == 0 ? 0.05 + Double(random.next(20)) / 100 : nil
        let eligible = (0..<n).map { _ in random.next(10) != 0 }
        var order = (0..<n).filter { treated[$0] }
        switch random.next(3) {
        case 0: order.sort { (-distance[$0], $0) < (-distance[$1], $1) }
        case 1: order.sort { (distance[$0], $0) < (distance[$1], $1) }
        default: break
        }
        var search = MatchIt47Search(distance: distance, treated: treated, exact: exact, ratio: ratio, replace: replace, width: width,
                                     order: order, eligible: eligible)
        var oracle = MatchIt47Oracle(distance: distance, treated: treated, exact: exact, ratio: ratio, replace: replace, width: width,
                                     order: order, eligible: eligible)
        let found = search.run(), expected = oracle.run()
        #expect(found == expected, "seed \(seed): n \(n), ratio \(ratio), replace \(replace), caliper \(String(describing: width))")
        #expect(expected.values.contains { !$0.isEmpty }, "seed \(seed) matched no one: the case tests nothing")
    }
}
