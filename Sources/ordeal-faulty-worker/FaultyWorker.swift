import Backends
import OrdealSystem
import Foundation
import OrdealSupport
import RecoveryCore
import WorkerKit

/// TEST-ONLY. The faults, each breaking one guarantee of one role (of the store a role and the
/// reader share, for `unchecked-snapshot`). Every other role (the reader above all, which the
/// runner starts with the same command) behaves normally.
enum Fault: String, CaseIterable {
    /// checkpoint-writer: every 3rd checkpoint is acknowledged but never stored (acked-durable).
    case lostAck = "lost-ack"
    /// checkpoint-writer: every 3rd commit is acknowledged twice with the same seq (sequence-contiguous).
    case dupSeq = "dup-seq"
    /// checkpoint-writer: the first stored snapshot is overwritten after its commit (integrity).
    case corruptSnapshot = "corrupt-snapshot"
    /// lease-worker: completes items whatever the fencing token (lease-safety).
    case staleComplete = "stale-complete"
    /// tool-client: every executed tool's effect happens twice (effects-at-most-once).
    case doubleEffect = "double-effect"
    /// task-runner: ignores its checkpoints and starts again from step 0 (resume-correct).
    case badResume = "bad-resume"
    /// lease-worker: acquires one item and exits 0 without completing it (liveness).
    case neverFinish = "never-finish"
    /// checkpoint-writer: on a restart, sleeps 2 s before its first operation (recovery-time).
    case slowRecovery = "slow-recovery"
    /// checkpoint-writer: claims durability full but commits with synchronous=OFF, so nothing is
    /// ever synced (acked-durable, under power loss only: every kill-only scenario passes).
    case lyingDurability = "lying-durability"
    /// lease-worker: a renewal with a stale token is accepted (lease-safety: stale-renewal-accepted).
    case staleRenew = "stale-renew"
    /// lease-worker: the heartbeat's refusal is taken as transient, the holder keeps working
    /// (lease-safety: work-after-lost-lease).
    case zombieHeartbeat = "zombie-heartbeat"
    /// lease-worker: leases kept in whole seconds, so a 300 ms lease lasts 1 s (the takeover
    /// scenarios' premise `takeover` does not hold: unknown, never pass).
    case coarseLeaseClock = "coarse-lease-clock"
    /// cache-client: the cache key leaves out the temperature (cache-answers: answer-shared).
    case cacheKeyIgnoresField = "cache-key-ignores-field"
    /// cache-client: concurrent clients asking for one key all generate it (effects-at-most-once).
    case noSingleFlight = "no-single-flight"
    /// cache-client: an expired entry generated again keeps its old expiry (expected-work: the
    /// third pass generates instead of hitting).
    case ttlNotRearmed = "ttl-not-rearmed"
    /// tool-client: no intent is recorded before the tool runs (effects-at-most-once).
    case toolNoIntent = "tool-no-intent"
    /// tool-client: an unfinished intent is not seen, the call runs again as new, silently
    /// (effects-at-most-once).
    case silentRerun = "silent-rerun"
    /// tool-client: the ledger runs indeterminate calls again whatever the client's policy
    /// (effects-at-most-once: reran-under-fail-policy).
    case ignoreFailPolicy = "ignore-fail-policy"
    /// The sweep holds one write transaction over every expired lease (sweeper).
    case longSweep = "long-sweep"
    /// The sweep fails an item one expired lease early (sweeper; lease-safety: failed-before-max-attempts).
    case failOneAttemptEarly = "fail-one-attempt-early"
    /// The sweep never fails an item (sweeper; lease-safety: leases-beyond-max-attempts).
    case neverFailExpired = "never-fail-expired"
    /// The sweep writes back by id what it read as expired (sweeper; lease-safety: lease-lost-before-expiry).
    case sweepRace = "sweep-race"
    /// task-runner and reader: the store hands back the hash of the snapshot it read, not the
    /// stored one, so the core's hash check can never fail (integrity: corruption-unnoticed;
    /// resume-correct: resumed-from-corrupt-checkpoint).
    case uncheckedSnapshot = "unchecked-snapshot"
    /// task-runner: a resume trusts the verdict stored at commit and never checks the evidence
    /// of the checkpoint it resumes from again (resume-correct: resumed-from-unverified-checkpoint;
    /// integrity: corruption-unnoticed).
    case resumeUnverified = "resume-unverified"
    /// retention: clean-up keeps the newest N checkpoints and nothing else, so the newest
    /// verified one goes once N newer exist (acked-durable: last-verified-checkpoint-deleted).
    case retentionDropsVerified = "retention-drops-verified"
    /// checkpoint-writer: every failed commit is reported `fail`, an indeterminate one (a failed
    /// fsync after the write reached the file) included (acked-durable: failed-op-took-effect).
    case failNotInfo = "fail-not-info"
    /// sweeper: the sweep reads a clock the faults do not move (premise takeover: unknown on
    /// clock-skew-sweeper).
    case unskewedLeaseClock = "unskewed-lease-clock"
    /// checkpoint-writer: an empty evidence pack verifies (integrity: vacuous-evidence-verified).
    case emptyPackVerifies = "empty-pack-verifies"
    /// checkpoint-writer: an exit code never observed counts as the expected one (integrity:
    /// vacuous-evidence-verified).
    case unobservedExitHolds = "unobserved-exit-holds"
    /// checkpoint-writer: a db_row naming no column matches any row (integrity:
    /// vacuous-evidence-verified).
    case anyRowHolds = "any-row-holds"
    /// checkpoint-writer: verdicts are cached per evidence pack, so a recheck after the artifact
    /// is gone says it holds (integrity: stale-verification).
    case cachedVerification = "cached-verification"
    /// task-runner (and reader): the ledger in a file of its own, never synced, beside the
    /// checkpoints (acked-durable: checkpoint-outlived-tool-result after a power cut).
    case ledgerApart = "ledger-apart"
    /// lease-worker: carries on after a failed renewal and completes the item on a backend
    /// that ignores the fencing token (lease-safety: stale-completion on partition-lease-holder).
    case fencingBlind = "fencing-blind"

