import Dispatch
import Synchronization

/// Renews a lease on its own schedule until stopped. The first failed renewal ends it and is
/// reported at once through `onLost` and `lostError`: a lease-lost error is final, and any
/// other error means the holder can no longer prove it holds the lease, so it must stop too.
public final class Heartbeat: Sendable {
    private struct State {
        var stopped = false
        var lost: RecoveryError?
        var renewals = 0
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(
        manager: LeaseManager, lease: Lease, intervalMillis: Int64, onLost: @escaping @Sendable (RecoveryError) -> Void
    ) {
        precondition(intervalMillis > 0, "heartbeat interval must be positive")
        let thread = DispatchQueue(label: "ordeal.heartbeat.\(lease.itemID)")
        thread.async { [self] in
            defer { done.signal() }
            var current = lease
            while true {
                // Waits one interval, or returns early when stop() signals.
                if wake.wait(timeout: .now() + .milliseconds(Int(intervalMillis))) == .success { return }
                if state.withLock({ $0.stopped }) { return }
                do {
                    current = try manager.renew(current)
                    state.withLock { $0.renewals += 1 }
                } catch {
                    let lost = (error as? RecoveryError) ?? RecoveryError(.storage, "\(error)")
                    state.withLock { $0.lost = lost }
                    onLost(lost)
                    return
                }
            }
        }
    }

    /// The error that ended the heartbeat, if the lease was lost.
    public var lostError: RecoveryError? { state.withLock { $0.lost } }

    public var renewals: Int { state.withLock { $0.renewals } }

    /// Stops renewing and waits until the renewing thread has finished.
    public func stop() {
        let first = state.withLock { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        guard first else { return }
        wake.signal()
        done.wait()
    }

    deinit { stop() }
}
