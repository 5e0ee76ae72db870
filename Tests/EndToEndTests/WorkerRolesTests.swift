import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Foundation
import OrdealSupport
import RecoveryCore
import Testing

/// The lease-worker, sweeper and reader roles, the faulty worker's faults, and a foreign
/// (Python) worker, each run as real processes and judged by their events and final state.
@Suite struct WorkerRolesTests {
    /// What a worker printed, and how it ended.
    struct Output {
        var events: [JSONValue]
        var status: TerminationStatus

        func ops(_ op: String, _ outcome: String? = nil) -> [JSONValue] {
            events.filter { $0["event"]?.stringValue == "op" && $0["op"]?.stringValue == op }
                .filter { outcome == nil || $0["outcome"]?.stringValue == outcome }
        }

        var kinds: [String] { events.compactMap { $0["event"]?.stringValue } }
    }

    /// Reads the rest of a child's output and waits for it.
    static func finish(_ child: ChildProcess, events: [JSONValue] = []) throws -> Output {
        var events = events
        while let line = try child.readLine() { events.append(try JSONParser.parse(line)) }
        return Output(events: events, status: try child.wait())
    }

    static func run(_ arguments: [String]) throws -> Output { try finish(ChildProcess(arguments)) }

    /// Reads lines until one satisfies `stop`; returns all read so far.
    static func read(_ child: ChildProcess, until stop: (JSONValue) -> Bool) throws -> [JSONValue] {
        var events: [JSONValue] = []
        while let line = try child.readLine() {
            events.append(try JSONParser.parse(line))
            if stop(events[events.count - 1]) { break }
        }
        return events
    }

    /// Runs the reader role of `program` and parses its state line.
    static func readState(_ program: [String], db: String, effects: String? = nil) throws -> FinalState {
        let output = try run(program + ["reader", "--db", db] + (effects.map { ["--effects", $0] } ?? []))
        #expect(output.status == .exited(0))
        #expect(output.kinds == ["ready", "state", "done"])
        let state = try #require(output.events.first { $0["event"]?.stringValue == "state" }?["state"])
        return try FinalState(json: state)
    }

    static func acked(_ ops: [JSONValue]) -> [(seq: Int64, sha: String)] {
        ops.compactMap { op in
            guard let seq = op["value"]?["seq"]?.intValue, let sha = op["value"]?["sha256"]?.stringValue else { return nil }
            return (seq, sha)
        }
    }

    static func isOK(_ op: JSONValue) -> Bool { op["outcome"]?.stringValue == "ok" }

    // MARK: lease-worker and sweeper

    @Test func threeLeaseWorkersCompleteEveryItemExactlyOnce() throws {
        let db = try Binaries.temporaryDirectory() + "/leases.sqlite"
        let children = try (0..<3).map { i in
            try ChildProcess([
                Binaries.worker, "lease-worker", "--db", db, "--items", "20", "--lease-ms", "10000", "--work-ms", "5",
                "--holder", "w\(i)",
            ])
        }
        let outputs = try children.map { try Self.finish($0) }
        var completed: [String: JSONValue] = [:]
        var tokens: [String: [Int64]] = [:]
        for output in outputs {
            #expect(output.status == .exited(0))
            #expect(output.kinds.first == "ready" && output.kinds.last == "done")
            for op in output.ops("lease.acquire") {
                tokens[op["key"]?.stringValue ?? "", default: []].append(op["value"]?["token"]?.intValue ?? -1)
            }
            for op in output.ops("lease.complete") {
                #expect(Self.isOK(op), "a completion was refused: \(op)")
                let item = op["key"]?.stringValue ?? ""
                #expect(completed[item] == nil, "\(item) was completed twice")
                completed[item] = op
            }
        }
        #expect(completed.count == 20)
        for (item, list) in tokens {
            #expect(list == list.sorted() && Set(list).count == list.count, "\(item)'s tokens did not increase: \(list)")
        }
        let items = try SQLiteBackend(path: db).workItems(status: nil, ids: nil)
        #expect(items.count == 20)
        for item in items {
            let ack = try #require(completed[item.id])
            #expect(item.status == .completed)
            #expect(item.releasedToken == ack["value"]?["token"]?.intValue)
            #expect(item.releasedToken == item.fencingToken)
            #expect(item.output == ack["value"]?["output"]?.stringValue)
            #expect(item.output?.hasPrefix("done by w") == true)
        }
    }

