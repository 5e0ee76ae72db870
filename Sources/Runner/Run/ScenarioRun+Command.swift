import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import OrdealSupport

/// `command` faults: a command of the scenario's own, run at the fault's trigger.
extension ScenarioRun {
    /// Runs a `command` fault's command to its end (its output goes to workers.log); its heal
    /// is its end. A command that fails is a harness problem: the fault did not happen as meant.
    func runCommandFault(_ i: Int) throws {
        guard case .command(let argv) = faults[i].spec.options else { return }
        let started = now()
        do {
            let child = try ChildProcess(argv, stderrPath: config.workersLogPath)
            while try child.readLine() != nil {}
            let status = try child.wait()
            if status != .exited(0) {
                problems.append("fault \(i) (command \(argv.joined(separator: " "))) \(status); see workers.log")
            }
            faults[i].effects["status"] = .string("\(status)")
        } catch {
            problems.append("fault \(i): cannot run \(argv.joined(separator: " ")): \(error)")
        }
        faults[i].effects["command_ms"] = .double(now() - started)
        // Healed when the command has ended; recorded after the fault event the caller writes.
        faults[i].healAtMillis = now()
    }
}
