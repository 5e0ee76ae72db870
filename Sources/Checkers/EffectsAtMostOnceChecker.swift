import OrdealModel
import OrdealSupport

/// `effects-at-most-once`: a side effect (a line of the effects file, `final.effects`) happens
/// once, unless the history shows a call whose outcome could not be known, which the recovery
/// core may run again.
///
/// The rule: an effect line counted c > 1 times needs at least c − 1 *excuses* mapped to it,
/// else it is `effect-repeated`. Excuses, each mapped to one line:
/// - a tool op (`tool.execute`, `tool.replay`) with outcome `info` (indeterminate), mapped
///   through its key;
/// - an ok `tool.execute` with `value.reran` true (the ledger ran an abandoned call again);
/// - a task runner's interrupted incarnation: a worker process that reported a `task.step` or
///   `task.finish` for task T (in any of its incarnations) and ended (an `exit` event, or a new
///   `spawn` of the same worker) without a `task.finish` for T. It was running step
///   i = (highest step of T acknowledged so far) + 1 (0 when none), so it excuses line `T:i`.
/// Keys map to lines through the ok tool ops' `value.output` when it is a JSON object with a
/// string `line` (the tool-client's output); task runners' lines are `T:i` for step i of task T.
/// An `info` op whose key no ok op maps to a line excuses nothing (counted as
/// `unmapped_indeterminate`). Cache generations (`cache.generate`) carry no rerun flag, so a
/// generator run again after a crash is reported as repeated: use this checker where effects
/// come from the tool ledger or the task runner.
/// A line that has at least one excuse (its call is known to have been interrupted) may also be
/// excused by a kill: a run killed inside the call, after its effect, reports nothing, and the
/// next run reports the call re-run only once however many runs before it were killed. Each
/// kill or power-loss fault excuses at most one such line, and only one that an op mentioned
/// after the kill (`killed_runs`).
/// A tool op whose value says the client asked for policy `fail` and that re-ran an
/// indeterminate call (`reran: true`) is `reran-under-fail-policy`: the ledger ignored the policy.
/// Measurements: `effect_lines`, `repeated_lines`, `reruns` (extra runs the excuses covered),
/// `unmapped_indeterminate`, `indeterminate` (tool ops reported `info`), `killed_runs`.
public struct EffectsAtMostOnceChecker: Checker {
    public let name = "effects-at-most-once"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        // Keys to lines.
        var lineOfKey: [String: String] = [:]
        var tasksOfWorker: [String: Set<String>] = [:]
        for event in history.events where event.type == "op" {
            guard let key = event.key, let op = event.op else { continue }
            if Self.toolOps.contains(op), event.isOK, let line = Self.line(ofOutput: event.string("output")) {
                lineOfKey[key] = line
            } else if op == "task.step" || op == "task.finish", let worker = event.worker {
                tasksOfWorker[worker, default: []].insert(key)
            }
        }

        let ledger = Self.excuses(history, lineOfKey: lineOfKey, tasksOfWorker: tasksOfWorker)

