import OutcomesDatabase
import OutcomesDomain

/// How reports name caps. A ledger scope's name is its notes' (`CapScope.name`).
extension PaymentProjection.Cap {
    /// As the scenario report's table of the chance each cap binds lists it.
    var name: String {
        switch self {
        case .scope(let scope): scope.name
        // As CapScope names a provider's cap, which names no provider.
        case .providerCap: "provider cap"
        }
    }
}

extension PaymentSummary.Headroom {
    /// The row's scope in the headroom table: "contract", "provider hearth", "period 2021", …
    var name: String {
        switch scope {
        case .contract: "contract"
        case .provider(let provider): "provider \(provider)"
        case .period: "period \(period ?? "")"
        case .line(let id): "line \(id)"
        case .participant: "participant (the most paid to one)"
        case .allMechanisms: "contract, all mechanisms"
        case .providerAllMechanisms(let provider): "provider \(provider), all mechanisms"
        }
    }
}
