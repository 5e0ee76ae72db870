import OrdealModel
import OrdealSupport

/// `integrity`: the backend's own integrity check found nothing (`integrity_problems` is
/// empty) and every checkpoint's stored snapshot still hashes to its `sha256` (`snapshot_ok`),
/// as the core's own read path reports it. A checkpoint a `corrupt` fault damaged is the
/// other way round: it must read back as corrupt (`corruption-unnoticed` when it reads as
/// sound: the core's read path never checks the snapshot against its hash). A checkpoint whose
/// artifact a `corrupt` fault damaged (`of: artifact`) must no longer be held verified: its
/// worker ran again and resumed, which rechecks the evidence it resumes from
/// (`corruption-unnoticed` when the final state still says `verified`). A checkpoint whose
/// evidence proves nothing must not be held verified, and a recheck after its artifact was
/// removed must say so (`EvidenceRules`: `vacuous-evidence-verified`, `stale-verification`).
/// Measurements: `integrity_problems`, `corrupt_snapshots`, `corrupted_by_fault`,
/// `vacuous_evidence_judged`.
public struct IntegrityChecker: Checker {
    public let name = "integrity"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        for problem in final.integrityProblems {
            findings.violation("integrity-problem", key: "backend", ["problem": .string(problem)])
        }
        let damaged = history.corruptions
        var corrupt = 0
        var matched: Set<Int> = []
        for record in final.checkpoints {
            if let index = damaged.firstIndex(where: { $0.isDamaged(record) }) {
                let corruption = damaged[index]
                matched.insert(index)
                if let why = Self.unnoticed(corruption, record) {
                    findings.violation(
                        "corruption-unnoticed", key: record.task,
                        [
                            "seq": .int(record.seq), "fault": .int(Int64(corruption.fault)), "of": .string(corruption.of.rawValue),
                            "bytes_flipped": .int(Int64(corruption.bytesFlipped)), "why": .string(why),
                        ])
                }
                if corruption.of == .artifact, !record.snapshotOK {
                    corrupt += 1
                    findings.violation(
                        "snapshot-corrupt", key: record.task, ["seq": .int(record.seq), "sha256": .string(record.sha256)])
                }
            } else if !record.snapshotOK {
                corrupt += 1
                findings.violation(
                    "snapshot-corrupt", key: record.task, ["seq": .int(record.seq), "sha256": .string(record.sha256)])
            }
        }
        let beforeEvidence = findings.violations
        let evidenceJudged = EvidenceRules.judge(history, final, into: &findings)
        let evidenceWrong = findings.violations - beforeEvidence
        return findings.result(
            name,
            pass: "the integrity check found nothing"
                + (final.checkpoints.count == damaged.count ? "" : " and \(final.checkpoints.count - damaged.count == 1 ? "the one undamaged snapshot hashes" : "all \(final.checkpoints.count - damaged.count) undamaged snapshots hash") correctly")
                + Self.damageSentence(judged: matched.count, damaged: damaged.count)
                + (evidenceJudged == 0 ? "" : "; the core refused all \(evidenceJudged) verdicts on evidence that proves nothing"),
            fail: [
                (final.integrityProblems.count, "integrity problem(s)"), (corrupt, "corrupt snapshot(s)"),
                (beforeEvidence - final.integrityProblems.count - corrupt, "corruption(s) unnoticed"),
                (evidenceWrong, "of \(evidenceJudged) verdict(s) on evidence that proves nothing said verified"),
            ].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
            measurements: [
                "integrity_problems": Double(final.integrityProblems.count), "corrupt_snapshots": Double(corrupt),
                "corrupted_by_fault": Double(damaged.count), "vacuous_evidence_judged": Double(evidenceJudged),
            ],
            judged: final.checkpoints.count + final.workItems.count + final.idempotency.count + final.tasks.count,
            nothing: "the final state holds no checkpoint, work item, idempotency entry or task to check")
    }

    /// What the pass says of the checkpoints a corrupt fault damaged: only those found in the
    /// final state (same task, seq and hash as damaged) were judged; the others were replaced
    /// (their seq reused by another snapshot) or are gone, or the reader's `sha256` is not the
    /// hash of the snapshot its runner reported.
    static func damageSentence(judged: Int, damaged: Int) -> String {
        guard damaged > 0 else { return "" }
        let found = judged == damaged ? "the \(damaged) a corrupt fault damaged read back as corrupt"
            : "\(judged) of the \(damaged) checkpoints a corrupt fault damaged are in the final state and read back as corrupt"
        let missing = damaged - judged
        return "; " + found + (missing == 0 ? "" : "; \(missing) are not there with the damaged hash (replaced, gone, or the reader's sha256 is not the hash of the snapshot reported), so nothing was judged of them")
    }

    /// Why the core missed the damage to this checkpoint, or nil when it noticed.
    static func unnoticed(_ corruption: Corruption, _ record: FinalState.CheckpointRecord) -> String? {
        switch corruption.of {
        case .snapshot:
            record.snapshotOK
                ? "the core read this snapshot back as sound after fault \(corruption.fault) flipped a byte of it: its read path does not check the hash"
                : nil
        case .artifact:
            record.verified
                ? "the core still holds this checkpoint verified after fault \(corruption.fault) changed the artifact its evidence names: it resumed without checking that evidence again"
                : nil
        }
    }
}

/// `sequence-contiguous`: per task, the final checkpoints' sequence numbers are exactly 1...n
/// (no gap, no duplicate), and no two ok `checkpoint.commit` acknowledgements share a
/// (task, seq). Gaps in a task that retention cleaned up (an ok `checkpoint.cleanup` with
/// `deleted` above 0) are its deletions, not judged; duplicates still are.
/// Measurements: `tasks`, `checkpoints`.
public struct SequenceContiguousChecker: Checker {
    public let name = "sequence-contiguous"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        let byTask = Dictionary(grouping: final.checkpoints, by: \.task)
        let cleaned = Set(history.ops("checkpoint.cleanup", outcome: "ok").filter { ($0.int("deleted") ?? 0) > 0 }.compactMap(\.key))
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
            if (!missing.isEmpty && !cleaned.contains(task)) || !outOfRange.isEmpty {
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
            name,
            pass: "the checkpoints of all \(byTask.count) tasks are numbered 1...n, each acknowledged once"
                + (cleaned.isEmpty ? "" : " (gaps left by retention in \(cleaned.count) task(s) not judged)"),
            fail: "\(findings.violations) sequence violation(s): gaps, duplicates or a sequence number acknowledged twice",
            measurements: ["tasks": Double(byTask.count), "checkpoints": Double(final.checkpoints.count)],
            judged: final.checkpoints.count + acked.count,
            nothing: "no checkpoint in the final state and no acknowledged checkpoint.commit in the history")
    }
}
