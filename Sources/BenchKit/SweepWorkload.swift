import OrdealSystem
import OrdealSupport
import RecoveryCore

extension Workloads {
    /// The prefix of the sweep operations: `sweep.expired_N` sweeps N expired leases.
    public static let sweepPrefix = "sweep.expired_"

    /// N of `sweep.expired_N`, or nil for any other name.
    public static func sweepSize(_ op: String) -> Int? {
        guard op.hasPrefix(sweepPrefix), let n = Int(op.dropFirst(sweepPrefix.count)), n >= 1 else { return nil }
        return n
    }

    /// `sweep.expired_N`: each instance stores N work items and leases them all with a lease
    /// that has expired by the time it is swept (prepared, not measured), then measures one
    /// `RecoverySweep.runOnce`, which must recover every one. What an instance leaves pending is
    /// completed by the next one's preparation, so each sweep finds only its own N.
    public static func sweep(size: Int, backend: any RecoveryBackend, tag: String) -> Workload {
        let clock = ManualClock(startMillis: SystemClock().nowMillis())
        let leases = LeaseManager(store: backend, holder: "bench-sweeper-\(tag)", leaseMillis: 1, clock: clock)
        let sweep = RecoverySweep(store: backend, clock: clock)
        return Workload(name: sweepPrefix + "\(size)", prepare: { (i: Int) throws in
            while let lease = try leases.acquire() { try leases.complete(lease, output: "{}") }
            try leases.add((0..<size).map { NewWorkItem(id: "sweep-\(size)-\(tag)-\(i)-\($0)", maxAttempts: 1_000) })
            for _ in 0..<size {
                guard try leases.acquire() != nil else { throw Miss(what: "a sweep's work item could not be leased") }
            }
            clock.advance(byMillis: 10)
            // A backend on its server's clock (PostgreSQL) ignores the caller's time for expiry:
            // the 1 ms leases must expire in real time too.
            Posix.sleep(nanos: 5_000_000)
        }) { (_: Void) throws in
            let result = try sweep.runOnce()
            guard result.recovered == size else {
                throw Miss(what: "the sweep on \(backend.spec) recovered \(result.recovered) of \(size) expired leases")
            }
        }
    }
}
