import OrdealModel
import OrdealSupport

/// `acked-durable`: every write a worker acknowledged (`outcome: ok`) is in the final state,
/// byte for byte.
///
/// Rules, per ok op:
/// - `checkpoint.commit` (key task, value `seq`, `sha256`): a final checkpoint with that task,
///   seq and sha256 whose `snapshot_ok` is true.
/// - `task.step` (key task, value `seq`): the step's checkpoint, a final checkpoint with that
///   task and seq whose `snapshot_ok` is true.
/// - `lease.complete` (key item, value `token`, `output`): the item is `completed` with that
///   output and `released_token` equal to the acknowledged token.
/// - `cache.generate`, `cache.hit` (key cache key, value `value`): an idempotency entry with the
///   key, status `done` and result equal to the value.
/// - `tool.execute`, `tool.replay` (key ledger key, value `output`): an idempotency entry with
///   the key, status `done` and result equal to the output.
///
/// A checkpoint a `corrupt` fault damaged is the fault's loss, not the core's: its
/// acknowledgements are not judged here (`integrity` judges that the core noticed the damage).
/// An ok op lacking those value fields makes the verdict `unknown`.
/// Measurements: `acknowledged_writes`, `lost_writes`, `corrupted_by_fault`.
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
        var findings = Findings()
        var acknowledged = 0
        var excused = 0
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
                if !(checkpoints["\(key)\u{0}\(seq)"] ?? []).contains(where: \.snapshotOK) {
                    findings.violation("acked-step-checkpoint-missing", key: key, ["seq": .int(seq)], events: [event])
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
                if item.status != "completed" || item.output != output || item.releasedToken != token {
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
        return findings.result(
            name,
            pass: "all \(acknowledged) acknowledged writes are in the final state, unchanged"
                + (excused == 0 ? "" : " (\(excused) acknowledgement(s) of checkpoints a corrupt fault damaged not judged)"),
            fail: "\(findings.violations) of \(acknowledged) acknowledged writes are missing or changed in the final state",
            measurements: [
                "acknowledged_writes": Double(acknowledged), "lost_writes": Double(findings.violations),
                "corrupted_by_fault": Double(excused),
            ],
            judged: acknowledged,
            nothing: "no acknowledged write (an ok \(Self.writeOps.sorted().joined(separator: ", "))) in the history")
    }

    static let writeOps: Set<String> = [
        "checkpoint.commit", "task.step", "lease.complete", "cache.generate", "cache.hit", "tool.execute", "tool.replay",
    ]
}
