import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Foundation
import OrdealSupport
import RecoveryCore
import Testing

/// Several real processes commit checkpoints to ONE task in ONE database file.
@Suite struct MultiProcessSequenceTests {
    @Test func fourProcessesCommittingToOneTaskNeverShareOrSkipASequenceNumber() throws {
        let dir = try Binaries.temporaryDirectory()
        let db = dir + "/shared.sqlite"
        let processes = 4
        let commits = 200
        let children = try (0..<processes).map { _ in
            try ChildProcess([Binaries.worker, "checkpoint-writer", "--db", db, "--task", "shared", "--count", "\(commits)"])
        }
        var acknowledged: [Int64] = []
        var pids = Set<Int64>()
        for child in children {
            while let line = try child.readLine() {
                let event = try JSONParser.parse(line)
                if event["event"]?.stringValue == "ready", let pid = event["pid"]?.intValue { pids.insert(pid) }
                if event["op"]?.stringValue == "checkpoint.commit" {
                    #expect(event["outcome"]?.stringValue == "ok", "a commit failed: \(line)")
                    if let seq = event["value"]?["seq"]?.intValue { acknowledged.append(seq) }
                }
            }
            #expect(try child.wait() == .exited(0))
        }
        #expect(pids.count == processes, "the writers were not \(processes) distinct processes")
        let total = processes * commits
        // What the writers were told: every number once.
        #expect(acknowledged.count == total)
        #expect(Set(acknowledged).count == total, "a sequence number was acknowledged twice")
        // What the database holds: 1...total, no gap, no duplicate.
        let backend = try SQLiteBackend(path: db)
        let stored = try backend.checkpoints(CheckpointQuery(taskID: "shared", limit: total + 10)).map(\.sequence).sorted()
        #expect(stored == Array(1...Int64(total)))
        #expect(acknowledged.sorted() == stored)
        #expect(try backend.integrityProblems().isEmpty)
    }

    @Test func concurrentProcessesCreatingANewDatabaseMigrateItOnce() throws {
        let dir = try Binaries.temporaryDirectory()
        let db = dir + "/fresh.sqlite"
        let children = try (0..<6).map { i in
            try ChildProcess([Binaries.worker, "checkpoint-writer", "--db", db, "--task", "t\(i)", "--count", "5"])
        }
        for child in children {
            while try child.readLine() != nil {}
            #expect(try child.wait() == .exited(0))
        }
        let backend = try SQLiteBackend(path: db)
        #expect(try backend.rows("PRAGMA user_version") == [[.int(1)]])
        for i in 0..<6 {
            #expect(try backend.checkpoints(CheckpointQuery(taskID: "t\(i)")).map(\.sequence).sorted() == [1, 2, 3, 4, 5])
        }
    }
}
