import Synchronization

/// An in-process backend that keeps everything in memory: the reference implementation of
/// the storage interface with no storage at all.
///
/// What it is for:
/// - a reference: every requirement has the semantics of `SQLiteBackend` (sequence numbers,
///   fencing, compare-and-swap claims, retention rules, orderings, error codes and wording),
///   written as plain Swift over dictionaries, so it can be read as the specification of what a
///   backend must do; the conformance tests run the same scenarios against both;
/// - a floor for benchmarks: the cost of the core (encoding, hashing, evidence checks, the
///   managers) with the cost of storage taken away.
///
/// What it is not: durable. Nothing survives the process; `spec` is `memory`, and a crash loses
/// every checkpoint, lease and cached result. Several processes cannot share it.
///
/// All state sits behind one `Mutex`, and every operation runs entirely under it, so each call
/// is atomic and isolated exactly like one SQLite write transaction (`BEGIN IMMEDIATE`): no
/// caller ever sees half of another's change, and a call that throws changes nothing.
/// Like `SQLiteBackend`'s connection lock, the lock is not reentrant: the `boundary` closure of
/// `sweepExpired` runs under it and must not call back into the backend.
///
/// Identifiers (task ids, item ids, keys) are compared and ordered by their UTF-8 bytes, as
/// SQLite's default `BINARY` collation does, not by Swift's Unicode-canonical `String`
/// equality, so two ids that differ only in Unicode normalisation stay two ids here too.
public final class MemoryBackend: RecoveryBackend {
    let state = Mutex(MemoryState())

    public init() {}

    public var spec: String { "memory" }

    /// Always empty: there is nothing on disk to check, and every change is made whole under the lock.
    public func integrityProblems() throws -> [String] { [] }

    /// Runs `body` with the state held. A `RecoveryError` passes through; any other error (only a
    /// caller's closure can throw one) becomes `storage`, as `SQLiteBackend.withConnection` does.
    func withState<T: Sendable>(_ body: (inout MemoryState) throws -> T) throws(RecoveryError) -> T {
        do {
            return try state.withLock { state throws -> T in try body(&state) }
        } catch let error as RecoveryError {
            throw error
        } catch {
            throw RecoveryError(.storage, "\(error)")
        }
    }

    // MARK: TaskStore

    public func setTaskState(taskID: String, state: TaskState, detail: String?, nowMillis: Int64) throws {
        try withState { s in
            s.tasks[MemoryKey(taskID)] = TaskRecord(taskID: taskID, state: state, detail: detail, updatedAtMillis: nowMillis)
        }
    }

    public func task(id: String) throws -> TaskRecord? {
        try withState { s in s.tasks[MemoryKey(id)] }
    }
}

/// Everything a `MemoryBackend` holds.
struct MemoryState: ~Copyable {
    /// Per task, its checkpoints in ascending sequence order. A task's list is never empty
    /// (its newest checkpoint is never deleted), so its last element holds the high-water mark.
    var checkpoints: [MemoryKey: [CheckpointRow]] = [:]
    var items: [MemoryKey: MemoryWorkItem] = [:]
    /// The pending items, best first: what `acquire` takes. An item leaves `pending` only there.
    var pending = PendingHeap()
    /// The in-progress items with their lease's expiry and insertion order, for takeover and
    /// the sweep: scanned without touching `items`, kept in step by acquire, renew and release.
    var inProgress: [MemoryKey: LeaseExpiry] = [:]
    /// Insertion order of work items, the tie-break SQLite's rowid gives equal expiry times.
    var nextRowID: Int64 = 1
    var idempotency: [MemoryKey: IdempotencyEntry] = [:]
    var tasks: [MemoryKey: TaskRecord] = [:]
}

/// When an in-progress item's lease expires, and the item's insertion order (the tie-break).
struct LeaseExpiry: Sendable {
    var expiresAtMillis: Int64
    var rowID: Int64

    /// Expiry first, then insertion order, as SQLite orders `lease_expires_at` ties by rowid.
    func precedes(_ other: LeaseExpiry) -> Bool { (expiresAtMillis, rowID) < (other.expiresAtMillis, other.rowID) }
}

/// A string compared by its UTF-8 bytes (SQLite's `BINARY` collation), not by Swift's
/// canonical equivalence.
struct MemoryKey: Hashable, Sendable {
    let string: String
    init(_ string: String) { self.string = string }

    static func == (a: MemoryKey, b: MemoryKey) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.makeContiguousUTF8()
        s.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(0xFF as UInt8)  // never a UTF-8 byte: ends the string
    }
}

/// Byte-wise order of two strings, as SQLite's `BINARY` collation orders text.
@inline(__always)
func bytewiseLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

/// SQLite's `LIMIT n`: a negative `n` means no limit.
@inline(__always)
func sqlLimit(_ limit: Int) -> Int { limit < 0 ? Int.max : limit }
