import OrdealSystem
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
