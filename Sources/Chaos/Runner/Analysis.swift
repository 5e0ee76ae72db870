import OrdealMetrics
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
    /// Per op, latency per 100 ms bucket (buckets with no op are left out): for plots.
    public var latencyTimeline: [String: [LatencyPoint]]
    /// What each fault did, by fault index: for a kill `recovery_ms` (to the restarted
    /// worker's first acknowledgement) and `acknowledged_before`; for a pause `stopped_ms`,
    /// `target_acknowledged_meanwhile` (0 when the pause held) and `others_acknowledged_meanwhile`.
    public var faultEffects: [Int: [String: Double]] = [:]
    /// The whole histograms behind `latency` (and `recovery`), kept so runs can be merged.
    public var histograms: [String: LatencyHistogram]
    public var problems: [String]
    public var durationMillis: Double
    /// The scenario's folder, relative to the run folder.
    public var folder: String
}

/// Latency of one op in one 100 ms bucket of the run.
public struct LatencyPoint: Sendable, Hashable {
    public var startMillis: Double
    public var count: Int
    public var p50_us: Double
    public var max_us: Double
}

/// Turns a recorded run into a `ScenarioResult`: latency histograms, phases, throughput,
/// recovery times, the checkers and the thresholds. It reads only the history and the final
/// state, so `ordeal report` can redo it from the files of an old run.
enum Analysis {
    static func analyze(
        scenario: Scenario, seed: UInt64, history: History, final: FinalState?, faults: [FaultRecord],
        problems: [String], durationMillis: Double, folder: String
    ) -> ScenarioResult {
        var result = ScenarioResult(
            scenario: scenario, seed: seed, verdict: .pass, checks: [], faults: faults, latency: [:], latencyByPhase: [:],
            recovery: nil, acknowledged: 0, failed: 0, indeterminate: 0, throughput: [], latencyTimeline: [:], histograms: [:],
            problems: problems,
            durationMillis: durationMillis, folder: folder)
        measure(history: history, faults: faults, into: &result)
        if let final {
            let context = CheckContext(livenessMillis: scenario.livenessMillis, thresholds: scenario.thresholdsOnItsBackend)
            for name in scenario.checks.isEmpty ? Checkers.names : scenario.checks {
                guard let checker = Checkers.named(name) else {
                    result.checks.append(CheckResult(name: name, verdict: .unknown, detail: "no checker is named \(name)"))
                    continue
                }
                result.checks.append(checker.check(history: history, final: final, context: context))
            }
        }
        result.checks.append(workersExitedCleanly(history))
        result.checks += thresholdResults(scenario.thresholdsOnItsBackend, result)
        result.checks = result.checks.map { judgeExpected($0, scenario.expectedFailures) }
        var verdict: Verdict = problems.isEmpty && final != nil ? .pass : .unknown
        for check in result.checks { verdict = verdict.combined(with: check.verdict) }
        result.verdict = verdict
        return result
    }

    private static func measure(history: History, faults: [FaultRecord], into result: inout ScenarioResult) {
        let windows = faults.compactMap { f -> (Double, Double)? in
            guard let at = f.atMillis else { return nil }
            return (at, f.healedAtMillis ?? .infinity)
        }
        let firstFault = windows.map(\.0).min()
        let lastHeal = windows.map(\.1).max()
        func phase(_ t: Double) -> String {
            guard let firstFault, t >= firstFault else { return "before-fault" }
            if windows.contains(where: { t >= $0.0 && t <= $0.1 }) { return "during-fault" }
            if let lastHeal, t > lastHeal { return "after-recovery" }
            return "between-faults"
        }
        var all: [String: LatencyHistogram] = [:]
        var byPhase: [String: [String: LatencyHistogram]] = [:]
        var ready = LatencyHistogram()
        var buckets: [Int] = []
        var timeline: [String: [Int: LatencyHistogram]] = [:]
        for event in history.events {
            if event.type == "ready", let ms = event.fields["ready_ms"]?.doubleValue {
                ready.record(nanos: UInt64(max(ms, 0) * 1_000_000))
            }
            guard event.type == "op", let op = event.op else { continue }
            switch event.outcome {
            case "ok": result.acknowledged += 1
            case "fail": result.failed += 1
            default: result.indeterminate += 1
            }
            guard event.outcome == "ok" else { continue }
            let bucket = Int(event.tMillis / 100)
            if bucket >= buckets.count { buckets += Array(repeating: 0, count: bucket - buckets.count + 1) }
            buckets[bucket] += 1
            guard let us = event.latencyMicros, us > 0 else { continue }
            let nanos = UInt64(us * 1000)
            all[op, default: LatencyHistogram()].record(nanos: nanos)
            timeline[op, default: [:]][bucket, default: LatencyHistogram()].record(nanos: nanos)
            byPhase[phase(event.tMillis), default: [:]][op, default: LatencyHistogram()].record(nanos: nanos)
        }
        result.latency = all.mapValues(\.summary)
        if ready.count > 0 { all["worker.ready"] = ready }
        if ready.count > 0 { result.latency["worker.ready"] = ready.summary }
        result.histograms = all
        result.latencyByPhase = byPhase.mapValues { $0.mapValues(\.summary) }
        result.throughput = buckets
        result.latencyTimeline = timeline.mapValues { byBucket in
            byBucket.keys.sorted().map { b in
                let summary = byBucket[b]!.summary
                return LatencyPoint(startMillis: Double(b * 100), count: Int(summary.count), p50_us: summary.p50_us, max_us: summary.max_us)
            }
        }
        result.faultEffects = faultEffects(history: history)
        result.recovery = recoveryTimes(result.faultEffects)
    }

