import OrdealSystem
import Foundation
import OrdealSupport
import RecoveryCore
import WorkerKit

/// TEST-ONLY. The faults, each breaking one guarantee of one role. Every other role (the
/// reader above all, which the runner starts with the same command) behaves normally.
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

    /// The role the fault changes.
    var role: String {
        switch self {
        case .lostAck, .dupSeq, .corruptSnapshot, .slowRecovery, .lyingDurability: "checkpoint-writer"
        case .staleComplete, .neverFinish: "lease-worker"
        case .doubleEffect: "tool-client"
        case .badResume: "task-runner"
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
        }
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
        if let fault, let real = roles[fault.role] { roles[fault.role] = fault.faulty(real) }
        return WorkerMain.run(arguments: rest, roles: roles)
    }
}
