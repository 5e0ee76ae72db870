import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation
import OrdealSupport
import Testing

/// `ordeal bench` end to end: the built binary, small runs, the table, the JSON, the run
/// folder, worker processes and baselines. No figure is asserted against a speed: only that
/// the figures exist and are sane.
@Suite struct BenchCommandTests {
    struct Run {
        let result: Binaries.Result
        let reports: String
        var folder: String? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: reports)) ?? []
            return names.filter { $0.hasPrefix("bench-") }.sorted().last.map { reports + "/" + $0 }
        }
    }

    func bench(_ arguments: [String], reports: String? = nil) throws -> Run {
        let reports = try reports ?? Binaries.temporaryDirectory()
        return Run(result: try Binaries.run(Binaries.ordeal, ["bench", "--reports", reports] + arguments), reports: reports)
    }

    func rows(_ path: String) throws -> [JSONValue] {
        try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8))["results"]?.arrayValue ?? []
    }

    @Test func twoBackendsWithOneAndTwoWorkerProcessesGiveTheTableJSONAndRunFolder() throws {
        let dir = try Binaries.temporaryDirectory()
        let json = dir + "/bench.json"
        let run = try bench([
            "--backend", "sqlite:normal,memory", "--iterations", "20", "--warmup", "5", "--workers", "1,2",
            "--ops", "raw.insert_txn,checkpoint.commit,cache.hit,agent.mix", "--json", json,
        ])
        #expect(run.result.status == 0, "\(run.result.stderr)")
        let out = run.result.stdout
        #expect(out.contains("1 worker, closed loop"))
        #expect(out.contains("2 worker processes, closed loop"))
        #expect(out.contains("memory"))
        #expect(out.contains("checkpoint.commit P50 / raw.insert_txn P50 on sqlite:normal = "))
        #expect(out.contains("peak RSS of the runner (VmHWM): "))
        #expect(out.contains("largest worker process: "))

        let rows = try rows(json)
        // sqlite:normal has 4 operations (with its floor), memory 3; each at 1 and 2 workers.
        #expect(rows.count == 14)
        for row in rows {
            let workers = row["workers"]?.intValue ?? 0
            #expect(row["count"]?.intValue == 20 * workers, "\(row)")
            #expect((row["p50_us"]?.doubleValue ?? 0) > 0)
            #expect((row["p99_us"]?.doubleValue ?? 0) >= (row["p50_us"]?.doubleValue ?? 0))
            #expect((row["ops_per_s"]?.doubleValue ?? 0) > 0)
            #expect(row["loop"]?.stringValue == "closed")
        }
        #expect(Set(rows.compactMap { $0["backend"]?.stringValue }) == ["sqlite:normal", "memory"])
        #expect(!rows.contains { $0["backend"]?.stringValue == "memory" && $0["op"]?.stringValue == "raw.insert_txn" })

        let folder = try #require(run.folder)
        for file in ["results.json", "histograms.json", "history.jsonl", "report.md", "plots/latency-p50.svg", "plots/throughput-p99-agent.mix.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "missing \(file)")
        }
        #expect(try self.rows(folder + "/results.json").count == 14)
        let history = try String(contentsOfFile: folder + "/history.jsonl", encoding: .utf8).split(separator: "\n")
        // 2 load phases, then 2 rounds x 2 worker counts x 7 (backend, operation) blocks.
        #expect(history.count == 2 + 2 * 2 * 7)
    }

    @Test func anInProcessRunMeasuresEveryOperationAndTheSweeps() throws {
        let run = try bench(["--iterations", "20", "--warmup", "5", "--sweep-sizes", "50", "--sweep-repeats", "2"])
        #expect(run.result.status == 0, "\(run.result.stderr)")
        let folder = try #require(run.folder)
        let ops = Set(try rows(folder + "/results.json").compactMap { $0["op"]?.stringValue })
        #expect(ops == [
            "raw.insert_txn", "checkpoint.commit", "checkpoint.workflow", "checkpoint.verify", "checkpoint.last_verified", "cache.hit",
            "ledger.replay", "lease.acquire_release", "agent.mix", "sweep.expired_50",
        ])
        #expect(run.result.stdout.contains("targets (sqlite:normal, 1 worker):"))
    }

    @Test func anOpenLoopRunSaysSoInTheReportAndRows() throws {
        let run = try bench(["--iterations", "40", "--warmup", "5", "--rate", "2000", "--ops", "cache.hit"])
        #expect(run.result.status == 0, "\(run.result.stderr)")
        #expect(run.result.stdout.contains("open loop at 2000 ops/s per worker"))
        let folder = try #require(run.folder)
        #expect(try rows(folder + "/results.json").first?["loop"]?.stringValue == "open@2000/s")
    }

    @Test func aDurationBudgetMeasuresForThatLong() throws {
        let run = try bench(["--duration", "300ms", "--rounds", "3", "--warmup", "5", "--ops", "cache.hit,ledger.replay"])
        #expect(run.result.status == 0, "\(run.result.stderr)")
        let folder = try #require(run.folder)
        let rows = try rows(folder + "/results.json")
        // The two asked for, and the floor every ratio is measured against.
        #expect(rows.compactMap { $0["op"]?.stringValue } == ["raw.insert_txn", "cache.hit", "ledger.replay"])
        for row in rows { #expect((row["count"]?.intValue ?? 0) > 10, "\(row)") }
        let meta = try JSONParser.parse(String(contentsOfFile: folder + "/results.json", encoding: .utf8))["meta"]
        #expect(meta?["duration_s"]?.doubleValue == 0.3)
    }

    @Test func aBaselineRegressionExitsFiveNamingTheOperationAndPercentile() throws {
        let reports = try Binaries.temporaryDirectory()
        let baselines = reports + "/baselines"
        let common = ["--iterations", "30", "--warmup", "5", "--ops", "cache.hit,ledger.replay", "--baselines-dir", baselines]
        let saved = try bench(common + ["--save-baseline", "small"], reports: reports)
        #expect(saved.result.status == 0, "\(saved.result.stderr)")
        let file = baselines + "/small.json"
        #expect(saved.result.stdout.contains("saved baseline small: \(file)"))

        // Make the baseline's cache.hit impossibly fast and its ledger.replay impossibly slow:
        // the run must regress on cache.hit's p99, and only there.
        try rewrite(file) { op, key, value in
            guard key.hasSuffix("_us") else { return value }
            return op == "cache.hit" && key == "p99_us" ? value / 1000 : value * 1_000_000
        }
        let worse = try bench(common + ["--baseline", "small", "--max-regression", "p99=10%"], reports: reports)
        #expect(worse.result.status == ExitStatus.regression.rawValue, "\(worse.result.stderr)")
        #expect(worse.result.stdout.contains("REGRESSION: cache.hit on sqlite:normal (1 worker, closed loop): p99 is"))
        #expect(!worse.result.stdout.contains("REGRESSION: ledger.replay"))

        // A baseline slower everywhere: improvements never fail a run.
        try rewrite(file) { _, key, value in key.hasSuffix("_us") ? value * 1_000_000 : value }
        let better = try bench(common + ["--baseline", "small", "--max-regression", "p50=0%", "--max-regression", "p99=0%"], reports: reports)
        #expect(better.result.status == 0, "\(better.result.stdout)\n\(better.result.stderr)")
        #expect(better.result.stdout.contains("no regression beyond tolerance"))
    }

    @Test func badInputExitsTwoBeforeAnythingRuns() throws {
        let cases: [([String], String)] = [
            (["--backend", "sqlite:fast"], "sqlite:normal"),
            (["--backend", "mysql://x"], "valid forms"),
            (["--max-regression", "p98=5%", "--baseline", "x"], "p98"),
            (["--max-regression", "p99=5%"], "--baseline"),
            (["--baseline", "nosuch"], "--save-baseline nosuch"),
            (["--iterations", "10", "--duration", "1s"], "choose one"),
            (["--workers", "0,2"], "--workers"),
            (["--ops", "cache.miss"], "cache.hit"),
            (["--duration", "soon"], "10s"),
            (["--worker", "/nonexistent/my-worker"], "--worker /nonexistent/my-worker"),
            (["--backend", "sqlite:normal,traced:/x"], "--worker PATH"),
        ]
        for (arguments, expected) in cases {
            let run = try bench(arguments)
            #expect(run.result.status == ExitStatus.badInput.rawValue, "\(arguments)")
            #expect(run.result.stderr.contains(expected), "\(arguments): \(run.result.stderr)")
            #expect(run.folder == nil, "\(arguments) made a run folder")
        }
    }

    @Test func aSecondRunOnTheSameDatabaseCreatesNoCollidingIds() throws {
        // A database that outlives a run (a --directory kept, or a server backend) still holds
        // the first run's tasks, work items and leases.
        let database = try Binaries.temporaryDirectory()
        for _ in 0..<2 {
            let run = try bench([
                "--directory", database, "--iterations", "20", "--warmup", "5", "--sweep-sizes", "30", "--sweep-repeats", "1",
                "--workers", "1", "--ops", "lease.acquire_release,agent.mix,checkpoint.commit",
            ])
            #expect(run.result.status == 0, "\(run.result.stderr)")
            let inProcess = try bench(["--directory", database, "--iterations", "20", "--warmup", "5", "--sweep-sizes", "30", "--sweep-repeats", "1"])
            #expect(inProcess.result.status == 0, "\(inProcess.result.stderr)")
        }
    }

    @Test func theWorkerRejectsAnUnknownOperationNamingTheValidOnes() throws {
        let dir = try Binaries.temporaryDirectory()
        let result = try Binaries.run(
            Binaries.ordeal,
            ["bench-worker", "--backend", "sqlite:normal", "--db", dir + "/w.sqlite", "--op", "cache.miss", "--tag", "t", "--iterations", "1"])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("--op cache.miss"))
        #expect(result.stderr.contains("cache.hit"))
        #expect(!result.stdout.contains("ready"))
    }

    /// A worker of one's own (`ordeal-faulty-worker`, built on WorkerKit and Backends) answers
    /// the bench on a `sqlite:DURABILITY` spec and on any spec Backends opens. (WorkerKit's own
    /// SQLite-only opener refuses others naming the fix: `SQLiteOnlyOpenerTests`.)
    @Test func aWorkerOfOnesOwnDescribesTheSpecsItOpens() throws {
        let dir = try Binaries.temporaryDirectory()
        let ok = try Binaries.run(
            Binaries.faultyWorker, ["bench-worker", "--backend", "sqlite:full", "--db", dir + "/w.sqlite", "--tag", "t", "--describe"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("\"floor\":\"raw.insert_txn\"") && ok.stdout.contains("cache.hit"), "\(ok.stdout)")
        let other = try Binaries.run(Binaries.faultyWorker, ["bench-worker", "--backend", "memory", "--tag", "t", "--describe"])
        #expect(other.status == 0 && other.stdout.contains("memory"), "\(other.stdout)\(other.stderr)")
    }

    @Test func helpTeachesEveryMode() throws {
        let result = try Binaries.run(Binaries.ordeal, ["bench", "--help"])
        #expect(result.status == 0)
        for example in ["--backend sqlite:normal,sqlite:full,memory", "--duration", "--rate", "--workers 1,2,4,8", "--save-baseline", "--baseline main --max-regression", "--iterations 1000000", "--worker"] {
            #expect(result.stdout.contains(example), "help lacks \(example)")
        }
    }

    /// Rewrites every number of the baseline's rows through `transform(op, key, value)`.
    func rewrite(_ path: String, _ transform: (String, String, Double) -> Double) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        object["results"] = (object["results"] as! [[String: Any]]).map { row in
            var row = row
            for (key, value) in row { if let number = value as? Double { row[key] = transform(row["op"] as! String, key, number) } }
            return row
        }
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }
}