        var findings = Findings()
        var repeated = 0
        var reruns = 0
        // Kills not yet spent on excusing a killed run, by time.
        var kills = history.of(type: "fault").filter { FaultKind.killsWorker(named: $0.fields["kind"]?.stringValue) }.map(\.tMillis)
        var killedRuns = 0
        for line in final.effects.keys.sorted() {
            let count = final.effects[line] ?? 0
            guard count > 1 else { continue }
            repeated += 1
            var covered = ledger.excuses[line] ?? 0
            let lastMention = ledger.mentions[line, default: []].map(\.tMillis).max() ?? -.infinity
            while covered > 0, count - 1 > covered, let kill = kills.firstIndex(where: { $0 < lastMention }) {
                kills.remove(at: kill)
                covered += 1
                killedRuns += 1
            }
            if count - 1 <= covered {
                reruns += count - 1
            } else {
                findings.violation(
                    "effect-repeated", key: line, ["count": .int(Int64(count)), "excused": .int(Int64(covered))],
                    events: ledger.mentions[line, default: []] + ledger.events[line, default: []])
            }
        }
        // A client that asked for policy `fail` must never have an indeterminate call run again.
        var indeterminate = 0
        for event in history.events where event.type == "op" && event.op.map(Self.toolOps.contains) == true {
            if event.isInfo { indeterminate += 1 }
            guard event.isOK, event.value?["reran"]?.boolValue == true, event.string("policy") == "fail" else { continue }
            findings.violation(
                "reran-under-fail-policy", key: event.key ?? "?", ["worker": .string(event.worker ?? "?")], events: [event])
        }
        return findings.result(
            name,
            pass: "each of \(final.effects.count) effect line(s) happened once, or again only after an indeterminate call (\(reruns) rerun(s), \(indeterminate) indeterminate call(s) reported)",
            fail: "\(findings.violations) violation(s): an effect line happened more often than indeterminate calls explain, or a call under policy fail was run again",
            measurements: [
                "effect_lines": Double(final.effects.count), "repeated_lines": Double(repeated), "reruns": Double(reruns),
                "unmapped_indeterminate": Double(ledger.unmapped), "indeterminate": Double(indeterminate),
                "killed_runs": Double(killedRuns),
            ],
            judged: final.effects.count,
            nothing: "the effects file has no line: no side effect to count")
    }


    /// What excuses a repeated effect line: an indeterminate (`info`) tool call, a tool call the
    /// ledger says it re-ran, or a step a killed incarnation left unfinished; with the events
    /// that mention each line (for counterexamples) and the indeterminate calls with no line.
    struct Excuses {
        var excuses: [String: Int]
        var events: [String: [HistoryEvent]]
        var mentions: [String: [HistoryEvent]]
        var unmapped: Int
    }

    static func excuses(_ history: History, lineOfKey: [String: String], tasksOfWorker: [String: Set<String>]) -> Excuses {
        var excuses: [String: Int] = [:]
        var excuseEvents: [String: [HistoryEvent]] = [:]
        var mentions: [String: [HistoryEvent]] = [:]
        var unmapped = 0
        func excuse(_ line: String, _ event: HistoryEvent) {
            excuses[line, default: 0] += 1
            excuseEvents[line, default: []].append(event)
        }
        var highestStep: [String: Int64] = [:]
        var open: [String: (incarnation: Int, finished: Set<String>)] = [:]
        func close(_ worker: String, _ event: HistoryEvent) {
            guard let run = open.removeValue(forKey: worker) else { return }
            for task in tasksOfWorker[worker, default: []] where !run.finished.contains(task) {
                excuse("\(task):\((highestStep[task] ?? -1) + 1)", event)
            }
        }
        for event in history.events {
            switch event.type {
            case "spawn":
                guard let worker = event.worker else { continue }
                close(worker, event)
                open[worker] = (event.incarnation, [])
            case "exit":
                if let worker = event.worker { close(worker, event) }
            case "op":
                guard let key = event.key, let op = event.op else { continue }
                if toolOps.contains(op) {
                    let line = lineOfKey[key]
                    if let line { mentions[line, default: []].append(event) }
                    if event.isInfo {
                        if let line { excuse(line, event) } else { unmapped += 1 }
                    } else if event.isOK, op == "tool.execute", event.value?["reran"]?.boolValue == true, let line {
                        excuse(line, event)
                    }
                } else if op == "task.step" || op == "task.finish" {
                    if let worker = event.worker {
                        if open[worker] == nil { open[worker] = (event.incarnation, []) }
                        if op == "task.finish" { open[worker]?.finished.insert(key) }
                    }
                    if op == "task.step", event.isOK, let step = event.int("step") {
                        mentions["\(key):\(step)", default: []].append(event)
                        highestStep[key] = max(highestStep[key] ?? -1, step)
                    }
                }
            default:
                continue
            }
        }

        return Excuses(excuses: excuses, events: excuseEvents, mentions: mentions, unmapped: unmapped)
    }

    static let toolOps: Set<String> = ["tool.execute", "tool.replay"]

    /// The `line` field of a tool output that is a JSON object, else nil.
    static func line(ofOutput output: String?) -> String? {
        guard let output, output.hasPrefix("{"), let parsed = try? JSONParser.parse(output) else { return nil }
        return parsed["line"]?.stringValue
    }
}
