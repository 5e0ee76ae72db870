import OrdealSupport
import Testing

@testable import Bench
@testable import BenchKit

/// A clock that moves only when told: operations advance it by their cost, sleeps jump it.
final class FakeClock: BenchClock {
    var now: UInt64 = 1_000_000_000
    func nowNanos() -> UInt64 { now }
    func sleep(untilNanos deadline: UInt64) { now = max(now, deadline) }
}

/// The measuring loop: closed and open loops, and coordinated omission.
@Suite struct LoadLoopTests {
    static let stallAt = 10
    static let stall: UInt64 = 50_000_000  // 50 ms
    static let cost: UInt64 = 100_000  // 0.1 ms

    /// 200 operations of 0.1 ms each, except one that stalls for 50 ms.
    func measure(_ mode: LoopMode) throws -> (LatencyHistogram, BlockOutcome) {
        let clock = FakeClock()
        var histogram = LatencyHistogram()
        let outcome = try LoadLoop.run(first: 0, budget: .iterations(200), mode: mode, clock: clock, histogram: &histogram) { i, _ in
            clock.now += i == Self.stallAt ? Self.stall : Self.cost
        }
        return (histogram, outcome)
    }

    @Test func aClosedLoopHidesAStallBehindOneSample() throws {
        let (histogram, outcome) = try measure(.closed)
        #expect(outcome.count == 200)
        #expect(histogram.count == 200)
        // Only the stalled operation itself is slow: coordinated omission hides the queue.
        #expect(histogram.nanos(atPercentile: 99) < 1_000_000)
        #expect(histogram.maxNanos >= Self.stall)
    }

    @Test func anOpenLoopCountsLatencyFromTheIntendedStartSoTheStallShowsInHighPercentiles() throws {
        // 1,000 ops/s: one intended start per ms. The 50 ms stall delays the ~49 operations
        // scheduled during it, each by the time it waited.
        let (histogram, outcome) = try measure(.open(perSecond: 1_000))
        #expect(outcome.count == 200)
        #expect(histogram.nanos(atPercentile: 90) >= 10_000_000)
        #expect(histogram.nanos(atPercentile: 99) >= 40_000_000)
        #expect(histogram.nanos(atPercentile: 50) < 1_000_000)
        // The operation right after the stall waited almost the whole stall.
        #expect(histogram.maxNanos >= Self.stall)
    }

    @Test func anOpenLoopKeepsItsScheduleWhenOperationsAreFast() throws {
        let clock = FakeClock()
        var histogram = LatencyHistogram()
        let outcome = try LoadLoop.run(first: 0, budget: .iterations(100), mode: .open(perSecond: 1_000), clock: clock, histogram: &histogram) { _, _ in
            clock.now += Self.cost
        }
        // 100 intended starts 1 ms apart: the run spans 99 ms plus the last operation.
        #expect(outcome.wallNanos == 99_000_000 + Self.cost)
        #expect(histogram.maxNanos < 200_000)
    }

    @Test func aDurationBudgetStopsOnceItsTimeIsSpent() throws {
        let clock = FakeClock()
        var histogram = LatencyHistogram()
        let outcome = try LoadLoop.run(first: 0, budget: .duration(nanos: 10_000_000), mode: .closed, clock: clock, histogram: &histogram) { _, _ in
            clock.now += Self.cost
        }
        #expect(outcome.count == 100)
    }

    @Test func prepareRunsOutsideTheClockAndHandsItsValueToTheOperation() throws {
        let clock = FakeClock()
        var histogram = LatencyHistogram()
        var seen: [Int] = []
        _ = try LoadLoop.run(
            first: 5, budget: .iterations(3), mode: .closed, clock: clock, histogram: &histogram,
            prepare: { i in clock.now += 1_000_000_000; return i * 10 }
        ) { _, value in
            seen.append(value as! Int)
            clock.now += Self.cost
        }
        #expect(seen == [50, 60, 70])
        #expect(histogram.maxNanos < 200_000)
    }

    @Test func iterationsAreSplitOverRoundsWithNoneLost() {
        var plan = BenchPlan(backends: ["memory"], directory: "/tmp")
        plan.budget = .iterations(1_003)
        plan.rounds = 20
        let blocks = (0..<20).map { round -> Int in
            if case .iterations(let n) = plan.block(round: round) { return n }
            return -1
        }
        #expect(blocks.reduce(0, +) == 1_003)
        #expect(Set(blocks).isSubset(of: [50, 51]))
    }
}
