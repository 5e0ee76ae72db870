import Dispatch
import Synchronization

/// Renews a lease on its own schedule until stopped (or dropped). Each renewal is reported
/// through `onRenewed` (the renewed lease and how long the renewal took). The first failed renewal
/// ends it and is reported at once through `onLost` and `lostError`: a lease-lost error is
/// final, and any other error means the holder can no longer prove it holds the lease, so it
/// must stop too.
public final class Heartbeat: Sendable {
    /// What the renewing thread shares with the handle. The thread holds only this, never the
    /// `Heartbeat`, so dropping the handle runs `deinit`, which stops the thread.
    private final class Core: Sendable {
        struct State {
            var stopped = false
            var lost: RecoveryError?
            var renewals = 0
        }

        let state = Mutex(State())
        let wake = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
    }

    private let core = Core()

    init(
        manager: LeaseManager, lease: Lease, intervalMillis: Int64,
        onRenewed: @escaping @Sendable (Lease, _ latencyNanos: UInt64) -> Void,
        onLost: @escaping @Sendable (RecoveryError) -> Void
    ) {
        precondition(intervalMillis > 0, "heartbeat interval must be positive")
        let core = self.core
        DispatchQueue(label: "ordeal.heartbeat.\(lease.itemID)").async {
            defer { core.done.signal() }
            var current = lease
            while true {
                // Waits one interval, or returns early when stop() signals.
                if core.wake.wait(timeout: .now() + .milliseconds(Int(intervalMillis))) == .success { return }
                if core.state.withLock({ $0.stopped }) { return }
                do {
                    let start = DispatchTime.now().uptimeNanoseconds
                    current = try manager.renew(current)
                    core.state.withLock { $0.renewals += 1 }
                    onRenewed(current, DispatchTime.now().uptimeNanoseconds - start)
                } catch {
                    let lost = (error as? RecoveryError) ?? RecoveryError(.storage, "\(error)")
                    core.state.withLock { $0.lost = lost }
                    onLost(lost)
                    return
                }
            }
        }
    }

    /// The error that ended the heartbeat, if the lease was lost.
    public var lostError: RecoveryError? { core.state.withLock { $0.lost } }

    public var renewals: Int { core.state.withLock { $0.renewals } }

    /// Stops renewing and waits until the renewing thread has finished.
    public func stop() {
        let first = core.state.withLock { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        guard first else { return }
        core.wake.signal()
        core.done.wait()
    }

    deinit { stop() }
}
