import OrdealModel
import OrdealSupport

/// Every verdict of a scenario, in one place: the checkers it names (all of them when it names
/// none), `workers-exit-clean`, its latency thresholds, then its declared expected failures.
/// A pure function of the history, the final state and the latencies measured from that history.
public enum ScenarioJudgement {
    /// The checks of `scenario`, judged. `final` is nil when the end-of-run reader gave no final
    /// state: then no invariant can be judged and only the history-only checks run.
    /// With `performanceAdvisory` (a worker of the user's own), recovery limits are judged
    /// apart from `recovery-time`, as performance checks, so that they can be reported without
    /// deciding the verdict. With `clock` (milliseconds, the caller's; this module reads none),
    /// each check carries how long it took to judge.
    public static func checks(
        scenario: Scenario, history: History, final: FinalState?, latency: [String: LatencySummary],
        performanceAdvisory: Bool = false, clock: (() -> Double)? = nil
    ) -> [CheckResult] {
        func timed(_ judge: () -> [CheckResult]) -> [CheckResult] {
            guard let clock else { return judge() }
            let start = clock()
            let results = judge()
            let each = (clock() - start) / Double(max(results.count, 1))
            return results.map { var r = $0; r.elapsedMillis = each; return r }
        }
        var checks: [CheckResult] = []
        let history = LeaseEpochs.assigned(history)
        let limits = scenario.thresholdsOnItsBackend
        if let final {
            let context = CheckContext(
                livenessMillis: scenario.livenessMillis,
                thresholds: performanceAdvisory ? limits.filter { $0.subject != .recovery } : limits)
            for name in checkNames(scenario) {
                guard let checker = Checkers.named(name) else {
                    checks.append(CheckResult(name: name, verdict: .unknown, detail: "no checker is named \(name)"))
                    continue
                }
                let result = timed { [checker.check(history: history, final: final, context: context)] }[0]
                // Run because the scenario names no checks: one with nothing to judge does not apply.
                if scenario.checks.isEmpty && !result.judgedSomething { continue }
                checks.append(result)
            }
        }
        if !scenario.expectations.isEmpty { checks += timed { [ExpectedWorkChecker.check(scenario.expectations, history)] } }
        for premise in scenario.premises { checks += timed { PremiseChecker.check([premise], history: history, final: final) } }
        checks += timed { [WorkersExitCleanChecker.check(history)] }
        for limit in limits { checks += timed { LatencyThresholds.check([limit], latency: latency) } }
        if performanceAdvisory { checks += timed { LatencyThresholds.recovery(limits, history: history) } }
        return checks.map { ExpectedFailures.judge($0, scenario.expectedFailures) }
    }

    /// The scenario's verdict: the worst of its checks (performance checks left out when they are
    /// advisory), and `unknown` when the harness reported a problem, no final state was read, or
    /// no check judged anything (nothing can be concluded: never a pass).
    public static func verdict(
        checks: [CheckResult], problems: [String], hasFinalState: Bool, performanceAdvisory: Bool = false
    ) -> Verdict {
        let deciding = checks.filter { !(performanceAdvisory && $0.isPerformance) }
        var verdict: Verdict = problems.isEmpty && hasFinalState ? .notApplicable : .unknown
        for check in deciding { verdict = verdict.combined(with: check.verdict) }
        return verdict == .notApplicable ? .unknown : verdict
    }

    /// The checkers the scenario names, all of them when it names none; `recovery-time` is added
    /// when the scenario has a recovery threshold, since that checker alone judges recovery.
    static func checkNames(_ scenario: Scenario) -> [String] {
        var names = scenario.checks.isEmpty ? Checkers.names : scenario.checks
        let recovery = RecoveryTimeChecker().name
        if !names.contains(recovery) && scenario.thresholdsOnItsBackend.contains(where: { $0.subject == .recovery }) {
            names.append(recovery)
        }
        return names
    }
}

/// `workers-exit-clean`: every worker's last incarnation ended with exit 0, unless a fault of
/// the scenario killed it: a worker that gave up (exit 1: an operation failed) means work was
/// not done. A worker that never became ready is a harness problem (the scenario is unknown),
/// not a failure of the system under test.
public enum WorkersExitCleanChecker {
    public static let name = "workers-exit-clean"

