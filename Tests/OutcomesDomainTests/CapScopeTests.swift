import Testing
@testable import OutcomesDomain

/// Cap scopes travel as values: stored as a kind and subject and read back, keyed in stored JSON by
/// a code, and ordered as reports have always listed them (by their printed names).
@Suite struct CapScopeTests {
    static let scopes: [CapScope] = [
        .participant, .line("housed"), .line("employed"), .line("a"), .line("ab"), .line("a-b"), .provider("hearth"), .period, .contract,
        .allMechanisms, .providerAllMechanisms("keystone"), .providerAllMechanisms("hearth"), .providerAllMechanisms("hearth_2"),
    ]

    @Test func aStoredScopeReadsBackAsItself() {
        for scope in Self.scopes {
            let (kind, subject) = scope.stored
            #expect(CapScope(kind: kind, subject: subject) == scope)
        }
        #expect(CapScope(kind: "line", subject: nil) == nil && CapScope(kind: "participant cap", subject: nil) == nil)
        #expect(Set(Self.scopes.map(\.code)).count == Self.scopes.count)
        #expect(CapScope.line("housed").code == "line:housed" && CapScope.allMechanisms.code == "all_mechanisms")
    }

    @Test func scopesSortAsTheirNamesDo() {
        #expect(Self.scopes.sorted().map(\.name) == Self.scopes.map(\.name).sorted())
        // A projection's provider cap (whichever provider's) sorts where the providers' scopes do.
        let caps = Self.scopes.filter { if case .provider = $0 { false } else { true } }.map(PaymentProjection.Cap.init) + [.providerCap]
        #expect(caps.sorted().last == .providerCap && PaymentProjection.Cap(.provider("hearth")) == .providerCap)
        #expect(caps.sorted().dropLast() == Self.scopes.sorted().filter { if case .provider = $0 { false } else { true } }.map { .scope($0) })
    }
}
