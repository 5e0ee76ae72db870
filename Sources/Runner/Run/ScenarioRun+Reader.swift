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
        var state: JSONValue?
        while let line = try child.readLine() {
            if case .object(let event)? = try? JSONParser.parse(line), event["event"]?.stringValue == "state" {
                state = event["state"]
            }
        }
        let status = try child.wait()
        guard status == .exited(0) else { return harnessProblem("the reader \(status) (see workers.log)") }
        guard let state else { return harnessProblem("the reader wrote no state event") }
        do {
            return try FinalState(json: state)
        } catch {
            return harnessProblem("the reader's state is malformed: \(error)")
        }
    }
}