    public static func check(_ history: History) -> CheckResult {
        var last: [String: HistoryEvent] = [:]
        for event in history.events where event.type == "exit" { last[event.worker ?? "?"] = event }
        let killed = Set(history.events.filter { $0.type == "fault" && FaultKind.killsWorker(named: $0.fields["kind"]?.stringValue) }.map(\.incarnationID))
        let ready = Set(history.of(type: "ready").map(\.incarnationID))
        let bad = last.values.filter { e in
            !(e.fields["status"]?.stringValue == "exited" && e.fields["code"]?.intValue == 0)
                && !killed.contains(e.incarnationID) && ready.contains(e.incarnationID)
        }.sorted { ($0.worker ?? "") < ($1.worker ?? "") }
        guard bad.isEmpty else {
            let shown = bad.prefix(5).map { e in
                "\(e.worker ?? "?") \(e.fields["status"]?.stringValue ?? "?") \(e.fields["code"]?.intValue ?? e.fields["signal"]?.intValue ?? -1)"
            }
            return CheckResult(
                name: name, verdict: .fail,
                detail: "\(bad.count) of \(last.count) workers did not finish their work: \(shown.joined(separator: ", ")) (see workers.log)",
                counterexample: bad.prefix(20).map(\.json))
        }
        return CheckResult(name: name, verdict: .pass, detail: "all \(last.count) workers finished their work and exited 0")
    }
}

/// Latency thresholds on ops (`threshold OP PERCENTILE <= LIMIT`), judged on the HDR summaries
/// of the ops' acknowledged latencies. Recovery thresholds are the `recovery-time` checker's.
public enum LatencyThresholds {
    public static func check(_ thresholds: [Threshold], latency: [String: LatencySummary]) -> [CheckResult] {
        thresholds.compactMap { t in
            guard case .op(let op) = t.subject else { return nil }
            let name = "threshold \(op) \(t.percentile.rawValue) <= \(Format.micros(t.maxMicros))"
            guard let summary = latency[op] else {
                var result = CheckResult(name: name, verdict: .unknown, detail: "nothing was measured for \(op)")
                result.isPerformance = true
                return result
            }
            let measured = t.percentile.value(of: summary)
            var result = CheckResult(
                name: name, verdict: measured <= t.maxMicros ? .pass : .fail,
                detail: "\(op) \(t.percentile.rawValue) = \(Format.micros(measured)) over \(summary.count) samples (limit \(Format.micros(t.maxMicros)))",
                measurements: ["measured_us": measured, "limit_us": t.maxMicros, "count": Double(summary.count)])
            result.isPerformance = true
            return result
        }
    }
}

extension LatencyThresholds {
    /// Recovery limits judged on their own, as performance checks, on the `recovery-time`
    /// checker's recovery times (nearest rank, as that checker judges them).
    public static func recovery(_ thresholds: [Threshold], history: History) -> [CheckResult] {
        let times = RecoveryTimeChecker.recoveries(in: history).map { $0.millis * 1000 }.sorted()
        return thresholds.filter { $0.subject == .recovery }.map { t in
            let name = "threshold recovery \(t.percentile.rawValue) <= \(Format.micros(t.maxMicros))"
            var result: CheckResult
            if times.isEmpty {
                result = CheckResult(name: name, verdict: .unknown, detail: "nothing was measured for recovery: no kill recovered")
            } else {
                let measured = t.percentile.nearestRank(times)
                result = CheckResult(
                    name: name, verdict: measured <= t.maxMicros ? .pass : .fail,
                    detail: "recovery \(t.percentile.rawValue) = \(Format.micros(measured)) over \(times.count) recoveries (limit \(Format.micros(t.maxMicros)))",
                    measurements: ["measured_us": measured, "limit_us": t.maxMicros, "count": Double(times.count)])
            }
            result.isPerformance = true
            return result
        }
    }
}

/// Checks a scenario declares expected to fail: known limitations, measured rather than hidden.
public enum ExpectedFailures {
    /// A declared check that fails passes as a measured limitation (its figures kept); one that
    /// holds fails, so a limitation that is no longer true does not stay in the documents; one
    /// that could not be judged stays unknown.
    public static func judge(_ check: CheckResult, _ expected: [ExpectedFailure]) -> CheckResult {
        guard let declared = expected.first(where: { $0.check == check.name }) else { return check }
        var out = check
        out.expectedFailure = declared.reason
        switch check.verdict {
        case .fail:
            out.verdict = .pass
            out.detail = "failed as declared (known limitation: \(declared.reason)): \(check.detail)"
        case .pass:
            out.verdict = .fail
            out.detail = "declared expected to fail (\(declared.reason)) but it held: \(check.detail). The limitation is no longer measured; remove it from expected_failures or find why the fault did not bite"
        case .unknown, .notApplicable:
            break
        }
        return out
    }
}
