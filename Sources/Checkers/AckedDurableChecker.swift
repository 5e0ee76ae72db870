import OrdealModel
import OrdealSupport

/// `acked-durable`: every write a worker acknowledged (`outcome: ok`) is in the final state,
/// byte for byte.
///
/// Rules, per ok op:
/// - `checkpoint.commit` (key task, value `seq`, `sha256`): a final checkpoint with that task,
///   seq and sha256 whose `snapshot_ok` is true.
/// - `task.step` (key task, value `seq`): the step's checkpoint, a final checkpoint with that
///   task and seq whose `snapshot_ok` is true; with `tool_key` (the ledger key of the tool
///   result the checkpoint references), while that checkpoint survives, an idempotency entry
///   with the key and status `done` (`checkpoint-outlived-tool-result`: the two stores were
///   not made durable in order, so a crash left a checkpoint pointing at a result that is gone).
/// - `lease.complete` (key item, value `token`, `output`): the item is `completed` with that
///   output and `released_token` equal to the acknowledged token.
/// - `cache.generate`, `cache.hit` (key cache key, value `value`): an idempotency entry with the
///   key, status `done` and result equal to the value.
/// - `tool.execute`, `tool.replay` (key ledger key, value `output`): an idempotency entry with
///   the key, status `done` and result equal to the output.
///
/// A checkpoint a `corrupt` fault damaged is the fault's loss, not the core's: its
/// acknowledgements are not judged here (`integrity` judges that the core noticed the damage).
/// Retention may delete acknowledged checkpoints: of a task that an ok `checkpoint.cleanup` op
/// cleaned up, a missing checkpoint is excused, except the task's newest acknowledged one (its
/// last verified step, the resume point retention must keep): `last-verified-checkpoint-deleted`.
/// A commit reported `fail` must have left no trace: a `checkpoint.commit` with `fail` whose
/// value carries the `sha256` of the snapshot it tried is a violation when a final checkpoint
/// of its task has that hash (`failed-op-took-effect`: the caller was told it failed, and it
/// took effect; such an outcome is indeterminate, `info`). Each `info` commit with `sha256` is
/// resolved: it landed or it did not (`indeterminate_landed`, `indeterminate_not_landed`).
/// An ok op lacking those value fields makes the verdict `unknown`.
/// Measurements: `acknowledged_writes`, `lost_writes`, `corrupted_by_fault`, `deleted_by_retention`,
/// `indeterminate_landed`, `indeterminate_not_landed`.
public struct AckedDurableChecker: Checker {
    public let name = "acked-durable"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var checkpoints: [String: [FinalState.CheckpointRecord]] = [:]
        for record in final.checkpoints { checkpoints["\(record.task)\u{0}\(record.seq)", default: []].append(record) }
        let items = Dictionary(final.workItems.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var entries: [String: [FinalState.IdempotencyRecord]] = [:]
        for entry in final.idempotency { entries[entry.key, default: []].append(entry) }

        let damaged = Set(history.corruptions.map(\.checkpointKey))
        let retention = Self.retention(history, damaged: damaged)
        var findings = Findings()
        var acknowledged = 0
        var excused = 0
        var retained = 0
        var outlived = 0
        /// Whether retention may have deleted this acknowledged checkpoint; a violation when it
        /// deleted the task's newest acknowledged one.
        func deletedByRetention(_ key: String, _ seq: Int64, _ event: HistoryEvent) -> Bool {
            guard let newest = retention[key] else { return false }
            if seq == newest {
                findings.violation(
                    "last-verified-checkpoint-deleted", key: key,
                    ["seq": .int(seq), "why": .string("retention deleted the task's newest acknowledged checkpoint, its resume point")],
                    events: [event])
            } else {
                retained += 1
            }
            return true
        }
        for event in history.events where event.isOK {
            guard let op = event.op, Self.writeOps.contains(op) else { continue }
            guard let key = event.key else {
                findings.malformed(event, "no key")
                continue
            }
            if op == "checkpoint.commit" || op == "task.step", let seq = event.int("seq"), damaged.contains("\(key)\u{0}\(seq)") {
                excused += 1
                continue
            }
            acknowledged += 1
            switch op {
            case "checkpoint.commit":
                guard let seq = event.int("seq"), let sha = event.string("sha256") else {
                    findings.malformed(event, "value lacks seq or sha256")
                    continue
                }
                let found = checkpoints["\(key)\u{0}\(seq)"] ?? []
                if found.isEmpty, deletedByRetention(key, seq, event) { continue }
                if !found.contains(where: { $0.sha256 == sha && $0.snapshotOK }) {
                    let seen: JSONValue = .array(found.map { ["sha256": .string($0.sha256), "snapshot_ok": .bool($0.snapshotOK)] })
                    findings.violation(
                        found.isEmpty ? "acked-checkpoint-missing" : "acked-checkpoint-changed", key: key,
                        ["seq": .int(seq), "acked_sha256": .string(sha), "found": seen], events: [event])
                }
            case "task.step":
                guard let seq = event.int("seq") else {
                    findings.malformed(event, "value lacks seq")
                    continue
                }
                let found = checkpoints["\(key)\u{0}\(seq)"] ?? []
                if found.isEmpty, deletedByRetention(key, seq, event) { continue }
                if !found.contains(where: \.snapshotOK) {
                    findings.violation("acked-step-checkpoint-missing", key: key, ["seq": .int(seq)], events: [event])
                } else if let tool = event.string("tool_key"), !(entries[tool] ?? []).contains(where: { $0.status == "done" }) {
                    outlived += 1
                    findings.violation(
                        "checkpoint-outlived-tool-result", key: key,
                        [
                            "seq": .int(seq), "tool_key": .string(tool),
                            "why": .string("the step's checkpoint survived, but the tool result it references did not: the ledger's write was not durable before the checkpoint's"),
                        ], events: [event])
                }
            case "lease.complete":
                guard let token = event.int("token"), let output = event.string("output") else {
                    findings.malformed(event, "value lacks token or output")
                    continue
                }
                guard let item = items[key] else {
                    findings.violation("acked-completion-missing", key: key, ["token": .int(token)], events: [event])
                    continue
                }
                let releasedOK = item.releasedToken == token || LeaseEpochs.isAssigned(event)
                if item.status != "completed" || item.output != output || !releasedOK {
                    findings.violation(
                        "acked-completion-changed", key: key,
                        [
                            "acked_token": .int(token), "acked_output": .string(output), "status": .string(item.status),
                            "output": item.output.map(JSONValue.string) ?? .null,
                            "released_token": item.releasedToken.map(JSONValue.int) ?? .null,
                        ], events: [event])
                }
            default:
                let field = op.hasPrefix("cache.") ? "value" : "output"
                guard let acked = event.string(field) else {
                    findings.malformed(event, "value lacks \(field)")
                    continue
                }
                let found = entries[key] ?? []
                if !found.contains(where: { $0.status == "done" && $0.result == acked }) {
                    let seen: JSONValue = .array(
                        found.map { ["status": .string($0.status), "result": $0.result.map(JSONValue.string) ?? .null] })
                    findings.violation(
                        found.isEmpty ? "acked-entry-missing" : "acked-entry-changed", key: key,
                        ["acked_result": .string(acked), "found": seen], events: [event])
                }
            }
        }
        let lost = findings.violations
        let outcomes = Self.unacknowledgedCommits(history, final, &findings)
        let failedLanded = findings.violations - lost
        var failText = "\(lost) of \(acknowledged) acknowledged writes are missing or changed in the final state"
        if outlived > 0 { failText += ", \(outlived) of them step checkpoints that survived the tool result they reference" }
        if failedLanded > 0 {
            failText = (lost == 0 ? "" : failText + "; ") + "\(failedLanded) commit(s) reported failed took effect (their snapshot is in the final state)"
        }
        return findings.result(
            name,
            pass: "all \(acknowledged) acknowledged writes are in the final state, unchanged"
                + outcomes.summary
                + (excused == 0 ? "" : " (\(excused) acknowledgement(s) of checkpoints a corrupt fault damaged not judged)")
                + (retained == 0 ? "" : " (\(retained) older checkpoint(s) deleted by retention, each task's newest kept)"),
            fail: failText,
            measurements: [
                "acknowledged_writes": Double(acknowledged), "lost_writes": Double(lost), "failed_but_landed": Double(failedLanded),
                "corrupted_by_fault": Double(excused), "deleted_by_retention": Double(retained),
                "indeterminate_landed": Double(outcomes.landed), "indeterminate_not_landed": Double(outcomes.notLanded),
            ],
            judged: acknowledged,
            nothing: "no acknowledged write (an ok \(Self.writeOps.sorted().joined(separator: ", "))) in the history")
    }

