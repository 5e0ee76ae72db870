import OrdealSupport

/// One checkpoint a `corrupt` fault damaged, as the history's `corruption` event records it:
/// the runner flipped a byte of the snapshot the target last acknowledged (an ok op whose value
/// carries `seq` and `snapshot`), in every copy the data files held, while the target was down;
/// or, with `of: artifact`, a byte of the file that checkpoint's evidence vouches for (the
/// value's `artifact`), so the checkpoint's evidence no longer holds.
///
/// History event: `{"type":"corruption","t_ms":..,"fault":I,"worker":W,"group":G,"key":TASK,
/// "seq":S,"of":"snapshot"|"artifact","sha256":[BEFORE,AFTER],"flips":[{"file","offset","from","to"}],
/// "settled":[DATABASE...]}`; `flips` is empty
/// when no file held the snapshot (then nothing was corrupted, and the run says so). `sha256`
/// holds the SHA-256 of the snapshot (or artifact) before and after the flip. For a snapshot, the final state's checkpoint is
/// the damaged one when its seq matches and its `sha256` is either (a store reports the stored
/// hash, or, if it rehashes what it reads, the hash of the damaged text); a checkpoint that
/// reuses the seq after the damaged one was lost is another checkpoint. For an artifact, the
/// checkpoint of that task and seq is the one whose evidence was broken.
public struct Corruption: Sendable, Hashable {
    public static let eventType = "corruption"

    public var fault: Int
    public var worker: String
    public var task: String
    public var seq: Int64
    /// What was damaged: the snapshot, or the artifact its evidence names.
    public var of: CorruptTarget = .snapshot
    /// Bytes flipped, one per copy of the snapshot found.
    public var bytesFlipped: Int
    public var tMillis: Double
    /// The snapshot's SHA-256 (hex) before and after the flip; empty when not recorded.
    public var hashes: Set<String> = []

    public init(fault: Int, worker: String, task: String, seq: Int64, bytesFlipped: Int, tMillis: Double) {
        self.fault = fault
        self.worker = worker
        self.task = task
        self.seq = seq
        self.bytesFlipped = bytesFlipped
        self.tMillis = tMillis
    }

    public init?(_ event: HistoryEvent) {
        guard event.type == Self.eventType, let worker = event.worker, let task = event.key,
            let seq = event.fields["seq"]?.intValue
        else { return nil }
        self.init(
            fault: Int(event.fields["fault"]?.intValue ?? -1), worker: worker, task: task, seq: seq,
            bytesFlipped: event.fields["flips"]?.arrayValue?.count ?? 0, tMillis: event.tMillis)
        of = event.fields["of"]?.stringValue.flatMap(CorruptTarget.init(rawValue:)) ?? .snapshot
        hashes = Set((event.fields["sha256"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// Whether a final checkpoint of this task and seq, with this hash, is the damaged one.
    public func isDamaged(_ record: FinalState.CheckpointRecord) -> Bool {
        record.task == task && record.seq == seq && (of == .artifact || hashes.isEmpty || hashes.contains(record.sha256))
    }

    /// "task\0seq", the key the checkers index checkpoints by.
    public var checkpointKey: String { "\(task)\u{0}\(seq)" }
}

extension History {
    /// The checkpoints `corrupt` faults damaged (at least one byte flipped), in history order.
    public var corruptions: [Corruption] {
        events.compactMap(Corruption.init).filter { $0.bytesFlipped > 0 }
    }
}