    /// Starts a lease worker on one item with a 200 ms lease and 1.5 s of work, takes the item
    /// over in this process once the lease expires, and completes it with token 2.
    static func takeOverSlowWorker(_ program: [String], db: String) throws -> Output {
        let child = try ChildProcess(program + [
            "lease-worker", "--db", db, "--items", "1", "--lease-ms", "200", "--work-ms", "1500", "--holder", "slow",
        ])
        let early = try read(child) { $0["op"]?.stringValue == "lease.acquire" }
        let thief = LeaseManager(store: try SQLiteBackend(path: db), holder: "thief", leaseMillis: 60_000)
        let deadline = Date().addingTimeInterval(5)
        var stolen: Lease?
        while stolen == nil && Date() < deadline {
            stolen = try thief.acquire()
            if stolen == nil { usleep(10_000) }
        }
        let lease = try #require(stolen, "the slow worker's lease never expired")
        #expect(lease.fencingToken == 2)
        try thief.complete(lease, output: "stolen")
        return try finish(child, events: early)
    }

    @Test func aLeaseWorkerWhoseLeaseWasTakenOverIsRefusedWithLeaseLost() throws {
        let db = try Binaries.temporaryDirectory() + "/fenced.sqlite"
        let output = try Self.takeOverSlowWorker([Binaries.worker], db: db)
        #expect(output.status == .exited(0))
        let complete = try #require(output.ops("lease.complete").first)
        #expect(complete["outcome"]?.stringValue == "fail")
        #expect(complete["error"]?.stringValue?.contains("lease-lost") == true)
        let item = try #require(try SQLiteBackend(path: db).workItems(status: nil, ids: ["item-0"]).first)
        #expect(item.releasedToken == 2 && item.output == "stolen")
    }

    @Test func aLeaseWorkerRenewsItsLeaseOnEveryHeartbeat() throws {
        let db = try Binaries.temporaryDirectory() + "/renew.sqlite"
        let output = try Self.run([
            Binaries.worker, "lease-worker", "--db", db, "--items", "1", "--lease-ms", "300", "--work-ms", "500",
            "--heartbeat-ms", "100",
        ])
        #expect(output.status == .exited(0))
        // The heartbeat runs on a thread of its own, so a loaded machine may shift one renewal
        // past the end of the work: 500 ms at 100 ms intervals is 4 renewals, give or take one,
        // and never more than one per interval.
        let renewals = output.ops("lease.renew")
        #expect((3...5).contains(renewals.count) && renewals.allSatisfy { Self.isOK($0) })
        let expiries = renewals.compactMap { $0["value"]?["expires_at_ms"]?.intValue }
        #expect(expiries.count == renewals.count && expiries == expiries.sorted())
        #expect(renewals.allSatisfy { $0["value"]?["token"]?.intValue == 1 })
        #expect(output.ops("lease.complete", "ok").count == 1)
    }

    @Test func theSweeperRecoversTheExpiredLeaseOfAKilledLeaseWorker() throws {
        let db = try Binaries.temporaryDirectory() + "/sweep.sqlite"
        let victim = try ChildProcess([
            Binaries.worker, "lease-worker", "--db", db, "--items", "1", "--lease-ms", "150", "--work-ms", "30000",
        ])
        _ = try Self.read(victim) { $0["op"]?.stringValue == "lease.acquire" }
        try victim.kill(9)
        #expect(try victim.wait() == .signaled(9))
        let sweeper = try Self.run([Binaries.worker, "sweeper", "--db", db, "--interval-ms", "60", "--rounds", "8"])
        #expect(sweeper.status == .exited(0))
        let sweeps = sweeper.ops("sweep.run")
        #expect(sweeps.count == 8 && sweeps.allSatisfy { Self.isOK($0) })
        #expect(sweeps.compactMap { $0["value"]?["recovered"]?.intValue }.reduce(0, +) == 1)
        #expect(sweeps.allSatisfy { $0["value"]?["failed"]?.intValue == 0 && $0["value"]?["duration_us"] != nil })
        let backend = try SQLiteBackend(path: db)
        let swept = try #require(try backend.workItems(status: nil, ids: ["item-0"]).first)
        #expect(swept.status == .pending && swept.attempts == 1)
        // A new worker finishes it under a newer token; an idle sweep then stops after one round.
        let next = try Self.run([Binaries.worker, "lease-worker", "--db", db, "--items", "1", "--lease-ms", "5000"])
        #expect(next.ops("lease.complete", "ok").first?["value"]?["token"]?.intValue == 2)
        let idle = try Self.run([Binaries.worker, "sweeper", "--db", db, "--interval-ms", "10", "--until-idle", "true"])
        #expect(idle.status == .exited(0))
        #expect(idle.ops("sweep.run").count == 1)
    }

