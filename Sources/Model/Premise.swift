/// What a scenario's test rests on: something that must have happened in the run for its checks
/// to mean anything. A scenario lists its premises (`premises:`); one that did not hold makes
/// the scenario `unknown`, with the reason, never `pass`: a takeover scenario without a
/// takeover, or an I/O-error scenario whose error no caller saw, tested nothing.
public enum Premise: String, Sendable, Hashable, CaseIterable {
    /// Some work item was acquired (ok) by one worker, then by another with a higher token.
    case takeover
    /// A holder whose item was taken over tried to act on it again, and was refused
    /// (`lease.complete` or `lease.renew` with `fail` and `lease-lost`): the fencing was tried.
    case staleRefused = "stale-refused"
    /// Every disk-full and io-error fault that fired reached its target's caller: an op of that
    /// worker failed or was indeterminate after the fault fired, or the worker exited non-zero.
    case faultSurfaced = "fault-surfaced"
    /// A worker killed by a fault (kill, power loss) ran again and acknowledged an op.
    case restarted
    /// A kill landed while a tool call was in flight, and a restart found it: after a kill, some
    /// tool call was re-run (`reran: true`) or reported indeterminate (`info`).
    case killInsideCall = "kill-inside-call"
    /// A lease renewal ran while a sweep that recovered leases was running: on the workers' own
    /// monotonic stamps (`wt_ms`, minus each op's latency for its start), an ok `lease.renew`
    /// overlapped an ok `sweep.run` whose `recovered` + `failed` is at least 1.
    case renewalDuringSweep = "renewal-during-sweep"
    /// A holder's renewal began after its lease could have expired (the same holder's last ok
    /// acquisition or renewal of that token, with `lease_ms`, began more than `lease_ms` before):
    /// a pause or a stall made it late, so it raced the sweep of its expired lease.
    case lateRenewal = "late-renewal"
    /// A `corrupt` fault flipped a byte of an acknowledged snapshot in the data files, and its
    /// worker then ran again and acknowledged an op (it read past the damage).
    case snapshotCorrupted = "snapshot-corrupted"
    /// A `corrupt` fault with `of: artifact` changed the artifact an acknowledged checkpoint's
    /// evidence names, and its worker then ran again and acknowledged an op (it resumed past it).
    case artifactCorrupted = "artifact-corrupted"
    /// Retention cleaned up a task after the task ended (an ok `checkpoint.cleanup` of it after
    /// its ok `task.finish`): the task's newest checkpoint was then no longer its last verified
    /// step, so a clean-up that keeps only the newest ones would have deleted that step.
    case retentionAfterFinish = "retention-after-finish"
    /// A checkpoint was committed with evidence that cannot prove anything whatever the world
    /// holds (an empty pack, an exit code never observed, a row naming no column; judged on the
    /// final state's `evidence`), or a checkpoint was verified again after the writer removed
    /// its artifact (an ok `checkpoint.recheck` with `artifact_removed`): the core's verifier
    /// was put to the test.
    case vacuousEvidence = "vacuous-evidence"
    /// A write whose reply was lost took effect: a `checkpoint.commit` reported `info` whose
    /// snapshot (`sha256`) is in the final state. The case a core must report as indeterminate,
    /// never as a failure.
    case indeterminateLanded = "indeterminate-landed"

    /// A sentence for `--help`, docs and reports.
    public var meaning: String {
        switch self {
        case .takeover: "a work item acquired by one worker was taken over by another with a higher fencing token"
        case .staleRefused: "a holder whose item was taken over acted on it again: refused (lease-lost), or accepted with its older token (which lease-safety fails)"
        case .faultSurfaced: "each disk-full or io-error fault that fired reached a caller (an op failed or was indeterminate, or the worker exited non-zero)"
        case .restarted: "a worker killed by a fault ran again and acknowledged an op"
        case .killInsideCall: "a kill landed inside a tool call, and a restart found it (re-ran it, or reported it indeterminate)"
        case .renewalDuringSweep: "a lease renewal ran while a sweep that recovered leases was running"
        case .lateRenewal: "a holder's renewal began after its lease could have expired, racing the sweep"
        case .snapshotCorrupted: "a corrupt fault damaged an acknowledged snapshot in the data files, and its worker ran again"
        case .artifactCorrupted: "a corrupt fault changed the artifact an acknowledged checkpoint's evidence names, and its worker ran again"
        case .retentionAfterFinish: "retention cleaned up a task after it ended, when its newest checkpoint was no longer its last verified step"
        case .vacuousEvidence: "a checkpoint was committed with evidence that proves nothing, or verified again after its artifact was removed"
        case .indeterminateLanded: "a commit whose reply was lost (reported info) took effect: its snapshot is in the final state"
        }
    }
}
