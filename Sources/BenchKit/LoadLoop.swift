import OrdealSupport
import OrdealSystem
import RecoveryCore

/// How operations are issued.
public enum LoopMode: Sendable, Hashable {
    /// Each worker issues the next operation when the last returns.
    case closed
    /// Each worker issues operations at a target rate; latency counts from the intended start
    /// (`start + i / rate`), so an operation held up behind a stall counts the time it waited:
    /// no coordinated omission.
    case open(perSecond: Double)

    /// `closed` or `open@RATE/s`: the `loop` field of the JSON rows.
    public var name: String {
        switch self {
        case .closed: "closed"
        case .open(let rate): "open@\(fmt(rate, digits: 1))/s"
        }
    }

    /// One sentence for the report saying which loop ran.
    public var sentence: String {
        switch self {
        case .closed: "closed loop: each worker issues the next operation when the last returns"
        case .open(let rate):
            "open loop at \(fmt(rate, digits: 1)) ops/s per worker: latency counts from each operation's intended start, so stalls are not hidden"
        }
    }
}

/// How much to measure: a count of operations, or a length of time.
public enum BenchBudget: Sendable, Hashable {
    case iterations(Int)
    case duration(nanos: UInt64)
}

/// The clock the loop reads and sleeps on; tests give it a fake one to make stalls exact.
public protocol BenchClock {
    func nowNanos() -> UInt64
    func sleep(untilNanos: UInt64)
}

/// `CLOCK_MONOTONIC`, the clock every process of a run shares.
public struct MonotonicClock: BenchClock {
    public init() {}
    public func nowNanos() -> UInt64 { Stopwatch.nowNanos() }
    public func sleep(untilNanos deadline: UInt64) {
        while true {
            let now = Stopwatch.nowNanos()
            guard now < deadline else { return }
            let left = deadline - now
            // Sleep coarse, then spin the last 500 µs: a sleep on a busy machine overshoots by
            // 50-200 µs (timer slack and wake-up), which would count as the system's latency.
            if left > 1_000_000 { Posix.sleep(nanos: left - 500_000) }
        }
    }
}

/// What one measured block did.
public struct BlockOutcome: Sendable, Hashable {
    public var count: Int
    /// From the first operation's (intended) start to the last one's end.
    public var wallNanos: UInt64
    public var startNanos: UInt64
    public var endNanos: UInt64

    public init(count: Int, wallNanos: UInt64, startNanos: UInt64, endNanos: UInt64) {
        self.count = count
        self.wallNanos = wallNanos
        self.startNanos = startNanos
        self.endNanos = endNanos
    }
}

/// The measuring loop: the only place latencies are taken.
public enum LoadLoop {
    /// Runs `op(first + k)` for k = 0, 1, ... until the budget is spent, recording each latency
    /// in `histogram`. `prepare`, when given, runs before each operation outside the clock, and
    /// in an open loop before the operation's intended start is reached.
    public static func run(
        first: Int, budget: BenchBudget, mode: LoopMode, clock: some BenchClock = MonotonicClock(),
        histogram: inout LatencyHistogram, prepare: ((Int) throws -> Any)? = nil, op: (Int, Any?) throws -> Void
    ) throws -> BlockOutcome {
        let start = clock.nowNanos()
        var count = 0
        var last = start
        let interval: Double? = if case .open(let rate) = mode { 1e9 / rate } else { nil }
        while true {
            if case .iterations(let n) = budget, count >= n { break }
            if case .duration(let nanos) = budget, last - start >= nanos { break }
            let i = first + count
            let prepared = try prepare?(i)
            let began: UInt64
            if let interval {
                // The schedule does not wait for late operations: a stall makes the next ones
                // start late, and their latency includes the wait.
                began = start + UInt64(Double(count) * interval)
                clock.sleep(untilNanos: began)
            } else {
                began = clock.nowNanos()
            }
            try op(i, prepared)
            last = clock.nowNanos()
            histogram.record(nanos: last > began ? last - began : 0)
            count += 1
        }
        return BlockOutcome(count: count, wallNanos: last - start, startNanos: start, endNanos: last)
    }
}
