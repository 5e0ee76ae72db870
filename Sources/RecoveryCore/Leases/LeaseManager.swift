/// Work-item leases for one holder: acquire, renew (heartbeat) and release, all fenced by
/// the token `acquire` returns. A holder whose lease was taken over gets `leaseLost` and
/// can neither complete the item nor overwrite its output.
public struct LeaseManager: Sendable {
    public let store: any LeaseStore
    public let clock: any RecoveryClock
    /// Who holds the leases this manager takes (recorded on the item, for people reading it).
    public let holder: String
    public let leaseMillis: Int64

    public init(store: any LeaseStore, holder: String, leaseMillis: Int64 = 300_000, clock: any RecoveryClock = SystemClock()) {
        precondition(leaseMillis > 0, "leaseMillis must be positive")
        self.store = store
        self.holder = holder
        self.leaseMillis = leaseMillis
        self.clock = clock
    }

    public func add(_ items: [NewWorkItem]) throws {
        try store.addWorkItems(items, nowMillis: clock.nowMillis())
    }

    /// Claims the best pending item (highest priority, then oldest), else an expired lease with
    /// an attempt left; nil when there is nothing to do.
    public func acquire() throws -> Lease? {
        try store.acquire(holder: holder, nowMillis: clock.nowMillis(), leaseMillis: leaseMillis)
    }

    /// Extends the lease by `leaseMillis` from now; throws `leaseLost` when the token is stale.
    public func renew(_ lease: Lease) throws -> Lease {
        var renewed = lease
        renewed.expiresAtMillis = try store.renew(
            itemID: lease.itemID, fencingToken: lease.fencingToken, nowMillis: clock.nowMillis(), leaseMillis: leaseMillis)
        return renewed
    }

    public func complete(_ lease: Lease, output: String) throws {
        try store.release(itemID: lease.itemID, fencingToken: lease.fencingToken, outcome: .completed(output: output), nowMillis: clock.nowMillis())
    }

    public func fail(_ lease: Lease, error: String) throws {
        try store.release(itemID: lease.itemID, fencingToken: lease.fencingToken, outcome: .failed(error: error), nowMillis: clock.nowMillis())
    }

    /// Gives the item back for another attempt (or fails it when none is left).
    public func retry(_ lease: Lease, error: String) throws {
        try store.release(itemID: lease.itemID, fencingToken: lease.fencingToken, outcome: .retry(error: error), nowMillis: clock.nowMillis())
    }

    /// Starts renewing `lease` every `intervalMillis` on a thread of its own.
    public func heartbeat(
        for lease: Lease, intervalMillis: Int64,
        onLost: @escaping @Sendable (RecoveryError) -> Void = { _ in },
        onRenewed: @escaping @Sendable (Lease, _ latencyNanos: UInt64) -> Void = { _, _ in }
    ) -> Heartbeat {
        Heartbeat(manager: self, lease: lease, intervalMillis: intervalMillis, onRenewed: onRenewed, onLost: onLost)
    }
}
