import OrdealSystem
import OrdealSupport

/// One pass over expired leases.
///
/// An in-progress item whose lease expired goes back to pending with `attempts + 1`, or is
/// marked failed when that lost lease used its last attempt: `maxAttempts` is the number of
/// leases an item may hold in all, so with `maxAttempts = 3` the third expired lease fails it.
/// Each batch is one short write transaction of at most `batchSize` items, so heartbeats are
/// never stalled for long, and the expiry is re-checked inside it, so a renewal that landed
/// first is never overwritten.
public struct RecoverySweep: Sendable {
    public struct Result: Sendable, Hashable {
        public var recovered: Int
        public var failed: Int
        public var batches: Int
        public var boundaryCheckpoints: Int
        /// Checkpoints removed by retention cleanup (when `retention` is set).
        public var checkpointsDeleted: Int
        public var durationMillis: Double
        public var items: [SweptItem]
    }

    public let store: any LeaseStore
    public let clock: any RecoveryClock
    public var batchSize: Int
    /// Store an `error_boundary` checkpoint for each recovered item (in the batch's transaction).
    public var writeBoundaryCheckpoints: Bool
    /// After sweeping, keep only the newest N checkpoints of every task (and each task's newest
    /// verified one); nil leaves checkpoints alone.
    public var retention: Retention?

    public struct Retention: Sendable {
        public var store: any CheckpointStore
        public var keepNewest: Int

        public init(store: any CheckpointStore, keepNewest: Int) {
            precondition(keepNewest >= 1, "retention keeps at least the newest checkpoint")
            self.store = store
            self.keepNewest = keepNewest
        }
    }

    public init(
        store: any LeaseStore, clock: any RecoveryClock = SystemClock(), batchSize: Int = 500,
        writeBoundaryCheckpoints: Bool = false
    ) {
        precondition(batchSize > 0, "batchSize must be positive")
        self.store = store
        self.clock = clock
        self.batchSize = batchSize
        self.writeBoundaryCheckpoints = writeBoundaryCheckpoints
    }

    public func runOnce() throws -> Result {
        let watch = Stopwatch()
        let now = clock.nowMillis()
        var result = Result(
            recovered: 0, failed: 0, batches: 0, boundaryCheckpoints: 0, checkpointsDeleted: 0, durationMillis: 0, items: [])
        let boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)? =
            writeBoundaryCheckpoints ? { @Sendable item in try Self.boundaryCheckpoint(item, nowMillis: now) } : nil
        while true {
            let batch = try store.sweepExpired(nowMillis: now, limit: batchSize, boundary: boundary)
            if batch.isEmpty { break }
            result.batches += 1
            result.items += batch
            for item in batch {
                if item.newStatus == .failed { result.failed += 1 } else { result.recovered += 1 }
            }
            if writeBoundaryCheckpoints { result.boundaryCheckpoints += batch.count }
            if batch.count < batchSize { break }
        }
        if let retention {
            for task in try retention.store.checkpointTaskIDs() {
                result.checkpointsDeleted += try retention.store.deleteCheckpoints(
                    taskID: task, sequences: nil, keepNewest: retention.keepNewest)
            }
        }
        result.durationMillis = watch.elapsedMillis
        return result
    }

    static func boundaryCheckpoint(_ item: SweptItem, nowMillis: Int64) throws -> NewCheckpoint? {
        let snapshot: JSONValue = [
            "event": "lease_expired", "work_item": .string(item.itemID), "now": .string(item.newStatus.rawValue),
            "attempts": .int(item.attempts), "fencing_token": .int(item.fencingToken),
        ]
        let bytes = try CanonicalJSON.encode(snapshot)
        return NewCheckpoint(
            taskID: item.taskID ?? "work-item:\(item.itemID)", type: .errorBoundary, workItemID: item.itemID,
            snapshot: String(decoding: bytes, as: UTF8.self), snapshotSHA256: Digest.sha256Hex(bytes),
            evidence: try CanonicalJSON.string(EvidencePack.empty.json), verified: false, verification: nil,
            createdAtMillis: nowMillis)
    }
}