    // MARK: reader

    @Test func theReaderReportsTheWholeDatabaseInTheProtocolFormat() throws {
        let dir = try Binaries.temporaryDirectory()
        let db = dir + "/all.sqlite"
        let effects = dir + "/effects.txt"
        for args in [
            ["checkpoint-writer", "--task", "cw", "--count", "200"],
            ["task-runner", "--task", "tr", "--steps", "3", "--effects", effects],
            ["cache-client", "--task", "cc", "--count", "2", "--effects", effects],
            ["tool-client", "--task", "tc", "--count", "2", "--effects", effects],
            ["lease-worker", "--items", "4", "--lease-ms", "5000"],
        ] {
            #expect(try Self.run([Binaries.worker, args[0], "--db", db] + args.dropFirst()).status == .exited(0))
        }
        let state = try Self.readState([Binaries.worker], db: db, effects: effects)
        let backend = try SQLiteBackend(path: db)
        #expect(state.integrityProblems.isEmpty)
        var stored: [String] = []
        for task in try backend.checkpointTaskIDs() {
            stored += try backend.checkpoints(CheckpointQuery(taskID: task, limit: 10_000)).map {
                "\($0.taskID)#\($0.sequence) \($0.snapshotSHA256) \($0.verified) \($0.type)"
            }
        }
        #expect(state.checkpoints.map { "\($0.task)#\($0.seq) \($0.sha256) \($0.verified) \($0.type)" }.sorted() == stored.sorted())
        #expect(state.checkpoints.allSatisfy { $0.snapshotOK })
        #expect(state.checkpoints.filter { $0.task == "cw" }.map(\.seq) == Array(1...200))
        let items = try backend.workItems(status: nil, ids: nil)
        #expect(state.workItems.map(\.id).sorted() == items.map(\.id).sorted())
        #expect(state.workItems.allSatisfy { $0.status == "completed" && $0.releasedToken == $0.token && $0.attempts == 0 })
        let entries = try IdempotencyKind.allCases.flatMap { try backend.entries(kind: $0, taskID: nil, limit: 1000) }
        #expect(state.idempotency.map(\.key).sorted() == entries.map(\.key).sorted())
        #expect(Set(state.idempotency.map(\.kind)) == ["llm", "tool"])
        #expect(state.idempotency.allSatisfy { $0.status == "done" && $0.result != nil })
        #expect(state.tasks == ["tr": "succeeded"])
        #expect(state.effects == ["tr:0": 1, "tr:1": 1, "tr:2": 1, "cc:0": 1, "cc:1": 1, "tc:0": 1, "tc:1": 1])
        // A missing effects file is no effect at all.
        #expect(try Self.readState([Binaries.worker], db: db, effects: dir + "/none.txt").effects.isEmpty)
    }

    // MARK: the faulty worker

    @Test func ordealWorkerRejectsTheFaultOptionAndTheFaultyWorkerRejectsUnknownFaults() throws {
        let db = try Binaries.temporaryDirectory() + "/x.sqlite"
        let normal = try Binaries.run(Binaries.worker, ["checkpoint-writer", "--db", db, "--fault", "lost-ack"])
        #expect(normal.status == 2 && normal.stderr.contains("--fault"))
        let unknown = try Binaries.run(Binaries.faultyWorker, ["--fault", "nonsense", "checkpoint-writer", "--db", db])
        #expect(unknown.status == 2 && unknown.stderr.contains("lost-ack"))
    }

    static func faulty(_ fault: String, _ role: String, db: String, _ args: [String]) throws -> Output {
        try run([Binaries.faultyWorker, "--fault", fault, role, "--db", db] + args)
    }

