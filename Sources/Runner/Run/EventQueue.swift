import OrdealSupport
import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import Dispatch
import Synchronization

/// What the worker threads tell the scenario loop.
enum WorkerSignal: Sendable {
    /// A line of the worker's standard output, and when it was read (ms since the scenario began).
    case line(instance: String, incarnation: Int, text: String, tMillis: Double)
    /// The worker's output ended and it was reaped.
    case exit(instance: String, incarnation: Int, status: TerminationStatus, tMillis: Double)
    /// Reading or reaping failed: a harness error.
    case failure(instance: String, incarnation: Int, message: String, tMillis: Double)
}

/// A multi-producer, single-consumer queue: reader threads push, the scenario loop drains,
/// waiting at most until its next deadline.
final class EventQueue: Sendable {
    private let items = Mutex<[WorkerSignal]>([])
    private let ready = DispatchSemaphore(value: 0)

    func push(_ signal: WorkerSignal) {
        items.withLock { $0.append(signal) }
        ready.signal()
    }

    /// Everything queued, waiting up to `timeoutMillis` for the first item.
    func drain(waitingUpTo timeoutMillis: Double) -> [WorkerSignal] {
        var batch = items.withLock { q -> [WorkerSignal] in
            defer { q.removeAll(keepingCapacity: true) }
            return q
        }
        if batch.isEmpty, timeoutMillis > 0 {
            _ = ready.wait(timeout: .now() + .microseconds(Int(timeoutMillis * 1000)))
            batch = items.withLock { q -> [WorkerSignal] in
                defer { q.removeAll(keepingCapacity: true) }
                return q
            }
        }
        return batch
    }
}