    /// The roles the fault changes.
    var roles: [String] {
        switch self {
        case .uncheckedSnapshot, .ledgerApart: ["task-runner", "reader"]
        default: [role]
        }
    }

    private var role: String {
        switch self {
        case .lostAck, .dupSeq, .corruptSnapshot, .slowRecovery, .lyingDurability, .failNotInfo: "checkpoint-writer"
        case .staleComplete, .neverFinish, .staleRenew, .zombieHeartbeat, .coarseLeaseClock, .fencingBlind: "lease-worker"
        case .doubleEffect, .toolNoIntent, .silentRerun, .ignoreFailPolicy: "tool-client"
        case .cacheKeyIgnoresField, .noSingleFlight, .ttlNotRearmed: "cache-client"
        case .badResume, .uncheckedSnapshot, .resumeUnverified, .ledgerApart: "task-runner"
        case .retentionDropsVerified: "retention"
        case .emptyPackVerifies, .unobservedExitHolds, .anyRowHolds, .cachedVerification: "checkpoint-writer"
        case .longSweep, .failOneAttemptEarly, .neverFailExpired, .sweepRace, .unskewedLeaseClock: "sweeper"
        }
    }

    /// The faulty version of `role`, built from the real one where a changed backend suffices.
    func faulty(_ real: @escaping WorkerRole) -> WorkerRole {
        switch self {
        case .lostAck: { o, b, e in try real(o, LostAckBackend(b), e) }
        case .dupSeq: FaultyRoles.duplicateAcks
        case .corruptSnapshot: { o, b, e in try real(o, CorruptSnapshotBackend(b), e) }
        case .staleComplete: { o, b, e in try real(o, StaleCompleteBackend(b), e) }
        case .doubleEffect: { o, b, e in try real(o, DoubleEffectBackend(b, effects: try o.string("effects")), e) }
        case .badResume: { o, b, e in try real(o, BadResumeBackend(b), e) }
        case .neverFinish: FaultyRoles.acquireAndLeave
        case .slowRecovery: { o, b, e in try FaultyRoles.sleepIfRestarted(o, b); return try real(o, b, e) }
        case .lyingDurability: { o, b, e in try real(o, LyingDurabilityBackend(claiming: b, path: o.string("db")), e) }
        case .staleRenew: { o, b, e in try real(o, StaleRenewBackend(b), e) }
        case .zombieHeartbeat: { o, b, e in try LeaseWorkerRole.run(options: o, backend: b, events: e, stopsWhenLost: false) }
        case .fencingBlind: { o, b, e in try LeaseWorkerRole.run(options: o, backend: FencingBlindBackend(b), events: e, stopsWhenLost: false) }
        case .coarseLeaseClock: { o, b, e in try real(o, CoarseLeaseClockBackend(b), e) }
        case .cacheKeyIgnoresField:
            { o, b, e in
                try CacheClientRole.run(options: o, backend: b, events: e) { request in
                    var keyed = request
                    keyed.parameters["temperature"] = nil
                    return keyed
                }
            }
        case .noSingleFlight: { o, b, e in try real(o, NoSingleFlightBackend(b), e) }
        case .ttlNotRearmed: { o, b, e in try real(o, TTLNotRearmedBackend(b), e) }
        case .toolNoIntent: { o, b, e in try real(o, NoIntentBackend(b), e) }
        case .silentRerun: { o, b, e in try real(o, NoSingleFlightBackend(b), e) }
        case .ignoreFailPolicy: { o, b, e in try ToolClientRole.run(options: o, backend: b, events: e) { _ in .runAgain } }
        case .longSweep: { o, b, e in try real(o, LongSweepBackend(b), e) }
        case .failOneAttemptEarly: { o, b, e in try real(o, FailEarlyBackend(b), e) }
        case .neverFailExpired: { o, b, e in try real(o, NeverFailBackend(b), e) }
        case .sweepRace: { o, b, e in try real(o, SweepRaceBackend(b), e) }
        case .uncheckedSnapshot: { o, b, e in try real(o, UncheckedSnapshotBackend(b), e) }
        case .resumeUnverified: { o, b, e in try TaskRunnerRole.run(options: o, backend: b, events: e, recheckEvidence: false) }
        case .retentionDropsVerified: { o, b, e in try real(o, RetentionDropsVerifiedBackend(b), e) }
        case .unskewedLeaseClock: { o, b, e in try real(o, UnskewedLeaseClockBackend(b), e) }
        case .failNotInfo: { o, b, e in try CheckpointWriterRole.run(options: o, backend: b, events: e, everyErrorFails: true) }
        case .ledgerApart: { o, b, e in try real(o, LedgerApartBackend(b, databasePath: try o.string("db")), e) }
        case .emptyPackVerifies: Self.verifying(.emptyPackVerifies)
        case .unobservedExitHolds: Self.verifying(.unobservedExitHolds)
        case .anyRowHolds: Self.verifying(.anyRowHolds)
        case .cachedVerification: Self.verifying(.cachedVerification)
        }
    }

