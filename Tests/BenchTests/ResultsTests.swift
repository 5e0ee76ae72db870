import Foundation
import OrdealSupport
import Testing

@testable import Bench
@testable import BenchKit

/// Merging workers' histograms, and the shapes of the JSON and the table.
@Suite struct ResultsTests {
    func histogram(_ values: [UInt64]) -> LatencyHistogram {
        var h = LatencyHistogram()
        for v in values { h.record(nanos: v) }
        return h
    }

    @Test func workersHistogramsMergedThroughTheirJSONSumTheirCounts() throws {
        let a = WorkerResult(count: 300, startNanos: 100, endNanos: 1_100, histogram: histogram(Array(repeating: 10_000, count: 300)))
        let b = WorkerResult(count: 200, startNanos: 150, endNanos: 1_300, histogram: histogram(Array(repeating: 90_000, count: 200)))
        let decoded = try [a, b].map { try WorkerResult.decode(try $0.encoded()) }
        #expect(try !a.encoded().contains("\n"))
        var cells = BenchCells()
        let key = BenchKey(backend: "sqlite:normal", workers: 2, op: "cache.hit", loop: "closed")
        for worker in decoded { cells.add(key, durability: "normal", histogram: worker.histogram, wallNanos: 0) }
        let merged = cells.histograms[0].histogram
        #expect(merged.count == 500)
        #expect(merged.count == UInt64(a.count + b.count))
        // 300 of 500 at 10 µs, 200 at 90 µs: the median is the fast one, p99 the slow one.
        #expect((9_990...10_010).contains(merged.nanos(atPercentile: 50)))
        #expect((89_900...90_100).contains(merged.nanos(atPercentile: 99)))
        #expect(cells.rows[0].count == 500)
    }

    func sampleReport() -> BenchReport {
        var cells = BenchCells()
        for (backend, p50) in [("sqlite:normal", 20_000), ("memory", 5_000)] {
            for op in ["raw.insert_txn", "checkpoint.commit"] where !(backend == "memory" && op == "raw.insert_txn") {
                let scale: UInt64 = op == "raw.insert_txn" ? 1 : 2
                cells.add(
                    BenchKey(backend: backend, workers: 1, op: op, loop: "closed"), durability: backend == "memory" ? "none" : "normal",
                    histogram: histogram(Array(repeating: UInt64(p50) * scale, count: 10)), wallNanos: 1_000_000_000)
            }
        }
        return BenchReport(results: cells.rows, meta: ["loop": "closed"])
    }

    @Test func theJSONHasOneRowPerBackendDurabilityWorkersAndOperation() throws {
        let json = try JSONParser.parse(String(decoding: try BenchFiles.json(sampleReport()), as: UTF8.self))
        #expect(json["schemaVersion"]?.intValue == 2)
        #expect(json["meta"]?["loop"]?.stringValue == "closed")
        let rows = try #require(json["results"]?.arrayValue)
        #expect(rows.count == 3)
        for row in rows {
            let keys = Set(row.objectValue?.keys.map { $0 } ?? [])
            #expect(keys == [
                "backend", "durability", "workers", "op", "loop", "count", "p50_us", "p95_us", "p99_us", "p999_us", "max_us",
                "ops_per_s",
            ])
        }
        #expect(rows[1]["op"]?.stringValue == "checkpoint.commit")
        #expect(rows[1]["count"]?.intValue == 10)
        #expect(rows[1]["ops_per_s"]?.doubleValue == 10)
    }

    @Test func theTableShowsBackendsSideBySideWithRatiosToTheFirstAndToTheFloor() {
        let table = BenchTable.render(sampleReport())
        let commitLines = table.split(separator: "\n").filter { $0.contains("checkpoint.commit") || $0.hasPrefix(" ") }
        #expect(table.contains("ratio to sqlite:normal"))
        #expect(commitLines.contains { $0.contains("memory") && $0.contains("0.25") })
        #expect(table.contains("checkpoint.commit P50 / raw.insert_txn P50 on sqlite:normal = 2.00"))
    }

    @Test func targetsAreReadFromTheSqliteNormalRows() {
        let lines = BenchTargets.lines(sampleReport())
        #expect(lines.first == "targets (sqlite:normal, 1 worker):")
        #expect(lines.contains { $0.contains("2.00 × raw.insert_txn") && $0.contains("met") })
    }

    @Test func aServerBackendsSingleStatementOperationsAreReadAgainstItsRoundTrip() {
        var cells = BenchCells()
        let server = "postgres://u@127.0.0.1:5432/db"
        for (op, p50) in [("raw.roundtrip", 100_000), ("cache.hit", 250_000), ("ledger.replay", 310_000), ("cache.miss", 900_000)] {
            cells.add(
                BenchKey(backend: server, workers: 1, op: op, loop: "closed"), durability: "server",
                histogram: histogram(Array(repeating: UInt64(p50), count: 10)), wallNanos: 1_000_000_000)
        }
        let lines = BenchTargets.lines(BenchReport(results: cells.rows, meta: [:]))
        #expect(lines.first == "targets (\(server), 1 worker):")
        #expect(lines.contains { $0.contains("cache.hit P50") && $0.contains("2.50 × raw.roundtrip") && $0.hasSuffix(": met") })
        #expect(lines.contains { $0.contains("ledger.replay P50") && $0.contains("3.10 × raw.roundtrip") && $0.hasSuffix(": NOT met") })
        #expect(lines.count == 3, "an operation with no target adds no line: \(lines)")
        // The floor leads the table, whatever order the rows came in.
        let table = BenchTable.render(BenchReport(results: cells.rows.reversed(), meta: [:]))
        #expect(table.split(separator: "\n")[3].hasPrefix("raw.roundtrip"))
    }

    @Test func markdownAndPlotsAreWrittenForTheRun() throws {
        let report = sampleReport()
        let outcome = BenchOutcome(report: report, histograms: [], peakResidentKiB: 2048, largestWorkerKiB: 0)
        let markdown = BenchMarkdown.render(outcome, loop: .closed, plots: ["plots/latency-p50.svg"], comparison: [])
        #expect(markdown.contains("| checkpoint.commit | memory |"))
        #expect(markdown.contains("peak RSS of the runner (VmHWM): 2.0 MiB"))
        let plots = BenchPlots.files(report)
        #expect(plots.map(\.path) == ["plots/latency-p50.svg"])
        #expect(plots[0].svg.hasPrefix("<svg"))
    }
}
