import Foundation
import Synchronization
import OrdealSupport
import Testing

@testable import RecoveryCore

/// A scratch directory of its own (mkdtemp under /tmp) with a fresh SQLite database and a
/// manual clock, so tests can run in parallel. The directory is removed when the value dies.
final class TestEnv: Sendable {
    let dir: String
    let backend: SQLiteBackend
    let clock: ManualClock

    init(durability: Durability = .normal) throws {
        var template = Array("/tmp/recoverycore-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        dir = String(cString: made)
        clock = ManualClock()
        backend = try SQLiteBackend(path: dir + "/core.sqlite", options: SQLiteOptions(durability: durability))
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// A path inside the scratch directory.
    func path(_ name: String) -> String { dir + "/" + name }

    /// Writes `contents` to a file in the scratch directory and returns its path.
    @discardableResult
    func writeFile(_ name: String, _ contents: String) throws -> String {
        let path = path(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func removeFile(_ name: String) throws {
        try FileManager.default.removeItem(atPath: path(name))
    }

    func checkpoints() -> CheckpointManager { CheckpointManager(store: backend, clock: clock) }

    func leases(holder: String = "worker-a", leaseMillis: Int64 = 1_000) -> LeaseManager {
        LeaseManager(store: backend, holder: holder, leaseMillis: leaseMillis, clock: clock)
    }

    /// One work item read back from the store.
    func item(_ id: String) throws -> WorkItem {
        try #require(backend.workItems(status: nil, ids: [id]).first)
    }

    /// Inserts an idempotency claim row that nobody will ever complete: `owner` claimed `key`
    /// and died before storing a result.
    func insertAbandonedClaim(key: String, kind: IdempotencyKind, owner: String, taskID: String? = nil) throws {
        let now = clock.nowMillis()
        try backend.execute(
            """
            INSERT INTO idempotency (key, kind, status, task_id, request, owner, claim_token, claim_expires_at, created_at)
            VALUES (?1, ?2, 'claimed', ?3, '{}', ?4, 1, ?5, ?6)
            """, [.text(key), .text(kind.rawValue), .optional(taskID), .text(owner), .int(now + 3_600_000), .int(now)])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An owner string naming a process on this host that does not exist.
func deadOwner() throws -> String {
    "\(ClaimOwner.current.host)/\(try deadPID())/1"
}

/// A pid with no process behind it (kill(pid, 0) fails with ESRCH).
func deadPID() throws -> Int32 {
    for pid in stride(from: Int32(4_194_000), to: 100_000, by: -7919) where kill(pid, 0) == -1 && errno == ESRCH {
        return pid
    }
    throw TestFailure("found no unused pid")
}

/// Polls `condition` every 5 ms until it holds or `seconds` pass; returns whether it held.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

/// Evidence that always holds: a recorded exit code equal to the expected one.
let passingEvidence = EvidencePack([.commandExit(command: "true", expected: 0, observed: 0)])
/// Evidence that never holds.
let failingEvidence = EvidencePack([.commandExit(command: "false", expected: 0, observed: 1)])

/// A mutex in a class, so escaping closures (threads, callbacks) can share it.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }

    var value: Value { mutex.withLock { $0 } }

    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
