import OrdealSupport

public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    case pass, fail, unknown
    /// A scenario not run because the worker does not declare a role or op it needs: it judged
    /// nothing of the worker, so it is neither a pass nor a failure, and is counted apart.
    case notApplicable = "not-applicable"

    /// The worse of two verdicts: fail over unknown over pass over not-applicable (which adds
    /// nothing to a verdict it is combined with).
    public func combined(with other: Verdict) -> Verdict {
        if self == .fail || other == .fail { return .fail }
        if self == .unknown || other == .unknown { return .unknown }
        if self == .pass || other == .pass { return .pass }
        return .notApplicable
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
    /// A check declared an expected failure that failed as declared: a measured limitation
    /// (`ExpectedFailures.judge` made it a pass, its figures kept).
    public var failedAsDeclared: Bool { expectedFailure != nil && verdict == .pass }
    /// A latency limit rather than an invariant: reported apart, and with a worker of the
    /// user's own it decides the verdict only when the run enforces thresholds.
    public var isPerformance = false
    /// False when the checker found nothing to judge (its verdict is then `unknown`): a check
    /// the scenario named fails to prove anything; one it did not name is left out.
    public var judgedSomething = true
    /// How long judging took, in milliseconds, when the caller measured it (JUnit's `time`).
    public var elapsedMillis: Double?

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
