import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation
import OrdealSupport
import Testing

/// The built `ordeal` and `ordeal-worker` binaries: output, errors and exit codes.
@Suite struct CommandLineTests {
    @Test func versionPrintsTheToolVersion() throws {
        let result = try Binaries.run(Binaries.ordeal, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == OrdealVersion.current)
    }

    @Test func helpExplainsTheToolAndListsExitCodes() throws {
        let result = try Binaries.run(Binaries.ordeal, ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("recovery core"))
        #expect(result.stdout.contains("EXIT CODES"))
        #expect(result.stdout.contains("bench"))
    }

    @Test func badOptionValueExitsWithUsageCodeAndNamesTheOption() throws {
        let result = try Binaries.run(Binaries.ordeal, ["bench", "--backend", "sqlite:fast"])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("--backend"))
    }

    @Test func benchRejectsAJSONPathInAMissingDirectoryBeforeRunning() throws {
        let result = try Binaries.run(Binaries.ordeal, ["bench", "--iterations", "10", "--json", "/nonexistent/dir/out.json", "--reports", NSTemporaryDirectory()])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("/nonexistent/dir"))
    }

    @Test func benchWritesEveryOperationAsJSON() throws {
        let dir = try Binaries.temporaryDirectory()
        let json = dir + "/bench.json"
        let result = try Binaries.run(
            Binaries.ordeal,
            ["bench", "--iterations", "20", "--sweep-sizes", "50", "--sweep-repeats", "2", "--json", json, "--reports", dir])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(String(contentsOfFile: json, encoding: .utf8))
        let ops = Set((report["results"]?.arrayValue ?? []).compactMap { $0["op"]?.stringValue })
        #expect(ops == [
            "raw.insert_txn", "checkpoint.commit", "checkpoint.workflow", "checkpoint.verify", "checkpoint.last_verified", "cache.hit",
            "ledger.replay", "lease.acquire_release", "agent.mix", "sweep.expired_50",
        ])
        for row in report["results"]?.arrayValue ?? [] {
            for key in ["backend", "durability", "workers", "loop", "count", "p50_us", "p95_us", "p99_us", "p999_us", "max_us", "ops_per_s"] {
                #expect(row[key] != nil, "row lacks \(key): \(row)")
            }
            #expect((row["p50_us"]?.doubleValue ?? 0) > 0)
        }
    }

    @Test func demoKillsAndResumesATaskAndPasses() throws {
        let dir = try Binaries.temporaryDirectory()
        let result = try Binaries.run(Binaries.ordeal, ["demo", "--directory", dir, "--steps", "6", "--kill-after", "2", "--step-ms", "20"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("killed by signal 9"))
        #expect(result.stdout.contains("PASS"))
    }

    @Test func workerRejectsAnUnknownRoleWithUsageCode() throws {
        let result = try Binaries.run(Binaries.worker, ["juggler", "--db", "/tmp/x.sqlite"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("checkpoint-writer"))
    }

    @Test func workerReportsAnUnopenableDatabaseAndExitsNonZero() throws {
        let result = try Binaries.run(Binaries.worker, ["checkpoint-writer", "--db", "/nonexistent/dir/x.sqlite"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/dir/x.sqlite"))
    }
}
