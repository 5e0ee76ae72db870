import OrdealSupport

/// Everything measured and judged of one scenario run.
public struct ScenarioResult: Sendable {
    public var scenario: Scenario
    public var seed: UInt64
    public var verdict: Verdict
    public var checks: [CheckResult]
    public var faults: [FaultRecord]
    /// Per op (and `worker.ready`), over the whole run.
    public var latency: [String: LatencySummary]
    /// Phase (`before-fault`, `during-fault`, `after-recovery`) to op to latency.
    public var latencyByPhase: [String: [String: LatencySummary]]
    /// Kill to the restarted worker's first acknowledgement.
    public var recovery: LatencySummary?
    public var acknowledged: Int
    public var failed: Int
    public var indeterminate: Int
    /// Acknowledged ops per 100 ms, from the scenario's start.
    public var throughput: [Int]
    /// Per op, latency per plot bucket (`plotBucketMillis`; buckets with no op are left out).
    public var latencyTimeline: [String: [LatencyPoint]]
    /// The plots' time bucket, chosen from the scenario's length so that a short scenario
    /// still has tens of points (`PlotBuckets`).
    public var plotBucketMillis: Double = 100
    /// Acknowledged ops per plot bucket, from the start to the scenario's end (trailing empty
    /// buckets kept: the line runs to the end).
    public var plotThroughput: [Int] = []
    /// What each fault did, by fault index: for a kill `recovery_ms` (to the restarted
    /// worker's first acknowledgement) and `acknowledged_before`; for a pause `stopped_ms`,
    /// `target_acknowledged_meanwhile` (0 when the pause held) and `others_acknowledged_meanwhile`.
    public var faultEffects: [Int: [String: Double]] = [:]
    /// The whole histograms behind `latency` (and `recovery`), kept so runs can be merged.
    public var histograms: [String: LatencyHistogram]
    public var problems: [String]
    /// Why the scenario was not run on this worker (verdict `not-applicable`), or nil.
    public var notApplicable: String?
    /// Whether its performance checks (latency thresholds) are reported without deciding the
    /// verdict: with a worker of the user's own, unless the run enforces them.
    public var performanceAdvisory = false
    public var durationMillis: Double
    /// The scenario's folder, relative to the run folder.
    public var folder: String

    /// A scenario not run because the worker cannot be judged by it: verdict `not-applicable`.
    public static func notApplicable(scenario: Scenario, seed: UInt64, reason: String, folder: String) -> ScenarioResult {
        var result = ScenarioResult(scenario: scenario, seed: seed, faults: [], problems: [], durationMillis: 0, folder: folder)
        result.verdict = .notApplicable
        result.notApplicable = reason
        return result
    }

    /// A result with nothing measured yet: the analysis fills it in.
    public init(scenario: Scenario, seed: UInt64, faults: [FaultRecord], problems: [String], durationMillis: Double, folder: String) {
        self.scenario = scenario
        self.seed = seed
        self.verdict = .pass
        self.checks = []
        self.faults = faults
        self.latency = [:]
        self.latencyByPhase = [:]
        self.recovery = nil
        self.acknowledged = 0
        self.failed = 0
        self.indeterminate = 0
        self.throughput = []
        self.latencyTimeline = [:]
        self.histograms = [:]
        self.problems = problems
        self.durationMillis = durationMillis
        self.folder = folder
    }
}

/// Latency of one op in one 100 ms bucket of the run.
public struct LatencyPoint: Sendable, Hashable {
    public var startMillis: Double
    public var count: Int
    public var p50_us: Double
    public var max_us: Double

    public init(startMillis: Double, count: Int, p50_us: Double, max_us: Double) {
        self.startMillis = startMillis
        self.count = count
        self.p50_us = p50_us
        self.max_us = max_us
    }
}

