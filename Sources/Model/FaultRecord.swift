import OrdealSupport

/// What one fault did: when it was injected and when it healed (ms since the scenario began).
public struct FaultRecord: Sendable, Hashable {
    public var index: Int
    public var kind: FaultKind
    public var target: String
    public var atMillis: Double?
    public var healedAtMillis: Double?
    /// What the fault did, for the report: calls hit and their call sites (shim faults), files
    /// rolled back (power loss).
    public var effects: [String: JSONValue] = [:]

    public init(
        index: Int, kind: FaultKind, target: String, atMillis: Double? = nil, healedAtMillis: Double? = nil,
        effects: [String: JSONValue] = [:]
    ) {
        self.index = index
        self.kind = kind
        self.target = target
        self.atMillis = atMillis
        self.healedAtMillis = healedAtMillis
        self.effects = effects
    }
}

