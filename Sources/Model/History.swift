import OrdealSupport

/// One line of a run's history (`history.jsonl`): a JSON object with at least `t_ms` (since
/// the scenario started, monotonic), `type` and, for worker events, `worker`.
///
/// Types: `spawn`, `ready`, `op`, `done`, `exit`, `fault`, `heal`, `note`. Op events carry the
/// worker's fields (`op`, `key`, `outcome`, `latency_us`, `value`, `error`).
public struct HistoryEvent: Sendable, Hashable {
    public var fields: [String: JSONValue]

    public init(_ fields: [String: JSONValue]) { self.fields = fields }

    public var type: String { fields["type"]?.stringValue ?? "" }
    public var tMillis: Double { fields["t_ms"]?.doubleValue ?? 0 }
    public var worker: String? { fields["worker"]?.stringValue }
    /// The worker's group (its name without the `-N` instance suffix).
    public var group: String? { fields["group"]?.stringValue }
    public var incarnation: Int { Int(fields["incarnation"]?.intValue ?? 0) }
    public var op: String? { fields["op"]?.stringValue }
    public var key: String? { fields["key"]?.stringValue }
    public var outcome: String? { fields["outcome"]?.stringValue }
    public var value: JSONValue? { fields["value"] }
    public var error: String? { fields["error"]?.stringValue }
    public var latencyMicros: Double? { fields["latency_us"]?.doubleValue }

    public var isOK: Bool { type == "op" && outcome == "ok" }
    public var isInfo: Bool { type == "op" && outcome == "info" }

    public var json: JSONValue { .object(fields) }
}

/// The whole history of one scenario run, in the order it was recorded.
public struct History: Sendable, Hashable {
    public var events: [HistoryEvent]

    public init(_ events: [HistoryEvent]) { self.events = events }

    public func ops(_ name: String? = nil, outcome: String? = nil) -> [HistoryEvent] {
        events.filter { $0.type == "op" && (name == nil || $0.op == name) && (outcome == nil || $0.outcome == outcome) }
    }

    public func of(type: String) -> [HistoryEvent] { events.filter { $0.type == type } }

    /// Parses `history.jsonl` text; a line that is not a JSON object is an error naming its number.
    public static func parse(jsonl text: String) throws -> History {
        var events: [HistoryEvent] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard case .object(let fields) = try JSONParser.parse(String(line)) else {
                throw HistoryError(line: n + 1, reason: "not a JSON object")
            }
            events.append(HistoryEvent(fields))
        }
        return History(events)
    }
}

public struct HistoryError: Error, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "history line \(line): \(reason)" }
}