    /// The kills' recovery times (from `faultEffects`) as one histogram; nil without a recovery.
    static func recoveryTimes(_ effects: [Int: [String: Double]]) -> LatencySummary? {
        var histogram = LatencyHistogram()
        for ms in effects.values.compactMap({ $0["recovery_ms"] }) {
            histogram.record(nanos: UInt64(max(ms, 0) * 1_000_000))
        }
        return histogram.count > 0 ? histogram.summary : nil
    }

    /// Figures in milliseconds, unrounded; the reports round them.
    static func faultEffects(history: History) -> [Int: [String: Double]] {
        var effects: [Int: [String: Double]] = [:]
        let events = history.events
        for (i, fault) in events.enumerated() where fault.type == "fault" {
            guard let index = fault.fields["fault"]?.intValue.map(Int.init), let worker = fault.worker else { continue }
            var effect: [String: Double] = [:]
            switch fault.fields["kind"]?.stringValue {
            case "kill", "power-loss":
                effect["acknowledged_before"] = Double(events[..<i].filter {
                    $0.isOK && $0.worker == worker && $0.incarnation == fault.incarnation
                }.count)
                if let first = events[(i + 1)...].first(where: { $0.isOK && $0.worker == worker && $0.incarnation > fault.incarnation }) {
                    effect["recovery_ms"] = first.tMillis - fault.tMillis
                }
            case "pause":
                let healAt = events[(i + 1)...].first {
                    $0.type == "heal" && $0.fields["fault"]?.intValue == Int64(index)
                }?.tMillis ?? .infinity
                if healAt.isFinite { effect["stopped_ms"] = healAt - fault.tMillis }
                // By the worker's own stamp when it gave one; else by read time, allowing 50 ms
                // for lines written before the stop and read after it.
                let window = events.filter { e in
                    guard e.isOK else { return false }
                    if let wt = e.fields["wt_ms"]?.doubleValue { return wt > fault.tMillis && wt < healAt }
                    return e.tMillis > fault.tMillis + 50 && e.tMillis < healAt
                }
                effect["target_acknowledged_meanwhile"] = Double(window.filter { $0.worker == worker }.count)
                effect["others_acknowledged_meanwhile"] = Double(window.filter { $0.worker != worker }.count)
            default: break
            }
            effects[index] = effect
        }
        return effects
    }

    static func value(_ summary: LatencySummary, _ p: Percentile) -> Double {
        switch p {
        case .p50: summary.p50_us
        case .p95: summary.p95_us
        case .p99: summary.p99_us
        case .p999: summary.p999_us
        case .max: summary.max_us
        }
    }

    /// Every worker's last incarnation ended with exit 0, unless a fault of the scenario killed
    /// it: a worker that gave up (exit 1: an operation failed) means work was not done.
    static func workersExitedCleanly(_ history: History) -> CheckResult {
        var last: [String: HistoryEvent] = [:]
        for event in history.events where event.type == "exit" { last[event.worker ?? "?"] = event }
        let killed = Set(history.events.filter { $0.type == "fault" && ["kill", "power-loss"].contains($0.fields["kind"]?.stringValue) }.map {
            "\($0.worker ?? "")#\($0.incarnation)"
        })
        // A worker that never became ready is a harness problem (the scenario is unknown), not
        // a failure of the system under test.
        let ready = Set(history.of(type: "ready").map { "\($0.worker ?? "")#\($0.incarnation)" })
        let bad = last.values.filter { e in
            let id = "\(e.worker ?? "")#\(e.incarnation)"
            return !(e.fields["status"]?.stringValue == "exited" && e.fields["code"]?.intValue == 0)
                && !killed.contains(id) && ready.contains(id)
        }.sorted { ($0.worker ?? "") < ($1.worker ?? "") }
        let name = "workers-exit-clean"
        guard bad.isEmpty else {
            return CheckResult(
                name: name, verdict: .fail,
                detail: "\(bad.count) of \(last.count) workers did not finish their work: \(bad.prefix(5).map { "\($0.worker ?? "?") \($0.fields["status"]?.stringValue ?? "?") \($0.fields["code"]?.intValue ?? $0.fields["signal"]?.intValue ?? -1)" }.joined(separator: ", ")) (see workers.log)",
                counterexample: bad.prefix(20).map(\.json))
        }
        return CheckResult(name: name, verdict: .pass, detail: "all \(last.count) workers finished their work and exited 0")
    }

    private static func thresholdResults(_ thresholds: [Threshold], _ result: ScenarioResult) -> [CheckResult] {
        thresholds.map { t in
            let (label, summary): (String, LatencySummary?) =
                switch t.subject {
                case .op(let op): (op, result.latency[op])
                case .recovery: ("recovery", result.recovery)
                }
            let name = "threshold \(label) \(t.percentile.rawValue) <= \(Format.micros(t.maxMicros))"
            guard let summary else {
                return CheckResult(name: name, verdict: .unknown, detail: "nothing was measured for \(label)")
            }
            let measured = value(summary, t.percentile)
            let ok = measured <= t.maxMicros
            return CheckResult(
                name: name, verdict: ok ? .pass : .fail,
                detail: "\(label) \(t.percentile.rawValue) = \(Format.micros(measured)) over \(summary.count) samples (limit \(Format.micros(t.maxMicros)))",
                measurements: ["measured_us": measured, "limit_us": t.maxMicros, "count": Double(summary.count)])
        }
    }
}

enum Format {
    static func micros(_ us: Double) -> String {
        if us >= 1_000_000 { return "\(round1(us / 1_000_000)) s" }
        if us >= 1_000 { return "\(round1(us / 1_000)) ms" }
        return "\(round1(us)) µs"
    }

    static func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }
}
