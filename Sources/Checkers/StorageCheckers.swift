import OrdealModel
import OrdealSupport

/// `integrity`: the backend's own integrity check found nothing (`integrity_problems` is
/// empty) and every checkpoint's stored snapshot still hashes to its `sha256` (`snapshot_ok`).
/// Measurements: `integrity_problems`, `corrupt_snapshots`.
public struct IntegrityChecker: Checker {
    public let name = "integrity"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        for problem in final.integrityProblems {
            findings.violation("integrity-problem", key: "backend", ["problem": .string(problem)])
        }
        let corrupt = final.checkpoints.filter { !$0.snapshotOK }
        for record in corrupt {
            findings.violation(
                "snapshot-corrupt", key: record.task, ["seq": .int(record.seq), "sha256": .string(record.sha256)])
        }
        return findings.result(
            name, pass: "the integrity check found nothing and all \(final.checkpoints.count) snapshots hash correctly",
            fail: "\(final.integrityProblems.count) integrity problem(s) and \(corrupt.count) corrupt snapshot(s)",
            measurements: [
                "integrity_problems": Double(final.integrityProblems.count), "corrupt_snapshots": Double(corrupt.count),
            ],
            judged: final.checkpoints.count + final.workItems.count + final.idempotency.count + final.tasks.count,
            nothing: "the final state holds no checkpoint, work item, idempotency entry or task to check")
    }
}

/// `sequence-contiguous`: per task, the final checkpoints' sequence numbers are exactly 1...n
/// (no gap, no duplicate), and no two ok `checkpoint.commit` acknowledgements share a
/// (task, seq). Measurements: `tasks`, `checkpoints`.
public struct SequenceContiguousChecker: Checker {
    public let name = "sequence-contiguous"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        let byTask = Dictionary(grouping: final.checkpoints, by: \.task)
        for task in byTask.keys.sorted() {
            let seqs = byTask[task, default: []].map(\.seq).sorted()
            var counts: [Int64: Int] = [:]
            for seq in seqs { counts[seq, default: 0] += 1 }
            let duplicates = counts.filter { $0.value > 1 }.keys.sorted()
            let present = Set(seqs)
            let highest = seqs.last ?? 0
            let missing = highest >= 1 ? (1...highest).filter { !present.contains($0) } : []
            let outOfRange = seqs.filter { $0 < 1 }
            if !duplicates.isEmpty {
                findings.violation("duplicate-seq", key: task, ["seqs": .array(duplicates.map(JSONValue.int))])
            }
            if !missing.isEmpty || !outOfRange.isEmpty {
                findings.violation(
                    "seq-gap", key: task,
                    [
                        "missing": .array(missing.prefix(20).map(JSONValue.int)),
                        "out_of_range": .array(outOfRange.prefix(20).map(JSONValue.int)), "highest": .int(highest),
                    ])
            }
        }
        var acked: [String: HistoryEvent] = [:]
        for event in history.ops("checkpoint.commit", outcome: "ok") {
            guard let task = event.key, let seq = event.int("seq") else {
                findings.malformed(event, "no key or value.seq")
                continue
            }
            let id = "\(task)\u{0}\(seq)"
            if let earlier = acked[id] {
                findings.violation("seq-acked-twice", key: task, ["seq": .int(seq)], events: [earlier, event])
            } else {
                acked[id] = event
            }
        }
        return findings.result(
            name, pass: "the checkpoints of all \(byTask.count) tasks are numbered 1...n, each acknowledged once",
            fail: "\(findings.violations) sequence violation(s): gaps, duplicates or a sequence number acknowledged twice",
            measurements: ["tasks": Double(byTask.count), "checkpoints": Double(final.checkpoints.count)],
            judged: final.checkpoints.count + acked.count,
            nothing: "no checkpoint in the final state and no acknowledged checkpoint.commit in the history")
    }
}
