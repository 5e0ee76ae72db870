import Foundation
import RecoveryCore
import Synchronization

/// An example of a backend of your own: `traced:PATH` is SQLite at PATH (durability normal) with
/// every write that returns normally recorded, one line each, in `PATH.trace` (opened with
/// O_APPEND, so the lines of several processes interleave whole).
///
/// It wraps a backend with `ForwardingBackend`, so only the calls it changes are restated; a
/// backend that stores its data itself implements the protocols of `RecoveryBackend` directly,
/// with the guarantees docs/storage-interface.md lists.
final class TracedBackend: ForwardingBackend, @unchecked Sendable {
    private let trace: FileHandle
    private let lock = Mutex(())
    private let path: String

    init(spec: String) throws {
        guard spec.hasPrefix("traced:"), spec.count > "traced:".count else {
            throw RecoveryError(.invalidArgument, "backend spec '\(spec)' needs a database path: traced:/path/to/store.sqlite")
        }
        path = String(spec.dropFirst("traced:".count))
        let tracePath = path + ".trace"
        let fd = open(tracePath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RecoveryError(.invalidArgument, "cannot open \(tracePath) (errno \(errno)); check that its folder exists and is writable")
        }
        trace = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        super.init(try SQLiteBackend(path: path, options: SQLiteOptions(durability: .normal)))
    }

    override var spec: String { "traced:" + path }

    private func record(_ line: String) {
        lock.withLock { _ in trace.write(Data((line + "\n").utf8)) }
    }

    override func insertCheckpoint(_ checkpoint: NewCheckpoint) throws -> CheckpointRow {
        let row = try base.insertCheckpoint(checkpoint)
        record("checkpoint \(row.taskID)#\(row.sequence)")
        return row
    }

    override func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        let lease = try base.acquire(holder: holder, nowMillis: nowMillis, leaseMillis: leaseMillis)
        if let lease { record("acquire \(lease.itemID) token \(lease.fencingToken) by \(holder)") }
        return lease
    }

    override func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        try base.release(itemID: itemID, fencingToken: fencingToken, outcome: outcome, nowMillis: nowMillis)
        record("release \(itemID) token \(fencingToken)")
    }
}
