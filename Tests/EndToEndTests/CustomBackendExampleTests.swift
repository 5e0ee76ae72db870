import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation
import OrdealSupport
import Testing

/// The worked example of Examples/custom-backend: a worker of the user's own on a backend of
/// the user's own runs scenarios of the suite and is judged by the same checkers.
@Suite(.serialized) struct CustomBackendExampleTests {
    static var worker: String { Binaries.directory.appendingPathComponent("custom-backend-worker").path }

    /// A scenario of `Scenarios/` whose workers are all the example's worker.
    static func onExampleWorker(_ name: String) throws -> String {
        var text = try String(contentsOfFile: "\(FaultScenarioTests.scenarios)/\(name).yaml", encoding: .utf8)
        for role in ["checkpoint-writer", "lease-worker", "sweeper"] {
            text = text.replacingOccurrences(
                of: "    role: \(role)\n", with: "    role: \(role)\n    command: [\(CheckersCatchFaultyWorkersTests.quoted(worker))]\n")
        }
        // The ready threshold measures the exec trampoline every `command:` worker starts behind,
        // not the backend.
        if let cut = text.range(of: "\nthresholds:") { text = String(text[..<cut.lowerBound]) + "\n" }
        let file = try Binaries.temporaryDirectory() + "/\(name).yaml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test(arguments: ["kill9-recovery", "concurrent-checkpoints", "lease-expiry-takeover"])
    func theExampleBackendPassesSuiteScenarios(_ name: String) throws {
        let run = try FaultScenarioTests.run([try Self.onExampleWorker(name), "--backend", "traced:{data}/store.sqlite"])
        #expect(run.result.status == ExitStatus.passed.rawValue, "\(run.summary)")
        let ready = try run.history().filter { $0["type"]?.stringValue == "ready" }
        #expect(!ready.isEmpty && ready.allSatisfy { $0["backend"]?.stringValue?.hasPrefix("traced:") == true })
        #expect(run.scenarios.first?["backend"]?.stringValue == "traced")
    }

    @Test func theExampleBackendKeepsItsTraceAndAnUnknownSchemeIsAClearError() throws {
        let dir = try Binaries.temporaryDirectory()
        let ok = try Binaries.run(Self.worker, ["checkpoint-writer", "--backend", "traced:\(dir)/s.sqlite", "--count", "3", "--task", "t"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let trace = try String(contentsOfFile: "\(dir)/s.sqlite.trace", encoding: .utf8)
        #expect(trace == "checkpoint t#1\ncheckpoint t#2\ncheckpoint t#3\n")
        let unknown = try Binaries.run(Self.worker, ["checkpoint-writer", "--backend", "nosuch:x", "--count", "1"])
        #expect(unknown.status == 2 || unknown.status == 1)
        #expect(unknown.stderr.contains("no backend is registered for scheme 'nosuch'") && unknown.stderr.contains("traced"))
    }

    /// `ordeal bench --worker PATH`: every backend measured in the example worker's processes,
    /// the example's own beside SQLite, and the measurement really went through it (its trace).
    @Test func theExampleBackendIsBenchmarkedThroughItsOwnWorker() throws {
        let dir = try Binaries.temporaryDirectory()
        let json = dir + "/bench.json"
        let result = try Binaries.run(
            Binaries.ordeal,
            [
                "bench", "--worker", Self.worker, "--backend", "sqlite:normal,traced:{data}/store.sqlite", "--iterations", "40",
                "--warmup", "5", "--rounds", "2", "--sweep-sizes", "20", "--sweep-repeats", "2", "--ops",
                "raw.insert_txn,checkpoint.commit,lease.acquire_release,sweep.expired_20", "--directory", dir + "/db",
                "--reports", dir + "/reports", "--json", json,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try JSONParser.parse(String(contentsOfFile: json, encoding: .utf8))["results"]?.arrayValue ?? []
        for backend in ["sqlite:normal", "traced:{data}/store.sqlite"] {
            let ops = Set(rows.filter { $0["backend"]?.stringValue == backend }.compactMap { $0["op"]?.stringValue })
            #expect(ops == ["raw.insert_txn", "checkpoint.commit", "lease.acquire_release", "sweep.expired_20"], "\(backend): \(ops)")
            let counts = rows.filter { $0["backend"]?.stringValue == backend && $0["op"]?.stringValue == "checkpoint.commit" }
                .compactMap { $0["count"]?.intValue.map(Int.init) }
            #expect(counts == [40])
        }
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir + "/db").filter { $0.hasPrefix("traced") }
        let trace = try String(contentsOfFile: "\(dir)/db/\(try #require(folders.first))/store.sqlite.trace", encoding: .utf8)
        let lines = trace.split(separator: "\n")
        // Each round's worker process warms up (5 commits), then measures its half of 40.
        #expect(lines.filter { $0.hasPrefix("checkpoint bench-commit-") }.count == 2 * 5 + 40)
        #expect(lines.contains { $0.hasPrefix("acquire lease-") } && lines.contains { $0.hasPrefix("release lease-") })
    }

    @Test func aWorkerThatCannotBenchmarkFailsTheRunNamingIt() throws {
        let dir = try Binaries.temporaryDirectory()
        // A worker that speaks no bench protocol: /bin/true exits at once, describing nothing.
        let result = try Binaries.run(
            Binaries.ordeal, ["bench", "--worker", "/bin/true", "--iterations", "10", "--reports", dir + "/reports"])
        #expect(result.status == ExitStatus.unknown.rawValue)
        #expect(result.stderr.contains("/bin/true bench-worker") && result.stderr.contains("wrote no description"))
    }
}
