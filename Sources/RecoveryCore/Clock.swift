import Synchronization

/// Where the core reads the time (milliseconds since the Unix epoch): leases, TTLs and
/// timestamps. Tests and faults substitute their own.
public protocol RecoveryClock: Sendable {
    func nowMillis() -> Int64
}

/// The wall clock (`CLOCK_REALTIME`): what a real deployment uses, and what clock-skew faults move.
public struct SystemClock: RecoveryClock {
    public init() {}
    public func nowMillis() -> Int64 { Posix.realtimeMillis() }
}

/// A clock that moves only when told to.
public final class ManualClock: RecoveryClock {
    private let now: Mutex<Int64>

    public init(startMillis: Int64 = 1_700_000_000_000) { now = Mutex(startMillis) }

    public func nowMillis() -> Int64 { now.withLock { $0 } }

    public func advance(byMillis delta: Int64) { now.withLock { $0 += delta } }

    public func set(millis: Int64) { now.withLock { $0 = millis } }
}

/// A monotonic stopwatch for durations (never the wall clock).
public struct Stopwatch: Sendable {
    /// When the stopwatch started, on `CLOCK_MONOTONIC` (the clock workers stamp events with).
    public let startNanos = Posix.monotonicNanos()
    public init() {}
    public var elapsedNanos: UInt64 { Posix.monotonicNanos() - startNanos }
    public var elapsedMillis: Double { Double(elapsedNanos) / 1_000_000 }
    public static func nowNanos() -> UInt64 { Posix.monotonicNanos() }
}
