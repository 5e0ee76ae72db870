import OrdealSupport
import RecoveryCore

/// The demonstration the README's first command runs until the scenario runner exists: a task
/// run with recovery on embedded SQLite, killed with SIGKILL mid-run, restarted, and checked.
public struct CrashResumeDemo {
    public struct Outcome: Sendable {
        public var passed: Bool
        public var lines: [String]
    }

    public var workerPath: String
    public var directory: String
    public var steps = 8
    public var killAfterSteps = 3
    public var stepMillis = 40

    public init(workerPath: String, directory: String) {
        self.workerPath = workerPath
        self.directory = directory
    }

    public func run(say: (String) -> Void) throws -> Outcome {
        var lines: [String] = []
        func log(_ line: String) {
            lines.append(line)
            say(line)
        }
        let db = directory + "/demo.sqlite"
        let effects = directory + "/effects.txt"
        let argv = [
            workerPath, "task-runner", "--db", db, "--task", "demo", "--steps", "\(steps)", "--step-ms", "\(stepMillis)",
            "--effects", effects,
        ]
        log("database: \(db)")
        log("run 1: task 'demo' with \(steps) steps; each step appends to \(effects) through the tool ledger")
        let first = try ChildProcess(argv)
        var acked: [Int64] = []
        while acked.count < killAfterSteps, let line = try first.readLine() {
            let event = try JSONParser.parse(line)
            if event["op"]?.stringValue == "task.step", event["outcome"]?.stringValue == "ok", let step = event["value"]?["step"]?.intValue {
                acked.append(step)
                log("  step \(step) acknowledged (checkpoint seq \(event["value"]?["seq"]?.intValue ?? -1))")
            }
        }
        try first.kill(9)
        log("  SIGKILL sent after \(acked.count) acknowledged steps; the worker \(try first.wait())")

        log("run 2: the same command, restarted")
        let second = try ChildProcess(argv)
        var finish: JSONValue?
        while let line = try second.readLine() {
            let event = try JSONParser.parse(line)
            if event["op"]?.stringValue == "task.step", let step = event["value"]?["step"]?.intValue {
                log("  step \(step) acknowledged")
            }
            if event["op"]?.stringValue == "task.finish" { finish = event["value"] }
        }
        log("  the worker \(try second.wait())")

        var problems: [String] = []
        let firstStep = finish?["first_step"]?.intValue ?? -1
        let lastAcked = acked.max() ?? -1
        log("resumed at step \(firstStep), after verified checkpoint seq \(finish?["resumed_from_seq"]?.intValue.map(String.init) ?? "none"); last step acknowledged before the kill: \(lastAcked)")
        if firstStep <= lastAcked { problems.append("resumed at step \(firstStep), but step \(lastAcked) had been acknowledged") }
        if finish?["state"]?.stringValue != "succeeded" { problems.append("the task did not end succeeded: \(finish.map { "\($0)" } ?? "no finish event")") }

        let backend = try SQLiteBackend(path: db)
        let sequences = try backend.checkpoints(CheckpointQuery(taskID: "demo", limit: 10_000)).map(\.sequence).sorted()
        if sequences != Array(1...Int64(max(sequences.count, 1))) { problems.append("checkpoint sequence numbers are not 1..n: \(sequences)") }
        let integrity = try backend.integrityProblems()
        if !integrity.isEmpty { problems.append("integrity_check: \(integrity.joined(separator: "; "))") }
        let text = ChaosPosix.readWholeFile(effects) ?? ""
        var counts: [String: Int] = [:]
        for effect in text.split(separator: "\n") { counts[String(effect), default: 0] += 1 }
        let ledgerEntries = try backend.entries(kind: .tool, taskID: "demo", limit: 1000).count
        for step in 0..<steps {
            let n = counts["demo:\(step)", default: 0]
            if n == 0 { problems.append("step \(step)'s effect never happened") }
            if n > 2 { problems.append("step \(step)'s effect happened \(n) times") }
        }
        let doubled = counts.filter { $0.value == 2 }.keys.sorted()
        log("effects: \(counts.count) distinct of \(steps), \(text.split(separator: "\n").count) lines; ledger entries: \(ledgerEntries)")
        if !doubled.isEmpty {
            log("  re-run after an indeterminate crash (intent recorded, result not): \(doubled.joined(separator: ", "))")
        }
        log("checkpoints: sequence 1..\(sequences.count), no gap, no duplicate; integrity_check: \(integrity.isEmpty ? "ok" : "FAILED")")
        for problem in problems { log("FAIL: \(problem)") }
        log(problems.isEmpty ? "PASS: killed with SIGKILL, resumed from its last verified checkpoint, completed" : "FAIL")
        return Outcome(passed: problems.isEmpty, lines: lines)
    }
}
