import OrdealSupport
import Foundation
import Testing

@testable import Bench
@testable import BenchKit

/// Baselines: a regression beyond tolerance fails with exit 5 and names the operation and
/// percentile; within tolerance and improvements pass.
@Suite struct BaselineComparisonTests {
    func row(_ op: String, p50: Double, p99: Double, backend: String = "sqlite:normal", workers: Int = 1) -> BenchRow {
        var r = BenchRow(
            backend: backend, durability: "normal", workers: workers, op: op, loop: "closed",
            latency: .init(count: 100, p50_us: p50, p95_us: p99, p99_us: p99, p999_us: p99, max_us: p99), opsPerSecond: 1000)
        r.p95_us = (p50 + p99) / 2
        return r
    }

    let p99 = Tolerance(percentile: .p99, percent: 10)

    @Test func aPercentileWorseThanTheToleranceIsARegressionWithExitFive() {
        let comparison = BaselineComparison.compare(
            current: [row("checkpoint.commit", p50: 30, p99: 120)], baseline: [row("checkpoint.commit", p50: 30, p99: 100)],
            tolerances: [p99])
        #expect(comparison.exitStatus.rawValue == 5)
        #expect(comparison.regressions.count == 1)
        let sentence = comparison.regressions[0].description
        #expect(sentence.contains("checkpoint.commit"))
        #expect(sentence.contains("p99"))
        #expect(sentence.contains("sqlite:normal"))
        #expect(sentence.contains("20.0% above"))
        #expect(comparison.lines(baselineName: "main").last?.contains("exit 5") == true)
    }

    @Test func aChangeWithinTheToleranceExitsZero() {
        let comparison = BaselineComparison.compare(
            current: [row("cache.hit", p50: 5, p99: 109)], baseline: [row("cache.hit", p50: 5, p99: 100)], tolerances: [p99])
        #expect(comparison.exitStatus.rawValue == 0)
        #expect(comparison.regressions.isEmpty)
        #expect(comparison.compared == 1)
    }

    @Test func anImprovementNeverFailsARun() {
        let comparison = BaselineComparison.compare(
            current: [row("cache.hit", p50: 1, p99: 2)], baseline: [row("cache.hit", p50: 5, p99: 100)],
            tolerances: [Tolerance(percentile: .p50, percent: 0), p99])
        #expect(comparison.exitStatus.rawValue == 0)
        #expect(comparison.compared == 2)
    }

    @Test func onlyThePercentilesGivenAreCompared() {
        // p50 doubled, but only p99 has a tolerance.
        let comparison = BaselineComparison.compare(
            current: [row("ledger.replay", p50: 10, p99: 100)], baseline: [row("ledger.replay", p50: 5, p99: 100)], tolerances: [p99])
        #expect(comparison.exitStatus.rawValue == 0)
        let strict = BaselineComparison.compare(
            current: [row("ledger.replay", p50: 10, p99: 100)], baseline: [row("ledger.replay", p50: 5, p99: 100)],
            tolerances: [Tolerance(percentile: .p50, percent: 20), p99])
        #expect(strict.regressions.map(\.tolerance.percentile) == [.p50])
    }

    @Test func rowsAreMatchedByBackendWorkersOperationAndLoop() {
        let comparison = BaselineComparison.compare(
            current: [row("cache.hit", p50: 5, p99: 500, workers: 2), row("cache.hit", p50: 5, p99: 500, backend: "memory")],
            baseline: [row("cache.hit", p50: 5, p99: 100)], tolerances: [p99])
        #expect(comparison.exitStatus.rawValue == 0)
        #expect(comparison.unmatched.count == 2)
        #expect(comparison.lines(baselineName: "main").contains { $0.contains("not in baseline main") })
    }
}

/// `--max-regression PERCENTILE=PERCENT`.
@Suite struct ToleranceParsingTests {
    @Test func validTolerancesParse() throws {
        #expect(try Tolerance.parse("p99=10%") == Tolerance(percentile: .p99, percent: 10))
        #expect(try Tolerance.parse("p50=20") == Tolerance(percentile: .p50, percent: 20))
        #expect(try Tolerance.parse("p999=5%") == Tolerance(percentile: .p999, percent: 5))
        #expect(try Tolerance.parse("p99.9=2.5%") == Tolerance(percentile: .p999, percent: 2.5))
        #expect(try Tolerance.parse("max=0%") == Tolerance(percentile: .max, percent: 0))
    }

    @Test(arguments: [
        ("p98=10%", "unknown percentile p98"), ("p99", "PERCENTILE=PERCENT"), ("p99=-5%", "0 or more"),
        ("p99=fast", "0 or more"), ("=10%", "unknown percentile"), ("p99=10%=3", "PERCENTILE=PERCENT"),
    ])
    func badTolerancesAreRejectedNamingTheFlag(text: String, expected: String) {
        #expect {
            try Tolerance.parse(text)
        } throws: { error in
            guard let error = error as? BenchError else { return false }
            return error.code == .badTolerance && error.message.contains("--max-regression") && error.message.contains(expected)
        }
    }
}

/// Saved baselines: where they go, what they hold, and the errors that name the fix.
@Suite struct BaselineStoreTests {
    func store() -> BaselineStore {
        BaselineStore(directory: NSTemporaryDirectory() + "bench-baselines-\(UUID().uuidString.prefix(8))")
    }

    @Test func aSavedBaselineLoadsWithItsRowsAndHistograms() throws {
        let store = store()
        var histogram = LatencyHistogram()
        histogram.record(nanos: 5_000)
        let key = BenchKey(backend: "memory", workers: 1, op: "cache.hit", loop: "closed")
        var cells = BenchCells()
        cells.add(key, durability: "none", histogram: histogram, wallNanos: 1_000)
        let outcome = BenchOutcome(
            report: BenchReport(results: cells.rows, meta: ["loop": "closed"]), histograms: cells.histograms, peakResidentKiB: nil,
            largestWorkerKiB: 0)
        try store.requireWritable("main")
        let path = try store.save("main", outcome: outcome)
        #expect(path == store.directory + "/main.json")
        let loaded = try store.load("main")
        #expect(loaded.results == cells.rows)
        #expect(loaded.histograms.first?.histogram.count == 1)
        #expect(loaded.histograms.first?.key == key)
    }

    @Test func aMissingBaselineSaysHowToSaveOne() throws {
        let error = try #require(throws: BenchError.self) { try store().load("nightly") }
        #expect(error.code == .badBaseline)
        #expect(error.message.contains("--save-baseline nightly"))
    }

    @Test func aBaselineNameMustBeAPlainFileName() throws {
        for name in ["../etc", "a/b", "", ".hidden"] {
            #expect(throws: BenchError.self) { try store().path(name) }
        }
    }
}
