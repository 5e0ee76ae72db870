import OrdealSupport

public enum Verdict: String, Sendable, Hashable, Codable {
    case pass, fail, unknown

    /// The worse of two verdicts: fail over unknown over pass.
    public func combined(with other: Verdict) -> Verdict {
        if self == .fail || other == .fail { return .fail }
        if self == .unknown || other == .unknown { return .unknown }
        return .pass
    }
}

/// What a checker found: the verdict, a sentence, and on failure the events and keys involved.
public struct CheckResult: Sendable, Hashable {
    public var name: String
    public var verdict: Verdict
    public var detail: String
    /// The keys and events that show the violation (empty on pass).
    public var counterexample: [JSONValue]
    /// Figures the checker measured (counts, durations), reported beside the verdict.
    public var measurements: [String: Double]
    /// The reason, when the scenario declares this check expected to fail (a known limitation).
    public var expectedFailure: String?

    public init(name: String, verdict: Verdict, detail: String, counterexample: [JSONValue] = [], measurements: [String: Double] = [:]) {
        self.name = name
        self.verdict = verdict
        self.detail = detail
        self.counterexample = counterexample
        self.measurements = measurements
    }
}

/// What a checker may know of the scenario besides the history and the final state.
public struct CheckContext: Sendable, Hashable {
    public var livenessMillis: Int64
    public var thresholds: [Threshold]

    public init(livenessMillis: Int64 = 10_000, thresholds: [Threshold] = []) {
        self.livenessMillis = livenessMillis
        self.thresholds = thresholds
    }
}

/// An invariant: a pure function of the recorded history and the final state.
public protocol Checker: Sendable {
    var name: String { get }
    func check(history: History, final: FinalState, context: CheckContext) -> CheckResult
}

/// A checker that always passes, for scenarios and tests that need a placeholder.
public struct NoopChecker: Checker {
    public let name = "noop"
    public init() {}
    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        CheckResult(name: name, verdict: .pass, detail: "checks nothing")
    }
}
