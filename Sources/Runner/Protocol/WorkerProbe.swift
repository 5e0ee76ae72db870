import Foundation
import OrdealModel
import OrdealSupport
import OrdealSystem
import Synchronization

/// Asks a worker what it is before any scenario runs: the command is started once as the
/// reader of an empty store, and its ready event says the protocol version, the roles and ops
/// it implements and the core it puts through the suite. A command that cannot start, or that
/// breaks the protocol here, stops the run before anything starts (exit 2), with its output
/// quoted: a bad path is caught at validation, not as an unknown scenario.
public enum WorkerProbe {
    /// How long the probe waits for the reader of an empty store to finish.
    public static let timeoutSeconds = 20

    public struct Failure: ExitStatusProviding, Sendable {
        public let description: String
        public var exitStatus: ExitStatus { .badInput }
    }

    /// The identity `command` declares (run behind `workerPath exec`, as in a scenario), probed
    /// in a scratch folder under `directory`.
    /// `backendSpec`: the backend the run's workers get (`--backend`, a fresh database on a
    /// server), so that a worker for a server-only core can read it.
    public static func identify(command: [String], workerPath: String, directory: String, backendSpec: String? = nil) throws(Failure) -> WorkerIdentity {
        let shown = command.joined(separator: " ")
        let scratch = directory + "/probe"
        let log = scratch + "/worker.log"
        do { try Posix.makeDirectories(scratch) } catch {
            throw Failure(description: "cannot make \(scratch) to probe the worker: \(error.reason); check that the run folder is writable")
        }
        let argv = [workerPath, "exec"] + command + [
            "reader", "--db", scratch + "/probe.db", "--effects", scratch + "/effects.txt", "--durability", "normal",
        ] + (backendSpec.map { ["--backend", $0] } ?? [])
        let child: ChildProcess
        do { child = try ChildProcess(argv, stderrPath: log) } catch {
            throw Failure(description: "the worker `\(shown)` cannot be started: \(error.reason); check the command (--worker or a group's command)")
        }
        let finished = Atomic<Bool>(false)
        let watchdog = Thread {
            for _ in 0..<(timeoutSeconds * 10) where !finished.load(ordering: .acquiring) { Posix.sleep(millis: 100) }
            if !finished.load(ordering: .acquiring) { try? child.kill(9) }
        }
        watchdog.start()
        defer { finished.store(true, ordering: .releasing) }
        var identity: WorkerIdentity?
        var number = 0
        var violation: String?
        do {
            while let line = try child.readLine() {
                number += 1
                guard violation == nil else { continue }
                do {
                    let event = try WorkerProtocol.parse(line, number: number, worker: "probe (reader)", declared: identity)
                    if event.kind == "ready" {
                        identity = try WorkerProtocol.identity(
                            ofReady: event.fields, command: command, line: number, worker: "probe (reader)", text: line)
                    }
                } catch {
                    violation = error.description
                }
            }
            let status = try child.wait()
            finished.store(true, ordering: .releasing)
            let tail = lastLines(of: log)
            if let violation { throw Failure(description: "the worker `\(shown)`, started as the reader of an empty store, \(violation)") }
            guard status == .exited(0), let identity else {
                let what = identity == nil ? "wrote no ready event and \(status)" : "\(status)"
                throw Failure(
                    description: "the worker `\(shown)`, started as the reader of an empty store (\(argv.dropFirst(2).joined(separator: " "))), \(what)"
                        + (tail.isEmpty ? "" : "; its standard error: \(tail)") + "; see docs/worker-protocol.md")
            }
            return identity
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "probing the worker `\(shown)` failed: \(error)")
        }
    }

    /// The last lines of a worker's standard error, on one line, for a message.
    private static func lastLines(of path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(3).joined(separator: " / ").prefix(400).description
    }
}
