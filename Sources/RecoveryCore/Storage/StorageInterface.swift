/// The storage interface of the recovery core. SQLite implements it (`SQLiteBackend`);
/// PostgreSQL and users' own backends implement the same protocols.
///
/// Every method that returns normally has made its effect durable to the backend's
/// stated durability: a caller may acknowledge it. Every failure throws; a backend
/// never reports success for a write it did not commit.

/// Checkpoint rows. Guarantees:
/// - `insertCheckpoint` assigns `sequence` inside the transaction that stores the row:
///   per task the sequence is 1, 2, 3, ... with no duplicate and no gap, across processes,
///   and a deleted checkpoint's number is never reused.
public protocol CheckpointStore: Sendable {
    func insertCheckpoint(_ checkpoint: NewCheckpoint) throws -> CheckpointRow
    func checkpoint(id: CheckpointID) throws -> CheckpointRow?
    /// Newest (highest sequence) first.
    func checkpoints(_ query: CheckpointQuery) throws -> [CheckpointRow]
    /// Records the outcome of checking a checkpoint's evidence; false if no such checkpoint.
    func recordVerification(id: CheckpointID, verified: Bool, atMillis: Int64, report: String?) throws -> Bool
    /// Deletes the given checkpoints, or (with `keepNewest`, at least 1) all but the newest N of
    /// the task. Never deletes the task's newest verified checkpoint (its resume point) nor its
    /// newest checkpoint (so sequence numbers are never reused). Returns how many were deleted.
    func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int
    /// Every task that has checkpoints.
    func checkpointTaskIDs() throws -> [String]
}

/// Work items and their leases. Guarantees:
/// - `acquire` is one atomic step: two holders never get the same item with the same token, and
///   the token grows by one with every acquisition of the item.
/// - `renew` and `release` change the item only when the presented token is the item's current
///   token and the item is in progress; otherwise they throw `leaseLost` and change nothing.
/// - `sweepExpired` changes only items whose lease is still expired when the change is made,
///   so a renewal that lands first is never overwritten.
public protocol LeaseStore: Sendable {
    func addWorkItems(_ items: [NewWorkItem], nowMillis: Int64) throws
    func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease?
    func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64
    func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws
    /// One bounded batch: at most `limit` expired items, in one short transaction. `boundary`
    /// makes the error-boundary checkpoint stored in the same transaction for a swept item.
    func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem]
    func workItems(status: WorkItemStatus?, ids: [String]?) throws -> [WorkItem]
}

/// Idempotency keys for the LLM cache and the tool ledger. Guarantees:
/// - `claimKey` with `replacing: nil` succeeds only if the key has no entry; with a token it
///   succeeds only if the entry still holds that token (compare-and-swap). The new token is
///   larger than any before it.
/// - `completeKey`/`failKey` succeed only for the current claim token.
public protocol IdempotencyStore: Sendable {
    /// The result of a `done` entry that has not expired by `nowMillis`; the hot path of a
    /// cache hit or a replay, so it should read no more than it returns.
    func storedResult(key: String, nowMillis: Int64) throws -> String?
    func entry(key: String) throws -> IdempotencyEntry?
    /// Returns the new claim token, or nil when another claimant won.
    func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64?
    func completeKey(
        key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64
    ) throws -> Bool
    func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool
    func deleteKey(key: String) throws -> Bool
    func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry]
    func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int
}

/// The terminal state of tasks run by `TaskRunner`.
public protocol TaskStore: Sendable {
    func setTaskState(taskID: String, state: TaskState, detail: String?, nowMillis: Int64) throws
    func task(id: String) throws -> TaskRecord?
}

/// A complete backend.
public protocol RecoveryBackend: CheckpointStore, LeaseStore, IdempotencyStore, TaskStore {
    /// How the backend is named on the command line: `sqlite:normal`, `memory`, `postgres://...`.
    var spec: String { get }
    /// The backend's own integrity check; an empty list means it found nothing wrong.
    func integrityProblems() throws -> [String]
}

/// A backend that can make a trivial round trip (`SELECT 1` on its connection). Optional:
/// benchmarks measure it as the floor of a server backend (`raw.roundtrip`), the cost every
/// operation pays before it does any work.
public protocol TrivialRoundTripping {
    func trivialRoundTrip() throws
}