    @Test func lostAckAcknowledgesCheckpointsItNeverStored() throws {
        let db = try Binaries.temporaryDirectory() + "/lost.sqlite"
        let output = try Self.faulty("lost-ack", "checkpoint-writer", db: db, ["--task", "t", "--count", "9"])
        #expect(output.status == .exited(0))
        let acks = output.ops("checkpoint.commit", "ok")
        #expect(acks.count == 9)
        let state = try Self.readState([Binaries.faultyWorker, "--fault", "lost-ack"], db: db)
        let stored = Set(state.checkpoints.map(\.seq))
        #expect(stored == Set(1...6))
        #expect(Self.acked(acks).filter { !stored.contains($0.seq) }.count == 3, "no acknowledged checkpoint is missing")
    }

    @Test func dupSeqAcknowledgesOneSequenceNumberTwice() throws {
        let db = try Binaries.temporaryDirectory() + "/dup.sqlite"
        let output = try Self.faulty("dup-seq", "checkpoint-writer", db: db, ["--task", "t", "--count", "6"])
        #expect(output.status == .exited(0))
        let acked = Self.acked(output.ops("checkpoint.commit", "ok"))
        #expect(acked.count == 8)
        #expect(Dictionary(grouping: acked.map(\.seq), by: { $0 }).filter { $0.value.count > 1 }.keys.sorted() == [3, 6])
        let state = try Self.readState([Binaries.faultyWorker], db: db)
        #expect(state.checkpoints.map(\.seq) == Array(1...6))
        let stored = Set(state.checkpoints.map { "\($0.seq) \($0.sha256)" })
        #expect(acked.allSatisfy { stored.contains("\($0.seq) \($0.sha)") }, "only the numbering should be wrong")
    }

    @Test func corruptSnapshotLeavesAStoredSnapshotThatNoLongerMatchesItsHash() throws {
        let db = try Binaries.temporaryDirectory() + "/corrupt.sqlite"
        let output = try Self.faulty("corrupt-snapshot", "checkpoint-writer", db: db, ["--task", "t", "--count", "3"])
        #expect(output.status == .exited(0))
        #expect(output.ops("checkpoint.commit", "ok").count == 3)
        let state = try Self.readState([Binaries.worker], db: db)
        #expect(state.checkpoints.count == 3)
        #expect(state.checkpoints.filter { !$0.snapshotOK }.map(\.seq) == [1])
    }

    @Test func staleCompleteAcknowledgesACompletionWithATakenOverToken() throws {
        let db = try Binaries.temporaryDirectory() + "/stale.sqlite"
        let output = try Self.takeOverSlowWorker([Binaries.faultyWorker, "--fault", "stale-complete"], db: db)
        #expect(output.status == .exited(0))
        let complete = try #require(output.ops("lease.complete").first)
        #expect(Self.isOK(complete) && complete["value"]?["token"]?.intValue == 1)
        let item = try #require(try SQLiteBackend(path: db).workItems(status: nil, ids: ["item-0"]).first)
        #expect(item.fencingToken == 2 && item.releasedToken == 1 && item.output == "done by slow token 1")
    }

    @Test func doubleEffectRunsEveryToolEffectTwice() throws {
        let dir = try Binaries.temporaryDirectory()
        let db = dir + "/double.sqlite"
        let effects = dir + "/effects.txt"
        let output = try Self.faulty("double-effect", "tool-client", db: db, ["--task", "t", "--count", "4", "--effects", effects])
        #expect(output.status == .exited(0))
        #expect(output.ops("tool.execute", "ok").count == 4)
        let state = try Self.readState([Binaries.worker], db: db, effects: effects)
        #expect(state.effects == ["t:0": 2, "t:1": 2, "t:2": 2, "t:3": 2])
    }

    @Test func badResumeRestartsFromStepZeroAndAcknowledgesEarlierStepsAgain() throws {
        let dir = try Binaries.temporaryDirectory()
        let db = dir + "/resume.sqlite"
        let effects = dir + "/effects.txt"
        let args = ["task-runner", "--db", db, "--task", "t", "--steps", "4", "--step-ms", "150", "--effects", effects]
        let first = try ChildProcess([Binaries.worker] + args)
        var steps = 0
        _ = try Self.read(first) { event in
            if event["op"]?.stringValue == "task.step" { steps += 1 }
            return steps == 2
        }
        try first.kill(9)
        #expect(try first.wait() == .signaled(9))
        let output = try Self.run([Binaries.faultyWorker, "--fault", "bad-resume"] + args)
        #expect(output.status == .exited(0))
        #expect(output.ops("task.step").compactMap { $0["value"]?["step"]?.intValue } == [0, 1, 2, 3])
        let finish = try #require(output.ops("task.finish").first)
        #expect(finish["value"]?["first_step"]?.intValue == 0 && finish["value"]?["resumed_from_seq"] == .null)
        // The earlier steps' tools replayed from the ledger: the same effects, once each.
        let state = try Self.readState([Binaries.worker], db: db, effects: effects)
        #expect(state.effects["t:0"] == 1 && state.effects["t:1"] == 1)
    }

