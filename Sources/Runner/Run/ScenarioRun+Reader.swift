import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import OrdealSupport

extension ScenarioRun {
    /// Starts the reader (the scenario's first group's command, or ordeal-worker) and returns
    /// the final state it reports; nil, with a harness problem recorded, when it cannot.
    func readFinalState() throws -> FinalState? {
        let reader = config.scenario.reader
        let command = reader.command.map { [config.workerPath, "exec"] + $0 } ?? [config.workerPath]
        try record([
            "type": "note", "t_ms": .double(now()),
            "note": .string("the final state is read by \(reader.group.map { "group \($0)'s command" } ?? "ordeal-worker"): \(command.joined(separator: " ")) reader"),
        ])
        let argv = command + ["reader"] + backendArguments
        let child: ChildProcess
        do { child = try ChildProcess(argv, stderrPath: config.workersLogPath) } catch {
            return harnessProblem("cannot start the reader (\(argv.joined(separator: " "))): \(error)")
        }
        // Every line through the one validation, as the workers' lines: a reader that breaks
        // the protocol gives no final state to judge.
        var state: JSONValue?
        var number = 0
        var identity: WorkerIdentity?
        var violation: String?
        while let line = try child.readLine() {
            number += 1
            guard violation == nil else { continue }
            do {
                let event = try WorkerProtocol.parse(line, number: number, worker: "reader", declared: identity)
                if event.kind == "ready" { identity = WorkerIdentity() }
                if event.kind == "state" { state = event.fields["state"] }
            } catch {
                violation = error.description
            }
        }
        let status = try child.wait()
        if let violation { return harnessProblem(violation) }
        guard status == .exited(0) else { return harnessProblem("the reader \(status) (see workers.log)") }
        guard let state else { return harnessProblem("the reader wrote no state event") }
        do {
            return try FinalState(json: state)
        } catch {
            return harnessProblem("the reader's state is malformed: \(error)")
        }
    }
}
