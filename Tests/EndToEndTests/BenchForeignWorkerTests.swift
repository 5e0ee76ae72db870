import Foundation
import OrdealSupport
import Testing

/// `ordeal bench --worker CMD` for a worker in any language: the Python kit's reference worker
/// measured beside Ordeal's own in one run, and a worker that breaks the bench-worker protocol
/// stopped with a sentence naming what it wrote.
@Suite struct BenchForeignWorkerTests {
    static let foreign = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/foreign_worker.py").path

    @Test func aPythonCoreIsMeasuredBesideOrdealsOwnInOneTable() throws {
        let dir = try Binaries.temporaryDirectory()
        let json = dir + "/bench.json"
        let result = try Binaries.run(Binaries.ordeal, [
            "bench", "--reports", dir, "--worker", "ordeal", "--worker", "python3 \(Self.foreign)", "--backend", "sqlite:normal",
            "--ops", "raw.insert_txn,checkpoint.commit", "--iterations", "200", "--warmup", "10", "--json", json,
        ])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let rows = try JSONParser.parse(String(contentsOfFile: json, encoding: .utf8))["results"]?.arrayValue ?? []
        for backend in ["sqlite:normal", "python-sqlite:normal"] {
            for op in ["raw.insert_txn", "checkpoint.commit"] {
                let row = rows.first { $0["backend"]?.stringValue == backend && $0["op"]?.stringValue == op }
                #expect((row?["count"]?.intValue ?? 0) >= 200, "\(backend) \(op): \(String(describing: row))")
                #expect((row?["p50_us"]?.doubleValue ?? 0) > 0)
            }
        }
        #expect(result.stdout.contains("python-sqlite:normal"))
    }

    @Test func aWorkerThatWritesGarbageOnDescribeIsStoppedWithWhatItWrote() throws {
        let dir = try Binaries.temporaryDirectory()
        let result = try Binaries.run(Binaries.ordeal, [
            "bench", "--reports", dir, "--worker", "sh -c 'echo not-json' garbage", "--backend", "sqlite:normal",
            "--iterations", "10",
        ])
        #expect(result.status == ExitStatus.unknown.rawValue, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("wrote no description of the backend"), "\(result.stderr)")
        #expect(result.stderr.contains("docs/bench-worker-protocol.md"))
    }
}
