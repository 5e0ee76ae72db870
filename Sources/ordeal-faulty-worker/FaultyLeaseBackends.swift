import OrdealSupport
import OrdealSystem
import RecoveryCore

// TEST-ONLY. Lease faults of the storage interface, each one realistic one-line bug.

/// stale-renew: a renewal checks only that the item is in progress, not the fencing token
/// (`UPDATE ... WHERE item_id = ?` without `AND fencing_token = ?`), so a holder whose item was
/// taken over keeps renewing it, and pushes the new holder's expiry around.
final class StaleRenewBackend: ForwardingBackend, @unchecked Sendable {
    override func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        let expires = nowMillis + leaseMillis
        let changed = try sqlite.execute(
            "UPDATE work_items SET lease_expires_at = ?2, updated_at = ?3 WHERE item_id = ?1 AND status = 'in_progress'",
            [.text(itemID), .int(expires), .int(nowMillis)])
        guard changed == 1 else { return try base.renew(itemID: itemID, fencingToken: fencingToken, nowMillis: nowMillis, leaseMillis: leaseMillis) }
        return expires
    }
}

/// coarse-lease-clock: leases are kept in whole seconds (the length rounded up, as a core
/// storing `expires_at` in seconds does), so a 300 ms lease lasts a second.
final class CoarseLeaseClockBackend: ForwardingBackend, @unchecked Sendable {
    static func wholeSeconds(_ millis: Int64) -> Int64 { (millis + 999) / 1000 * 1000 }

    override func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        try base.acquire(holder: holder, nowMillis: nowMillis, leaseMillis: Self.wholeSeconds(leaseMillis))
    }

    override func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        try base.renew(itemID: itemID, fencingToken: fencingToken, nowMillis: nowMillis, leaseMillis: Self.wholeSeconds(leaseMillis))
    }
}

/// unskewed-lease-clock: the sweep reads the time from CLOCK_TAI, a clock the fault shim does
/// not move, instead of the time the core's clock gave it: a clock fault on the sweeper changes
/// nothing the sweep decides, and a scenario resting on that fault must not pass.
final class UnskewedLeaseClockBackend: ForwardingBackend, @unchecked Sendable {
    override func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try base.sweepExpired(nowMillis: Posix.taiMillis(), limit: limit, boundary: boundary)
    }
}

/// long-sweep: the sweep takes every expired lease in one write transaction (the batch limit
/// ignored) and does its per-item work inside it (a 0.1 ms stand-in for a notification or a
/// log write per item), so every heartbeat waits for the whole sweep: renewal latency grows
/// with the number of expired leases.
final class LongSweepBackend: ForwardingBackend, @unchecked Sendable {
    static let perItemNanos: UInt64 = 100_000

    override func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try base.sweepExpired(nowMillis: nowMillis, limit: Int(Int32.max)) { item in
            Posix.sleep(nanos: Self.perItemNanos)
            return try boundary?(item)
        }
    }
}

/// fail-one-attempt-early: the sweep fails an item when the lease it recovers leaves one
/// attempt (`attempts + 2 >= max_attempts`, an off-by-one of `attempts + 1`), so an item is
/// failed after max_attempts - 1 expired leases.
final class FailEarlyBackend: ForwardingBackend, @unchecked Sendable {
    override func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        let swept = try base.sweepExpired(nowMillis: nowMillis, limit: limit, boundary: boundary)
        let pending = swept.filter { $0.newStatus == .pending }.map(\.itemID)
        guard !pending.isEmpty else { return swept }
        let maxOf = Dictionary(uniqueKeysWithValues: try base.workItems(status: nil, ids: pending).map { ($0.id, $0.maxAttempts) })
        return try swept.map { item in
            guard item.newStatus == .pending, let max = maxOf[item.itemID], item.attempts + 1 >= max else { return item }
            return try restate(
                item, .failed, "error = 'lease expired on attempt ' || attempts || ' of ' || max_attempts", from: "pending")
        }
    }
}

/// never-fail-expired: the sweep puts every expired lease back to pending, whatever its
/// attempts (the `max_attempts` test left out), so an item is leased again and again.
final class NeverFailBackend: ForwardingBackend, @unchecked Sendable {
    override func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try base.sweepExpired(nowMillis: nowMillis, limit: limit, boundary: boundary).map { item in
            guard item.newStatus == .failed else { return item }
            return try restate(item, .pending, "error = NULL", from: "failed")
        }
    }
}

extension ForwardingBackend {
    /// Moves a swept item from status `from` to `status` with raw SQL (also setting `also`),
    /// and reports it swept to that status: how the attempt faults bend a correct sweep.
    func restate(_ item: SweptItem, _ status: WorkItemStatus, _ also: String, from: String) throws -> SweptItem {
        _ = try sqlite.execute(
            "UPDATE work_items SET status = ?2, \(also) WHERE item_id = ?1 AND status = ?3",
            [.text(item.itemID), .text(status.rawValue), .text(from)])
        var changed = item
        changed.newStatus = status
        return changed
    }
}

/// sweep-race: the sweep reads the expired leases, then (after 30 ms of per-item bookkeeping,
/// which widens the window a slow machine would leave) writes each back by id only
/// (`UPDATE ... WHERE item_id = ?`, the expiry not re-checked), so a renewal that landed
/// between the read and the write is overwritten: a live lease is dropped, its holder refused.
final class SweepRaceBackend: ForwardingBackend, @unchecked Sendable {
    static let readToWriteNanos: UInt64 = 30_000_000

    override func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        let expired = try base.workItems(status: .inProgress, ids: nil)
            .filter { ($0.leaseExpiresAtMillis ?? .max) <= nowMillis }.prefix(limit)
        guard !expired.isEmpty else { return [] }
        Posix.sleep(nanos: Self.readToWriteNanos)
        return try expired.map { item in
            let fails = item.attempts + 1 >= item.maxAttempts
            _ = try sqlite.execute(
                """
                UPDATE work_items SET attempts = attempts + 1, status = ?2, lease_holder = NULL, lease_expires_at = NULL,
                    updated_at = ?3 WHERE item_id = ?1
                """, [.text(item.id), .text(fails ? "failed" : "pending"), .int(nowMillis)])
            return SweptItem(
                itemID: item.id, taskID: item.taskID, newStatus: fails ? .failed : .pending, attempts: item.attempts + 1,
                fencingToken: item.fencingToken)
        }
    }
}

/// fencing-blind: a release (completion) with a stale token is sent with the item's current
/// token instead, read just before: the core ignores the fencing token, on any backend, so a
/// holder cut off past its lease can still complete the item another worker took over.
final class FencingBlindBackend: ForwardingBackend, @unchecked Sendable {
    override func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        let current = try base.workItems(status: nil, ids: [itemID]).first?.fencingToken ?? fencingToken
        try base.release(itemID: itemID, fencingToken: max(current, fencingToken), outcome: outcome, nowMillis: nowMillis)
    }
}