    /// Commits not acknowledged: a `fail` one whose snapshot is in the final state is a
    /// violation; each `info` one is resolved as landed or not.
    static func unacknowledgedCommits(
        _ history: History, _ final: FinalState, _ findings: inout Findings
    ) -> (landed: Int, notLanded: Int, summary: String) {
        var landed = 0
        var notLanded = 0
        for (event, found) in Self.resolved(history, final) {
            guard let key = event.key, let sha = event.string("sha256") else { continue }
            if event.outcome == "fail" {
                if found {
                    findings.violation(
                        "failed-op-took-effect", key: key,
                        ["sha256": .string(sha), "why": .string("the commit was reported failed, yet its snapshot is in the final state: an outcome the core cannot know is indeterminate (info), never fail")],
                        events: [event])
                }
            } else if found {
                landed += 1
            } else {
                notLanded += 1
            }
        }
        let summary = landed + notLanded == 0
            ? "" : "; of \(landed + notLanded) indeterminate commit(s), \(landed) landed and \(notLanded) did not"
        return (landed, notLanded, summary)
    }

    /// Every `checkpoint.commit` reported `fail` or `info` that names the snapshot it tried
    /// (`sha256`), with whether that snapshot is in the final state, sound: whether it landed.
    /// The one definition acked-durable and premise `indeterminate-landed` both judge by.
    static func resolved(_ history: History, _ final: FinalState?) -> [(event: HistoryEvent, landed: Bool)] {
        let stored = Set((final?.checkpoints ?? []).filter(\.snapshotOK).map { "\($0.task)\u{0}\($0.sha256)" })
        return history.ops("checkpoint.commit").compactMap { event in
            guard event.outcome == "fail" || event.outcome == "info", let key = event.key, let sha = event.string("sha256") else {
                return nil
            }
            return (event, stored.contains("\(key)\u{0}\(sha)"))
        }
    }

    /// Each task an ok `checkpoint.cleanup` cleaned up, with the seq of its newest acknowledged
    /// checkpoint (undamaged `checkpoint.commit` or `task.step`), which retention must keep.
    static func retention(_ history: History, damaged: Set<String>) -> [String: Int64] {
        let cleaned = Set(history.ops("checkpoint.cleanup", outcome: "ok").compactMap(\.key))
        var newest: [String: Int64] = [:]
        for event in history.events where event.isOK && (event.op == "checkpoint.commit" || event.op == "task.step") {
            guard let key = event.key, cleaned.contains(key), let seq = event.int("seq"),
                !damaged.contains("\(key)\u{0}\(seq)")
            else { continue }
            newest[key] = max(newest[key] ?? seq, seq)
        }
        return newest
    }

    static let writeOps: Set<String> = [
        "checkpoint.commit", "task.step", "lease.complete", "cache.generate", "cache.hit", "tool.execute", "tool.replay",
    ]
}
