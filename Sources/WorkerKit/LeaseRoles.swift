import OrdealSystem
import OrdealSupport
import RecoveryCore
import Synchronization

/// `lease-worker --items N --lease-ms MS [--work-ms MS] [--heartbeat-ms MS] [--holder NAME]
/// [--seed-items true|false]`: works through the work items `item-0..item-(N-1)` under leases.
/// Each item is acquired (`lease.acquire`), worked on for MS (with --heartbeat-ms, the core's
/// Heartbeat renews it every interval, each renewal reported as `lease.renew`, and each interval
/// of work is an effect reported as `lease.work`; the work stops when a renewal is refused), then completed with the output
/// `done by HOLDER token T` (`lease.complete`, or `fail` with `lease-lost` when the lease
/// was taken over). The worker stops when nothing is pending or in progress; while others
/// hold items it polls every 20 ms, ready to take over a lease that expires.
///
/// `--prefix P` names the items `P-0..`; `--start-delay-ms MS` waits before the first acquire
/// (so that another worker holds the items first); `--abandon true` acquires up to `--items`
/// leases and exits 0 without completing any, leaving them to expire (for sweep scenarios);
/// `--take N` stops after N acquisitions (a holder that works on one item beside a sweep).
public enum LeaseWorkerRole {
    static let pollMillis = 20

    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        try run(options: options, backend: backend, events: events, stopsWhenLost: true)
    }

    /// The role; `stopsWhenLost: false` is the zombie of `ordeal-faulty-worker` (it keeps working
    /// on an item after its heartbeat reported the lease lost).
    public static func run(
        options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter, stopsWhenLost: Bool
    ) throws -> Int {
        let manager = try makeManager(options: options, store: backend)
        let workMillis = try options.int("work-ms", default: 0)
        let heartbeatMillis = try options.int("heartbeat-ms", default: 0)
        try seedItems(options: options, manager: manager)
        let startDelay = try options.int("start-delay-ms", default: 0)
        if startDelay > 0 { Posix.sleep(millis: startDelay) }
        let take = try options.int("take", default: Int.max)
        guard take >= 1 else { throw WorkerOptions.UsageError(description: "ordeal-worker: --take must be at least 1, not \(take)") }
        var ops = 0
        var taken = 0
        if try options.bool("abandon") ?? false {
            // Pending items are acquired before expired ones, so the first `items` acquisitions
            // are each item once; stopping there leaves every item with one expired lease.
            let limit = try options.int("items", default: 10)
            while ops < limit {
                let (acquired, nanos) = try timed { try manager.acquire() }
                guard let lease = acquired else { break }
                events.op("lease.acquire", key: lease.itemID, outcome: .ok, latencyNanos: nanos, value: acquireValue(lease, manager))
                ops += 1
            }
            return ops
        }
        while taken < take {
            let (acquired, nanos) = try timed { try manager.acquire() }
            guard let lease = acquired else {
                if try openItems(backend) == 0 { break }
                Posix.sleep(millis: pollMillis)
                continue
            }
            events.op(
                "lease.acquire", key: lease.itemID, outcome: .ok, latencyNanos: nanos, value: acquireValue(lease, manager))
            ops += 1
            taken += 1
            let (held, renewals) = try work(
                on: lease, manager: manager, millis: workMillis, heartbeatMillis: heartbeatMillis, events: events,
                stopsWhenLost: stopsWhenLost)
            ops += renewals
            guard let held else { continue }
            try complete(held, manager: manager, events: events)
            ops += 1
        }
        return ops
    }

    /// The lease manager the options describe: holder `--holder` (default `lease-worker-PID`),
    /// leases of `--lease-ms` (default 30 s).
    public static func makeManager(options: WorkerOptions, store: any LeaseStore) throws -> LeaseManager {
        let leaseMillis = try options.int("lease-ms", default: 30_000)
        guard leaseMillis > 0 else {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --lease-ms must be at least 1")
        }
        return LeaseManager(
            store: store, holder: options.string("holder", default: "lease-worker-\(Posix.pid)"),
            leaseMillis: Int64(leaseMillis))
    }

    /// Adds `item-0..item-(N-1)` when `--seed-items true`, or (without the option) when no work
    /// item exists yet. Items are added one at a time, so an item a concurrent seeder already
    /// added is skipped rather than failing the rest.
    public static func seedItems(options: WorkerOptions, manager: LeaseManager) throws {
        let count = try options.int("items", default: 10)
        let prefix = options.string("prefix", default: "item")
        let maxAttempts = try options.int("max-attempts", default: 3)
        guard maxAttempts >= 1 else {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --max-attempts must be at least 1, not \(maxAttempts)")
        }
        let seed = try options.bool("seed-items") ?? manager.store.workItems(status: nil, ids: nil).isEmpty
        guard seed else { return }
        for i in 0..<count {
            do {
                try manager.add([NewWorkItem(id: "\(prefix)-\(i)", maxAttempts: Int64(maxAttempts))])
            } catch let error as RecoveryError where error.code == .duplicateWorkItem {
                continue
            }
        }
    }

    /// Items still pending or in progress (by anyone).
    static func openItems(_ store: any LeaseStore) throws -> Int {
        try store.workItems(status: .pending, ids: nil).count + store.workItems(status: .inProgress, ids: nil).count
    }

    /// Works `millis` on the item. With `heartbeatMillis` positive the core's `Heartbeat`
    /// renews the lease on a thread of its own (each renewal reported as `lease.renew`, a refused
    /// one as `fail` with the error) and the work goes in units of one interval, each an effect
    /// reported as `lease.work` `{token, unit}`: the unit is reported only while the lease is
    /// held (the check and the report under one lock that the lost-lease report takes too, so the
    /// history never shows a unit after the refusal that ended it). Returns the lease as last
    /// renewed, or nil when it was lost, and how many op lines it wrote.
    static func work(
        on lease: Lease, manager: LeaseManager, millis: Int, heartbeatMillis: Int, events: EventWriter,
        stopsWhenLost: Bool = true
    ) throws -> (Lease?, Int) {
        guard heartbeatMillis > 0 else {
            if millis > 0 { Posix.sleep(millis: millis) }
            return (lease, 0)
        }
        let state = Mutex(HeldLease(current: lease))
        let heartbeat = manager.heartbeat(
            for: lease, intervalMillis: Int64(heartbeatMillis),
            onLost: { error in
                state.withLock { s in
                    s.lost = true
                    s.reported += 1
                    events.op(
                        "lease.renew", key: lease.itemID, outcome: .fail, latencyNanos: 0,
                        value: ["token": .int(lease.fencingToken)], error: "\(error)")
                }
            },
            onRenewed: { renewed, nanos in
                state.withLock { s in
                    s.current = renewed
                    s.reported += 1
                    events.op(
                        "lease.renew", key: lease.itemID, outcome: .ok, latencyNanos: nanos,
                        value: [
                            "token": .int(renewed.fencingToken), "expires_at_ms": .int(renewed.expiresAtMillis),
                            "lease_ms": .int(manager.leaseMillis),
                        ])
                }
            })
        var remaining = millis
        var unit: Int64 = 0
        while remaining > 0 {
            let slice = min(heartbeatMillis, remaining)
            Posix.sleep(millis: slice)
            remaining -= slice
            unit += 1
            let stop = state.withLock { s -> Bool in
                if s.lost && stopsWhenLost { return true }
                s.reported += 1
                events.op(
                    "lease.work", key: lease.itemID, outcome: .ok, latencyNanos: UInt64(slice) * 1_000_000,
                    value: ["token": .int(lease.fencingToken), "unit": .int(unit)])
                return false
            }
            if stop { break }
        }
        heartbeat.stop()
        return state.withLock { s in (s.lost && stopsWhenLost ? nil : s.current, s.reported) }
    }

    /// What the work loop and the heartbeat's callbacks share.
    struct HeldLease {
        var current: Lease
        var lost = false
        var reported = 0
    }

    /// An acquisition's value: the token, and the lease's length (lease-safety's
    /// `lease-lost-before-expiry` holds the core to it).
    static func acquireValue(_ lease: Lease, _ manager: LeaseManager) -> JSONValue {
        ["token": .int(lease.fencingToken), "lease_ms": .int(manager.leaseMillis)]
    }

    /// Completes the item; a refusal because the lease was taken over is reported as `fail`.
    static func complete(_ lease: Lease, manager: LeaseManager, events: EventWriter) throws {
        let output = "done by \(manager.holder) token \(lease.fencingToken)"
        do {
            let ((), nanos) = try timed { try manager.complete(lease, output: output) }
            events.op(
                "lease.complete", key: lease.itemID, outcome: .ok, latencyNanos: nanos,
                value: ["token": .int(lease.fencingToken), "output": .string(output)])
        } catch let error as RecoveryError where error.code == .leaseLost || error.code == .workItemNotFound {
            events.op(
                "lease.complete", key: lease.itemID, outcome: .fail, latencyNanos: 0,
                value: ["token": .int(lease.fencingToken)], error: "\(error)")
        } catch {
            // The COMMIT itself may have failed after the write: the outcome is unknown.
            events.op(
                "lease.complete", key: lease.itemID, outcome: .info, latencyNanos: 0,
                value: ["token": .int(lease.fencingToken), "output": .string(output)], error: "\(error)")
            throw error
        }
    }
}

