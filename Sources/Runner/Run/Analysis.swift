import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import OrdealSupport

/// Turns a recorded run into a `ScenarioResult`: latency histograms, phases, throughput,
/// recovery times, the checkers and the thresholds. It reads only the history and the final
/// state, so `ordeal report` can redo it from the files of an old run.
enum Analysis {
    static func analyze(
        scenario: Scenario, seed: UInt64, history: History, final: FinalState?, faults: [FaultRecord],
        problems: [String], durationMillis: Double, folder: String, performanceAdvisory: Bool = false
    ) -> ScenarioResult {
        var result = ScenarioResult(
            scenario: scenario, seed: seed, faults: faults, problems: problems, durationMillis: durationMillis, folder: folder)
        result.performanceAdvisory = performanceAdvisory
        measure(history: history, faults: faults, into: &result)
        result.checks = ScenarioJudgement.checks(
            scenario: scenario, history: history, final: final, latency: result.latency, performanceAdvisory: performanceAdvisory,
            clock: { Double(Posix.monotonicNanos()) / 1_000_000 })
        result.verdict = ScenarioJudgement.verdict(
            checks: result.checks, problems: problems, hasFinalState: final != nil, performanceAdvisory: performanceAdvisory)
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
        let span = max(result.durationMillis, history.events.last?.tMillis ?? 0)
        let plotBucket = PlotBuckets.millis(forSpan: span)
        var plotCounts = Array(repeating: 0, count: Int((span / plotBucket).rounded(.up)) + 1)
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
            let plotIndex = Int(event.tMillis / plotBucket)
            if plotIndex >= plotCounts.count { plotCounts += Array(repeating: 0, count: plotIndex - plotCounts.count + 1) }
            plotCounts[plotIndex] += 1
            guard let us = event.latencyMicros, us > 0 else { continue }
            let nanos = UInt64(us * 1000)
            all[op, default: LatencyHistogram()].record(nanos: nanos)
            timeline[op, default: [:]][plotIndex, default: LatencyHistogram()].record(nanos: nanos)
            byPhase[phase(event.tMillis), default: [:]][op, default: LatencyHistogram()].record(nanos: nanos)
        }
        result.latency = all.mapValues(\.summary)
        if ready.count > 0 { all["worker.ready"] = ready }
        if ready.count > 0 { result.latency["worker.ready"] = ready.summary }
        result.histograms = all
        result.latencyByPhase = byPhase.mapValues { $0.mapValues(\.summary) }
        result.throughput = buckets
        result.plotBucketMillis = plotBucket
        result.plotThroughput = plotCounts
        result.latencyTimeline = timeline.mapValues { byBucket in
            byBucket.keys.sorted().map { b in
                let summary = byBucket[b]!.summary
                return LatencyPoint(startMillis: Double(b) * plotBucket, count: Int(summary.count), p50_us: summary.p50_us, max_us: summary.max_us)
            }
        }
        // Recovery by the `recovery-time` checker's definition, the one definition of "recovered".
        let recoveries = RecoveryTimeChecker.recoveries(in: history)
        result.faultEffects = faultEffects(history: history, recoveries: recoveries)
        result.recovery = recoveryTimes(recoveries)
    }

    /// The kills' recovery times as one histogram; nil without a recovery.
    static func recoveryTimes(_ recoveries: [(faultEvent: Int, millis: Double)]) -> LatencySummary? {
        var histogram = LatencyHistogram()
        for recovery in recoveries {
            histogram.record(nanos: UInt64(max(recovery.millis, 0) * 1_000_000))
        }
        return histogram.count > 0 ? histogram.summary : nil
    }

    /// Figures in milliseconds, unrounded; the reports round them.
    static func faultEffects(history: History, recoveries: [(faultEvent: Int, millis: Double)]) -> [Int: [String: Double]] {
        var effects: [Int: [String: Double]] = [:]
        let events = history.events
        let recoveryOfFault = Dictionary(recoveries.map { ($0.faultEvent, $0.millis) }, uniquingKeysWith: { first, _ in first })
        for (i, fault) in events.enumerated() where fault.type == "fault" {
            guard let index = fault.fields["fault"]?.intValue.map(Int.init), let worker = fault.worker else { continue }
            var effect: [String: Double] = [:]
            switch fault.fields["kind"]?.stringValue {
            case let kind where FaultKind.killsWorker(named: kind):
                effect["acknowledged_before"] = Double(events[..<i].filter {
                    $0.isOK && $0.worker == worker && $0.incarnation == fault.incarnation
                }.count)
                if let recovery = recoveryOfFault[i] { effect["recovery_ms"] = recovery }
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
}
