import Foundation
import OrdealSystem
import RecoveryCore

/// What one check runs against: the subject's backend, the check's clock and scratch directory,
/// helpers that call the store API, and the expectations, which throw `ConformanceFailure`.
final class ConformanceEnv: Sendable {
    let check: String
    let directory: String
    let backend: any RecoveryBackend
    let clock: ConformanceClock

    init(check: String, setup: ConformanceSetup, subject: ConformanceSubject) {
        self.check = check
        directory = setup.directory
        backend = subject.backend
        clock = ConformanceClock(ManualClock(startMillis: setup.startMillis), check: check, moveClock: subject.moveClock)
    }

    // MARK: The store API

    func path(_ name: String) -> String { directory + "/" + name }

    func writeFile(_ name: String, _ contents: String) throws {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path(name)))
    }

    func checkpoints() -> CheckpointManager { CheckpointManager(store: backend, clock: clock) }

    func leases(holder: String = "worker-a", leaseMillis: Int64 = 1_000) -> LeaseManager {
        LeaseManager(store: backend, holder: holder, leaseMillis: leaseMillis, clock: clock)
    }

    /// The work item `id` as the backend returns it; a failure if it has none.
    func item(_ id: String) throws -> WorkItem {
        try require(backend.workItems(status: nil, ids: [id]).first, "work item \(id) exists")
    }

    /// A raw checkpoint for `taskID` through the store API.
    @discardableResult
    func insert(_ taskID: String, type: CheckpointType = .manualCheckpoint, verified: Bool = true) throws -> CheckpointRow {
        try backend.insertCheckpoint(
            NewCheckpoint(
                taskID: taskID, type: type, workItemID: nil, snapshot: "{}", snapshotSHA256: "0", evidence: "{}",
                verified: verified, verification: nil, createdAtMillis: clock.nowMillis()))
    }

    /// The task's checkpoint sequence numbers, newest first.
    func sequences(_ taskID: String) throws -> [Int64] {
        try backend.checkpoints(CheckpointQuery(taskID: taskID)).map(\.sequence)
    }

    func claim(
        _ key: String, kind: IdempotencyKind = .llm, taskID: String? = nil, owner: String = "me",
        replacing token: Int64? = nil, claimMillis: Int64 = 60_000
    ) throws -> Int64? {
        let now = clock.nowMillis()
        return try backend.claimKey(
            IdempotencyClaim(
                key: key, kind: kind, taskID: taskID, request: #"{"k":"\#(key)"}"#, owner: owner, nowMillis: now,
                claimExpiresAtMillis: now + claimMillis),
            replacing: token)
    }

    /// A claim that nobody will ever complete, made through the store API: `owner` claimed `key`
    /// and died before storing a result.
    func insertAbandonedClaim(key: String, kind: IdempotencyKind, owner: String, taskID: String? = nil) throws {
        let token = try claim(key, kind: kind, taskID: taskID, owner: owner, claimMillis: 3_600_000)
        try expect(token, 1, "the first claim of a new key gets token 1")
    }

    /// An owner string naming a process on this host that does not exist.
    func deadOwner() throws -> String {
        "\(ClaimOwner.current.host)/\(try ConformanceEnv.deadPID())/1"
    }

    /// A pid with no process behind it, to name a dead claim owner.
    static func deadPID() throws -> Int32 {
        for pid in stride(from: Int32(4_194_000), to: 100_000, by: -7919) where !Posix.processExists(pid) {
            return pid
        }
        throw ConformanceFailure(
            check: "setup", expectation: "an unused pid names a dead claim owner",
            expected: "a pid between 100000 and 4194000 with no process", seen: "every probed pid is in use")
    }

    // MARK: Expectations

    func fail(_ expectation: String, expected: String, seen: String) -> ConformanceFailure {
        ConformanceFailure(check: check, expectation: expectation, expected: expected, seen: seen)
    }

    func expect<T: Equatable>(_ seen: T, _ expected: T, _ expectation: String) throws {
        guard seen != expected else { return }
        throw fail(expectation, expected: String(reflecting: expected), seen: String(reflecting: seen))
    }

    /// `holds` must be true; `seen` describes what was there instead.
    func expect(_ holds: Bool, _ expectation: String, seen: @autoclosure () -> String = "false") throws {
        guard !holds else { return }
        throw fail(expectation, expected: "true", seen: seen())
    }

    func expectNil<T>(_ value: T?, _ expectation: String) throws {
        guard let value else { return }
        throw fail(expectation, expected: "nil", seen: String(reflecting: value))
    }

    func require<T>(_ value: T?, _ expectation: String) throws -> T {
        guard let value else { throw fail(expectation, expected: "a value", seen: "nil") }
        return value
    }

    /// `body` must throw a `RecoveryError`; returns it for further expectations.
    @discardableResult
    func expectError(_ expectation: String, _ body: () throws -> Void) throws -> RecoveryError {
        do {
            try body()
        } catch let error as RecoveryError {
            return error
        } catch {
            throw fail(expectation, expected: "a RecoveryError", seen: "\(type(of: error)): \(error)")
        }
        throw fail(expectation, expected: "a RecoveryError", seen: "no error")
    }
}

/// The check's manual clock; for a backend on a clock of its own it moves that clock along.
final class ConformanceClock: RecoveryClock {
    private let manual: ManualClock
    private let check: String
    private let moveClock: (@Sendable (Int64) throws -> Void)?

    init(_ manual: ManualClock, check: String, moveClock: (@Sendable (Int64) throws -> Void)?) {
        self.manual = manual
        self.check = check
        self.moveClock = moveClock
    }

    func nowMillis() -> Int64 { manual.nowMillis() }

    /// Moves the clock; throws when the backend's own clock could not follow.
    func advance(byMillis delta: Int64) throws {
        manual.advance(byMillis: delta)
        guard let moveClock else { return }
        do {
            try moveClock(manual.nowMillis())
        } catch {
            throw ConformanceFailure(
                check: check, expectation: "the subject's moveClock makes the backend's clock read the check's time",
                expected: "no error", seen: "\(error)")
        }
    }
}
