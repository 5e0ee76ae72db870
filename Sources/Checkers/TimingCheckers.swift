import OrdealModel
import OrdealSupport

/// `liveness`: the system finished its work, and soon after the faults stopped.
/// - every final work item is `completed` or `failed` (`item-not-terminal`), and every task in
///   `final.tasks` is `succeeded` or `failed` (`task-not-terminal`);
/// - when the history has `heal` events or `exit` events with status `signaled` (killed
///   workers), the last progress event (an op `task.finish` or `lease.complete`, or a `done`)
///   comes at most `context.livenessMillis` after the reference: the last `heal` or restart
///   (`spawn` with incarnation > 0), or, when there was neither, the last killed worker's
///   `exit` (`slow-progress-after-recovery`). The end-of-run reader (group or worker `reader`)
///   is not progress.
/// Measurements: `progress_after_recovery_ms` (negative when all progress came before the
/// reference), `liveness_limit_ms`, `unfinished`.
public struct LivenessChecker: Checker {
    public let name = "liveness"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        var unfinished = 0
        for item in final.workItems where item.status != "completed" && item.status != "failed" {
            unfinished += 1
            findings.violation("item-not-terminal", key: item.id, ["status": .string(item.status)])
        }
        for task in final.tasks.keys.sorted() where final.tasks[task] != "succeeded" && final.tasks[task] != "failed" {
            unfinished += 1
            findings.violation("task-not-terminal", key: task, ["state": .string(final.tasks[task] ?? "")])
        }
        var measurements: [String: Double] = [
            "unfinished": Double(unfinished), "liveness_limit_ms": Double(context.livenessMillis),
        ]
        let events = history.events.filter { !Self.isReader($0) }
        let resumed = events.last(where: { $0.type == "heal" || ($0.type == "spawn" && $0.incarnation > 0) })
        let killed = events.last(where: { $0.type == "exit" && $0.fields["status"]?.stringValue == "signaled" })
        let progress = events.last(where: {
            $0.type == "done" || ($0.type == "op" && ($0.op == "task.finish" || $0.op == "lease.complete"))
        })
        var timing = "no faults to recover from"
        if let reference = resumed ?? killed {
            if let progress {
                let after = progress.tMillis - reference.tMillis
                measurements["progress_after_recovery_ms"] = after
                timing = after >= 0
                    ? "the last progress came \(Self.format(after)) ms after the last recovery"
                    : "the last progress came \(Self.format(-after)) ms before the last recovery, which found nothing left to do"
                if after > Double(context.livenessMillis) {
                    findings.violation(
                        "slow-progress-after-recovery", key: progress.worker ?? progress.key ?? "history",
                        ["after_ms": .double(after), "limit_ms": .int(context.livenessMillis)],
                        events: [reference, progress])
                }
            } else {
                timing = "no progress event after the faults"
            }
        }
        return findings.result(
            name, pass: "all work reached a final state; \(timing)",
            fail: "\(unfinished) item(s) or task(s) never finished, or progress came too late; \(timing)",
            measurements: measurements,
            judged: final.workItems.count + final.tasks.count + (progress == nil ? 0 : 1),
            nothing: "no work item or task in the final state and no progress event (done, task.finish, lease.complete) in the history")
    }

    static func isReader(_ event: HistoryEvent) -> Bool {
        event.group == "reader" || event.worker == "reader" || event.worker == "reader-0"
    }

    static func format(_ millis: Double) -> String { "\((millis * 10).rounded() / 10)" }
}

/// `recovery-time`: how long a killed worker takes to work again. For every `fault` event of
/// kind `kill` on worker W (its `worker` field): the next `spawn` of W after it with an
/// incarnation above the killed one (the incarnation of W's last spawn before the fault), and
/// that incarnation's first ok op after the spawn (else its `done`, for a worker that found
/// nothing left to do). Recovery time = that event's `t_ms` − the fault's `t_ms`.
/// - Fails with `never-recovered` when a restart followed the kill but the new incarnation
///   never acknowledged an op nor finished; a kill with no restart is not measured
///   (`unrestarted`).
/// - Fails with `threshold-exceeded` when a `Threshold` on `.recovery` in
///   `context.thresholds` is exceeded at its percentile (nearest rank over the sorted times).
/// - Passes with "no kills" when there were none.
/// Measurements (microseconds): `kills`, `recoveries`, `unrestarted`, `recovery_p50_us`,
/// `recovery_max_us`, and `recovery_<percentile>_us` for each threshold.
public struct RecoveryTimeChecker: Checker {
    public let name = "recovery-time"

    public init() {}

