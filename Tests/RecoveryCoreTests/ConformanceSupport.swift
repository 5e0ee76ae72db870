import Foundation
import Testing

@testable import RecoveryCore

/// The backends the conformance tests run against; each test runs once per case and asserts
/// the same outcome for both.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, memory

    var testDescription: String { rawValue }
}

/// A `TestEnv` (scratch directory, manual clock) with the backend under test: the env's own
/// SQLite database, or a fresh `MemoryBackend`.
final class ConformanceEnv: Sendable {
    let kind: BackendKind
    let scratch: TestEnv
    let backend: any RecoveryBackend

    init(_ kind: BackendKind) throws {
        self.kind = kind
        scratch = try TestEnv()
        switch kind {
        case .sqlite: backend = scratch.backend
        case .memory: backend = MemoryBackend()
        }
    }

    var clock: ManualClock { scratch.clock }
    func path(_ name: String) -> String { scratch.path(name) }

    func checkpoints() -> CheckpointManager { CheckpointManager(store: backend, clock: clock) }

    func leases(holder: String = "worker-a", leaseMillis: Int64 = 1_000) -> LeaseManager {
        LeaseManager(store: backend, holder: holder, leaseMillis: leaseMillis, clock: clock)
    }

    func item(_ id: String) throws -> WorkItem {
        try #require(backend.workItems(status: nil, ids: [id]).first)
    }

    /// A raw checkpoint for `taskID` through the store API.
    @discardableResult
    func insert(_ taskID: String, type: CheckpointType = .manualCheckpoint, verified: Bool = true) throws -> CheckpointRow {
        try backend.insertCheckpoint(
            NewCheckpoint(
                taskID: taskID, type: type, workItemID: nil, snapshot: "{}", snapshotSHA256: "0", evidence: "{}",
                verified: verified, verification: nil, createdAtMillis: clock.nowMillis()))
    }

    func sequences(_ taskID: String) throws -> [Int64] {
        try backend.checkpoints(CheckpointQuery(taskID: taskID)).map(\.sequence)
    }

    func claim(_ key: String, kind: IdempotencyKind = .llm, taskID: String? = nil, owner: String = "me",
               replacing token: Int64? = nil, claimMillis: Int64 = 60_000) throws -> Int64? {
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
        try #require(token == 1)
    }
}