/// `sweeper --interval-ms MS [--rounds N] [--until-idle true] [--expect-recovered N]
/// [--start-delay-ms MS]`: runs the recovery sweep every MS (the first after the start delay),
/// reporting each pass as `sweep.run`. It stops after N rounds (default 1), or with
/// `--until-idle true` once no item is pending or in progress (after at least one round, and
/// once some item exists: a sweeper started before the items are seeded waits for them).
/// A pass that throws is reported as `info`; three in a row end the role. With
/// `--expect-recovered N` it exits 1 unless its passes recovered exactly N leases in all.
enum SweeperRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let interval = try options.int("interval-ms", default: 100)
        let untilIdle = try options.bool("until-idle") ?? false
        let rounds = try options.int("rounds", default: untilIdle ? Int.max : 1)
        let expected = try options.int("expect-recovered", default: -1)
        let startDelay = try options.int("start-delay-ms", default: 0)
        if startDelay > 0 { Posix.sleep(millis: startDelay) }
        var recovered = 0
        let sweep = RecoverySweep(store: backend)
        var round = 0
        var failuresInARow = 0
        var seenItems = false
        while true {
            round += 1
            do {
                let (result, nanos) = try timed { try sweep.runOnce() }
                events.op(
                    "sweep.run", key: "sweep", outcome: .ok, latencyNanos: nanos,
                    value: [
                        "recovered": .int(Int64(result.recovered)), "failed": .int(Int64(result.failed)),
                        "duration_us": .double((Double(nanos) / 100).rounded() / 10),
                    ])
                failuresInARow = 0
                recovered += result.recovered
            } catch {
                events.op("sweep.run", key: "sweep", outcome: .info, latencyNanos: 0, error: "\(error)")
                failuresInARow += 1
                if failuresInARow >= 3 { throw error }
            }
            if round >= rounds { break }
            if untilIdle {
                seenItems = try seenItems || !backend.workItems(status: nil, ids: nil).isEmpty
                if seenItems, try LeaseWorkerRole.openItems(backend) == 0 { break }
            }
            Posix.sleep(millis: interval)
        }
        if expected >= 0, recovered != expected {
            throw RecoveryError(
                .invalidArgument, "the sweep recovered \(recovered) expired leases, expected \(expected) (--expect-recovered)")
        }
        return round
    }
}
