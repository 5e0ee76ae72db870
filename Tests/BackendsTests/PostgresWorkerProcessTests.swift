import Foundation
import PostgresBackend
import PostgresTestSupport
import RecoveryCore
import Testing

/// Real `ordeal-worker` processes on one PostgreSQL database.
@Suite(.enabled(if: !ScratchPostgres.isSkipped, "ORDEAL_SKIP_POSTGRES=1"))
struct PostgresWorkerProcessTests {
    @Test func fourWorkerProcessesCommittingToOneTaskGetEverySequenceNumberOnce() throws {
        let url = try ScratchPostgres.freshDatabase()
        let processes = 4
        let commits = 100
        let workers = try (0..<processes).map { _ in
            try WorkerProcess(["checkpoint-writer", "--backend", "\(url)", "--task", "shared", "--count", "\(commits)"])
        }
        var acknowledged: [Int64] = []
        var pids = Set<Int>()
        for worker in workers {
            let (status, lines, stderr) = worker.finish()
            #expect(status == 0, "a worker failed: \(stderr)")
            for line in lines {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                if event["event"] as? String == "ready" {
                    #expect(event["backend"] as? String == "\(url)")
                    if let pid = event["pid"] as? Int { pids.insert(pid) }
                }
                if event["op"] as? String == "checkpoint.commit" {
                    #expect(event["outcome"] as? String == "ok", "a commit failed: \(line)")
                    if let seq = (event["value"] as? [String: Any])?["seq"] as? Int { acknowledged.append(Int64(seq)) }
                }
            }
        }
        #expect(pids.count == processes, "the writers were not \(processes) distinct processes")
        let total = processes * commits
        #expect(acknowledged.count == total)
        #expect(acknowledged.sorted() == Array(1...Int64(total)), "every number acknowledged exactly once")
        let backend = try PostgresBackend(url: url)
        let stored = try backend.checkpoints(CheckpointQuery(taskID: "shared", limit: -1)).map(\.sequence).sorted()
        #expect(stored == Array(1...Int64(total)))
        #expect(try backend.integrityProblems() == [])
    }

    @Test func threeLeaseWorkerProcessesCompleteEveryItemExactlyOnce() throws {
        let url = try ScratchPostgres.freshDatabase()
        let items = 60
        let workers = try (0..<3).map { i in
            try WorkerProcess([
                "lease-worker", "--backend", "\(url)", "--items", "\(items)", "--seed-items", "true",
                "--lease-ms", "30000", "--holder", "w\(i)",
            ])
        }
        var completed: [String] = []
        for worker in workers {
            let (status, lines, stderr) = worker.finish()
            #expect(status == 0, "a worker failed: \(stderr)")
            for line in lines {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                if event["op"] as? String == "lease.complete", event["outcome"] as? String == "ok", let key = event["key"] as? String {
                    completed.append(key)
                }
            }
        }
        #expect(completed.sorted() == (0..<items).map { "item-\($0)" }.sorted(), "every item completed once, by one worker")
        let stored = try PostgresBackend(url: url).workItems(status: nil, ids: nil)
        #expect(stored.count == items)
        #expect(stored.allSatisfy { $0.status == .completed && $0.fencingToken == 1 && $0.releasedToken == 1 })
    }

    @Test func aWorkerGivenABadBackendSpecSaysWhichFormsExistAndExitsWithUsage() throws {
        let (status, _, stderr) = try WorkerProcess(["checkpoint-writer", "--backend", "sqlite:fast"]).finish()
        #expect(status == 2)
        #expect(stderr.contains("unknown backend 'sqlite:fast'; use sqlite:normal, sqlite:full, sqlite:off, memory, postgres://user@host:port/db"))
    }
}

/// One `ordeal-worker` child, its standard output and error read to the end by `finish()`.
struct WorkerProcess {
    let process = Process()
    let out = Pipe()
    let err = Pipe()

    /// The worker built beside the test bundle (or in `$ORDEAL_BIN_DIR`).
    static var path: String {
        if let dir = ProcessInfo.processInfo.environment["ORDEAL_BIN_DIR"] { return dir + "/ordeal-worker" }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathExtension != "xctest" && url.path != "/" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("ordeal-worker").path
    }

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Self.path)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    func finish() -> (status: Int32, lines: [String], stderr: String) {
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout.split(separator: "\n").map(String.init), stderr)
    }
}
