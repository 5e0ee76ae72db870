import OrdealSupport
import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import Foundation

/// One incarnation of a worker instance: its process, and a thread that forwards each line of
/// its standard output to the scenario's queue, then reaps it and reports how it ended.
final class WorkerProcess: @unchecked Sendable {
    let instance: String
    let incarnation: Int
    let child: ChildProcess
    let spawnedAtMillis: Double

    /// Spawns `argv` and starts forwarding. `clock` gives ms since the scenario began.
    init(
        instance: String, incarnation: Int, argv: [String], environment: [String]? = nil, stderrPath: String,
        queue: EventQueue, clock: @escaping @Sendable () -> Double
    ) throws {
        self.instance = instance
        self.incarnation = incarnation
        self.spawnedAtMillis = clock()
        self.child = try ChildProcess(argv, environment: environment, stderrPath: stderrPath)
        let child = self.child
        let thread = Thread {
            do {
                while let line = try child.readLine() {
                    queue.push(.line(instance: instance, incarnation: incarnation, text: line, tMillis: clock()))
                }
                let status = try child.wait()
                queue.push(.exit(instance: instance, incarnation: incarnation, status: status, tMillis: clock()))
            } catch {
                queue.push(.failure(instance: instance, incarnation: incarnation, message: "\(error)", tMillis: clock()))
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    var pid: Int32 { child.pid }

    func signal(_ signal: Int32) throws { try child.kill(signal) }
}