    @Test func neverFinishLeavesTheItemItAcquiredInProgress() throws {
        let db = try Binaries.temporaryDirectory() + "/never.sqlite"
        let output = try Self.faulty("never-finish", "lease-worker", db: db, ["--items", "3", "--lease-ms", "60000"])
        #expect(output.status == .exited(0))
        #expect(output.kinds == ["ready", "op", "done"])
        let item = try #require(output.ops("lease.acquire", "ok").first?["key"]?.stringValue)
        let state = try Self.readState([Binaries.worker], db: db)
        #expect(state.workItems.filter { $0.status == "in_progress" }.map(\.id) == [item])
        #expect(state.workItems.filter { $0.status == "pending" }.count == 2)
    }

    /// Seconds from the ready line to the first op line.
    static func secondsToFirstOp(_ arguments: [String]) throws -> Double {
        let child = try ChildProcess(arguments)
        _ = try read(child) { $0["event"]?.stringValue == "ready" }
        let ready = Date()
        _ = try read(child) { $0["event"]?.stringValue == "op" }
        let seconds = Date().timeIntervalSince(ready)
        #expect(try finish(child).status == .exited(0))
        return seconds
    }

    @Test func slowRecoveryDelaysOnlyARestartedWritersFirstOperation() throws {
        let db = try Binaries.temporaryDirectory() + "/slow.sqlite"
        let command = [Binaries.faultyWorker, "--fault", "slow-recovery", "checkpoint-writer", "--db", db, "--task", "t", "--count", "2"]
        #expect(try Self.secondsToFirstOp(command) < 1.5)
        #expect(try Self.secondsToFirstOp(command) >= 2.0)
    }

    // MARK: a foreign worker

    static let foreignWorker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/foreign_worker.py").path

    static var hasPython: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/python3")
        }
    }

    @Test(.enabled(if: hasPython)) func aPythonWorkerFollowsTheProtocolAndItsReaderShowsEveryAckedCheckpoint() throws {
        let db = try Binaries.temporaryDirectory() + "/foreign.sqlite"
        let python = ["/usr/bin/env", "python3", Self.foreignWorker]
        let children = try (0..<2).map { _ in
            try ChildProcess(python + ["checkpoint-writer", "--db", db, "--task", "foreign", "--count", "20"])
        }
        var acked: [(seq: Int64, sha: String)] = []
        for child in children {
            let output = try Self.finish(child)
            #expect(output.status == .exited(0))
            let ready = try #require(output.events.first)
            #expect(ready["event"]?.stringValue == "ready" && ready["pid"]?.intValue != nil)
            #expect(ready["versions"]?["protocol"]?.intValue == 2)
            #expect(output.kinds.dropFirst().dropLast().allSatisfy { $0 == "op" } && output.kinds.last == "done")
            #expect(output.events.last?["ops"]?.intValue == 20)
            let ops = output.ops("checkpoint.commit")
            #expect(ops.count == 20 && ops.allSatisfy { Self.isOK($0) })
            #expect(ops.allSatisfy { $0["latency_us"]?.doubleValue != nil && $0["key"]?.stringValue == "foreign" })
            acked += Self.acked(ops)
        }
        #expect(acked.map(\.seq).sorted() == Array(1...40), "the writers shared or skipped a sequence number")
        #expect(acked.allSatisfy { Digest.isSHA256Hex($0.sha) })
        let state = try Self.readState(python, db: db)
        #expect(state.integrityProblems.isEmpty && state.checkpoints.allSatisfy { $0.snapshotOK })
        let stored = Set(state.checkpoints.map { "\($0.task) \($0.seq) \($0.sha256)" })
        #expect(acked.allSatisfy { stored.contains("foreign \($0.seq) \($0.sha)") })
    }
}