    /// The checkpoint writer with a verifier that has `bug`.
    static func verifying(_ bug: VacuousVerifier.Bug) -> WorkerRole {
        { o, b, e in try CheckpointWriterRole.run(options: o, backend: b, events: e, verifier: VacuousVerifier(bug)) }
    }
}

/// `ordeal-faulty-worker [--fault NAME] ROLE --db PATH ...`: `--fault` may stand anywhere on the
/// command line (before the role, as part of a scenario's command, or among its params).
enum FaultyWorker {
    static func run(arguments: [String]) -> Int32 {
        // `print-clock`: the wall clock as Foundation's Date() reads it, then the monotonic clock
        // as ProcessInfo reads it, in seconds: for the clock-skew tests.
        if arguments == ["print-clock"] {
            print(Date().timeIntervalSince1970, ProcessInfo.processInfo.systemUptime)
            return 0
        }
        var rest = arguments
        var fault: Fault?
        if let at = rest.firstIndex(of: "--fault") {
            guard at + 1 < rest.count, let named = Fault(rawValue: rest[at + 1]) else {
                let names = Fault.allCases.map(\.rawValue).joined(separator: ", ")
                try? Posix.writeAll(2, Array(("ordeal-faulty-worker: --fault needs one of: \(names)" + "\n").utf8))
                return 2
            }
            fault = named
            rest.removeSubrange(at...(at + 1))
        }
        var roles = WorkerRoles.standard
        for role in fault?.roles ?? [] {
            if let fault, let real = roles[role] { roles[role] = fault.faulty(real) }
        }
        // Every backend Backends opens (a fault that needs SQLite says so when given another).
        return WorkerMain.run(arguments: rest, roles: roles, openBackend: Backends.open(spec:sqlitePath:durability:))
    }
}