    /// One kill and its recovery: the index of the `fault` event in the history, the worker,
    /// and, when the restarted incarnation worked again, the milliseconds from the fault to its
    /// first ok op (else its `done`). The one definition of "recovered" in Ordeal: the report's
    /// recovery figures and the fault effects' `recovery_ms` read it from here.
    public struct Recovery: Sendable, Hashable {
        public enum Outcome: Sendable, Hashable {
            case recovered(millis: Double)
            /// Restarted (this incarnation) but it never acknowledged an op nor finished.
            case neverRecovered(incarnation: Int)
            /// Not restarted: nothing to measure.
            case unrestarted
            /// The fault event names no worker.
            case malformed
        }

        public var faultEvent: Int
        public var worker: String
        public var outcome: Outcome

        public var millis: Double? {
            if case .recovered(let millis) = outcome { return millis }
            return nil
        }
    }

    /// Every kill of the history (faults whose kind kills its worker) and how it recovered.
    public static func kills(in history: History) -> [Recovery] {
        let events = history.events
        return events.indices.filter { events[$0].type == "fault" && FaultKind.killsWorker(named: events[$0].fields["kind"]?.stringValue) }.map { k in
            let fault = events[k]
            guard let worker = fault.worker else { return Recovery(faultEvent: k, worker: "", outcome: .malformed) }
            let lastSpawn = events[..<k].last(where: { $0.type == "spawn" && $0.worker == worker })
            let killed = fault.fields["incarnation"]?.intValue.map { Int($0) } ?? lastSpawn?.incarnation ?? 0
            guard let s = events[(k + 1)...].firstIndex(where: { $0.type == "spawn" && $0.worker == worker && $0.incarnation > killed }) else {
                return Recovery(faultEvent: k, worker: worker, outcome: .unrestarted)
            }
            let spawn = events[s]
            let mine = events[(s + 1)...].lazy.filter { $0.worker == worker && $0.incarnation == spawn.incarnation }
            guard let back = mine.first(where: \.isOK) ?? mine.first(where: { $0.type == "done" }) else {
                return Recovery(faultEvent: k, worker: worker, outcome: .neverRecovered(incarnation: spawn.incarnation))
            }
            return Recovery(faultEvent: k, worker: worker, outcome: .recovered(millis: back.tMillis - fault.tMillis))
        }
    }

    /// The kills that recovered, with their times.
    public static func recoveries(in history: History) -> [(faultEvent: Int, millis: Double)] {
        kills(in: history).compactMap { k in k.millis.map { (k.faultEvent, $0) } }
    }

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        let events = history.events
        let kills = Self.kills(in: history)
        let limited = context.thresholds.contains { $0.subject == .recovery }
        guard !kills.isEmpty else {
            // No kill, no recovery to judge: a recovery check that measured nothing proved nothing.
            return Findings.judgedNothing(
                name, "nothing was measured for recovery: no worker was killed" + (limited ? ", so its limit was not judged" : ""),
                measurements: ["kills": 0])
        }
        var findings = Findings()
        var times: [Double] = []
        var unrestarted = 0
        for kill in kills {
            let fault = events[kill.faultEvent]
            switch kill.outcome {
            case .malformed: findings.malformed(fault, "kill fault names no worker")
            case .unrestarted: unrestarted += 1
            case .recovered(let millis): times.append(millis * 1000)
            case .neverRecovered(let incarnation):
                let spawn = events[(kill.faultEvent + 1)...].first { $0.type == "spawn" && $0.worker == kill.worker && $0.incarnation == incarnation }
                findings.violation(
                    "never-recovered", key: kill.worker, ["incarnation": .int(Int64(incarnation))], events: [fault] + (spawn.map { [$0] } ?? []))
            }
        }
        var measurements: [String: Double] = [
            "kills": Double(kills.count), "recoveries": Double(times.count), "unrestarted": Double(unrestarted),
        ]
        let sorted = times.sorted()
        if !sorted.isEmpty {
            measurements["recovery_p50_us"] = Percentile.p50.nearestRank(sorted)
            measurements["recovery_max_us"] = Percentile.max.nearestRank(sorted)
            for threshold in context.thresholds where threshold.subject == .recovery {
                let measured = threshold.percentile.nearestRank(sorted)
                measurements["recovery_\(threshold.percentile.rawValue)_us"] = measured
                if measured > threshold.maxMicros {
                    findings.violation(
                        "threshold-exceeded", key: "recovery",
                        [
                            "percentile": .string(threshold.percentile.rawValue), "measured_us": .double(measured),
                            "max_us": .double(threshold.maxMicros),
                        ])
                }
            }
        }
        let summary =
            sorted.isEmpty
            ? "\(kills.count) kill(s), none restarted"
            : "\(sorted.count) of \(kills.count) kill(s) recovered, p50 \(Int(measurements["recovery_p50_us"]!)) us, max \(Int(measurements["recovery_max_us"]!)) us"
        return findings.result(
            name, pass: summary, fail: "\(findings.violations) recovery violation(s): \(summary)", measurements: measurements,
            judged: times.count,
            nothing: "nothing was measured for recovery (\(summary))" + (limited ? ", so its limit was not judged" : ""))
    }
}
