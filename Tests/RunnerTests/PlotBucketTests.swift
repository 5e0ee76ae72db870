import OrdealSupport
import Testing

@testable import OrdealRunner
import OrdealModel

/// The plots' time bucket follows the scenario's length, and their throughput line runs to the
/// scenario's end (issue #12, point 9).
@Suite struct PlotBucketTests {
    @Test func theBucketGivesAShortScenarioTensOfPointsAndALongOneAtMostSixty() {
        #expect(PlotBuckets.millis(forSpan: 500) == 10)
        #expect(PlotBuckets.millis(forSpan: 1_070) == 20)
        #expect(PlotBuckets.millis(forSpan: 6_000) == 100)
        #expect(PlotBuckets.millis(forSpan: 3_600_000) == 10_000)
    }

    @Test func throughputKeepsTheEmptyBucketsUpToTheScenariosEnd() {
        let ops = (0..<35).map { i in
            HistoryEvent([
                "type": "op", "op": "lease.complete", "key": .string("i\(i)"), "outcome": "ok", "worker": "w-0",
                "incarnation": 0, "t_ms": .double(Double(i) * 10), "latency_us": 100,
            ])
        }
        let scenario = Scenario(name: "s", workers: [WorkerGroup(name: "w", role: "lease-worker")])
        let result = Analysis.analyze(
            scenario: scenario, seed: 1, history: History(ops), final: nil, faults: [], problems: [], durationMillis: 1_070,
            folder: "scenarios/s")
        #expect(result.plotBucketMillis == 20)
        #expect(result.plotThroughput.count >= 54, "the line reaches 1.07 s: \(result.plotThroughput.count) buckets")
        #expect(result.plotThroughput.prefix(17).allSatisfy { $0 == 2 } && result.plotThroughput.suffix(30).allSatisfy { $0 == 0 })
        #expect(result.latencyTimeline["lease.complete"]?.count == 18)
    }
}
