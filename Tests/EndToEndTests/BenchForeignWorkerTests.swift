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

    @Test func aWorkerIsAskedOnlyForTheOpsItDescribesAndOpsNoWorkerDescribesAreBadInput() throws {
        let dir = try Binaries.temporaryDirectory()
        let json = dir + "/bench.json"
        // No --ops: every op of every worker, and the sweeps of the one that describes them.
        let result = try Binaries.run(Binaries.ordeal, [
            "bench", "--reports", dir, "--worker", "ordeal", "--worker", "python3 \(Self.foreign)", "--backend", "sqlite:normal",
            "--iterations", "20", "--warmup", "2", "--sweep-sizes", "10", "--sweep-repeats", "1", "--json", json,
        ])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let rows = try JSONParser.parse(String(contentsOfFile: json, encoding: .utf8))["results"]?.arrayValue ?? []
        let python = rows.filter { $0["backend"]?.stringValue == "python-sqlite:normal" }.compactMap { $0["op"]?.stringValue }
        #expect(Set(python) == ["raw.insert_txn", "checkpoint.commit"])
        #expect(rows.contains { $0["backend"]?.stringValue == "sqlite:normal" && $0["op"]?.stringValue == "sweep.expired_10" })
        let unknown = try Binaries.run(Binaries.ordeal, [
            "bench", "--reports", dir, "--worker", "python3 \(Self.foreign)", "--backend", "sqlite:normal", "--ops", "checkpoint.last",
            "--iterations", "10",
        ])
        #expect(unknown.status == ExitStatus.badInput.rawValue, "\(unknown.stdout)\n\(unknown.stderr)")
        #expect(unknown.stderr.contains("--ops names checkpoint.last, which no worker describes; valid: checkpoint.commit, raw.insert_txn"), "\(unknown.stderr)")
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
