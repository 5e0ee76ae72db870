import OrdealSystem
import OrdealSupport
import Synchronization

/// The outcome of one operation, as the worker protocol states it.
public enum OpOutcome: String, Sendable {
    /// The effect is committed: an acknowledgement the checkers rely on.
    case ok
    /// The operation definitely did not take effect.
    case fail
    /// Indeterminate: it may or may not have taken effect.
    case info
}

/// Writes the worker protocol's JSON lines to standard output, one `write(2)` per line so that
/// a line is never interleaved or half-written (lines stay under PIPE_BUF). The reader's
/// `state` line may be far larger; `emit` keeps writing after a short write until all of it is out.
public struct EventWriter: Sendable {
    let fd: Int32
    /// The op lines written, which the done event must state (the runner checks it).
    private let written = OpCounter()

    public init(fd: Int32 = 1) { self.fd = fd }

    /// How many op lines this writer has written.
    public var opsWritten: Int { written.value.load(ordering: .relaxed) }

    /// Writes one event. A worker that cannot report cannot be checked: when the event cannot
    /// be encoded (a number JSON cannot hold) or written, it says so on standard error and exits
    /// with 70, so the runner sees a worker that broke, never a line it would have to guess at.
    public func emit(_ fields: [String: JSONValue]) {
        guard var bytes = try? CanonicalJSON.encode(.object(fields)) else {
            WorkerPosix.printError("ordeal-worker: cannot encode the \(fields["event"]?.stringValue ?? "?") event as JSON; exiting")
            Posix.exit(70)
        }
        bytes.append(0x0A)
        do { try Posix.writeAll(fd, bytes) } catch { Posix.exit(70) }
    }

    public func ready(role: String, backend: String, extra: [String: JSONValue] = [:]) {
        var fields: [String: JSONValue] = [
            "event": "ready", "pid": .int(Int64(Posix.pid)), "role": .string(role), "backend": .string(backend),
            "versions": ["ordeal": .string(OrdealVersion.current), "protocol": 1],
        ]
        if let shim = WorkerPosix.faultShimVersion() { fields["shim"] = ["loaded": true, "version": .string(shim)] }
        for (k, v) in extra { fields[k] = v }
        emit(fields)
    }

    public func op(
        _ op: String, key: String, outcome: OpOutcome, latencyNanos: UInt64, value: JSONValue? = nil, error: String? = nil
    ) {
        var fields: [String: JSONValue] = [
            "event": "op", "op": .string(op), "key": .string(key), "outcome": .string(outcome.rawValue),
            "latency_us": .double((Double(latencyNanos) / 100).rounded() / 10),
            // When the outcome was known, on CLOCK_MONOTONIC: the runner places the event in
            // time by it rather than by when it read the line.
            "t_mono_ns": .int(Int64(Posix.monotonicNanos())),
        ]
        if let value { fields["value"] = value }
        if let error { fields["error"] = .string(error) }
        emit(fields)
        written.value.add(1, ordering: .relaxed)
    }

    /// The last event: the number of op lines written, every outcome counted.
    public func done() {
        emit(["event": "done", "ops": .int(Int64(opsWritten))])
    }
}

private final class OpCounter: Sendable {
    let value = Atomic<Int>(0)
}
