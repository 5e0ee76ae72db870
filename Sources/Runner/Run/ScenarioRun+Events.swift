import Foundation
import OrdealModel
import OrdealSupport
import OrdealSystem

/// What the runner does with each thing a worker's reader reports: a protocol line, an exit,
/// a read failure. Every event is recorded to the history before anything acts on it.
extension ScenarioRun {
    func handle(_ signal: WorkerSignal) throws {
        switch signal {
        case .line(let name, let incarnation, let text, let t): try handleLine(name, incarnation: incarnation, text: text, at: t)
        case .exit(let name, let incarnation, let status, let t): try handleExit(name, incarnation: incarnation, status: status, at: t)
        case .failure(let name, _, let message, _): problems.append("reading worker \(name) failed: \(message)")
        }
    }

    /// One line of a worker's standard output: a protocol event, recorded with where and when.
    private func handleLine(_ name: String, incarnation: Int, text: String, at t: Double) throws {
        guard var instance = instances[name] else { return }
        let base: [String: JSONValue] = [
            "t_ms": .double(t), "worker": .string(name), "group": .string(instance.group.name),
            "incarnation": .int(Int64(incarnation)),
        ]
        instance.lines += 1
        instances[name] = instance
        let parsed: WorkerProtocol.Event
        do {
            parsed = try WorkerProtocol.parse(text, number: instance.lines, worker: name, declared: instance.identity)
        } catch {
            try protocolViolation(error, base: base)
            return
        }
        let event = parsed.fields
        let kind = parsed.kind
        var fields = event
        fields.removeValue(forKey: "event")
        fields.merge(base) { $1 }
        switch kind {
        case "ready":
            do {
                instance.identity = try WorkerProtocol.identity(
                    ofReady: event, command: instance.group.command, line: instance.lines, worker: name, text: text)
            } catch {
                try protocolViolation(error, base: base)
                return
            }
            instance.ready = true
            fields["type"] = "ready"
            fields["ready_ms"] = .double(t - (instance.process?.spawnedAtMillis ?? t))
            if let canary = shimCanary(name, pid: instance.process?.pid) { fields["shim"] = canary }
            instances[name] = instance
            try record(fields)
            try healKills(of: name, at: t)
        case "op":
            instance.opsWritten += 1
            if event["outcome"]?.stringValue == "ok", let snapshot = event["value"]?["snapshot"]?.stringValue,
                let seq = event["value"]?["seq"]?.intValue
            {
                instance.lastSnapshot = (event["key"]?.stringValue ?? "", seq, snapshot, event["value"]?["artifact"]?.stringValue)
            }
            instances[name] = instance
            fields["type"] = "op"
            // The worker's own monotonic stamp (same clock, same host), as ms of the scenario.
            if let stamp = event["t_mono_ns"]?.intValue, stamp > 0 {
                fields["wt_ms"] = .double((Double(stamp) - Double(start.startNanos)) / 1_000_000)
            }
            try record(fields)
            if event["outcome"]?.stringValue == "ok", let op = event["op"]?.stringValue {
                acknowledged += 1
                countTowardsFaults(instance: name, group: instance.group.name, op: op)
                // Fire at once, not after the rest of the batch: the fault lands as close to
                // its N-th acknowledgement as the signal can.
                try fireDueFaults()
            }
        case "done":
            fields["type"] = "done"
            instance.saidDone = true
            instances[name] = instance
            try record(fields)
            if let said = event["ops"]?.intValue, said != Int64(instance.opsWritten) {
                try protocolViolation(
                    WorkerProtocol.Violation(
                        worker: name, line: instance.lines,
                        problem: "its done event counts \(said) ops, but it wrote \(instance.opsWritten) op lines", text: text),
                    base: base)
            }
        default:
            // A worker's `state` line is the reader's; any other event fails validation above.
            try protocolViolation(
                WorkerProtocol.Violation(worker: name, line: instance.lines, problem: "a \(kind) event from a role that is not the reader", text: text),
                base: base)
        }
    }

    /// A line that broke the protocol: recorded as a note and made a harness problem (the
    /// scenario is unknown). Past the first few, only counted, so a flood stays readable.
    private func protocolViolation(_ violation: WorkerProtocol.Violation, base: [String: JSONValue]) throws {
        protocolViolations += 1
        try record(base.merging(["type": "note", "note": .string("protocol violation: \(violation)")]) { $1 })
        if protocolViolations <= 3 {
            problems.append(violation.description)
        } else if protocolViolations == 4 {
            problems.append("more lines broke the worker protocol: see the notes in history.jsonl")
        }
    }

    /// A worker's process ended: recorded, then judged against what the scenario expected of it.
    private func handleExit(_ name: String, incarnation: Int, status: TerminationStatus, at t: Double) throws {
        guard incarnation == instances[name]?.incarnation else { return }
        try noticePowerCut(by: name, status: status, at: t)
        guard var instance = instances[name] else { return }
        instance.running = false
        instance.lastStatus = status
        var fields: [String: JSONValue] = [
            "type": "exit", "t_ms": .double(t), "worker": .string(name), "group": .string(instance.group.name),
            "incarnation": .int(Int64(incarnation)),
        ]
        switch status {
        case .exited(let code): fields["status"] = "exited"; fields["code"] = .int(Int64(code))
        case .signaled(let sig): fields["status"] = "signaled"; fields["signal"] = .int(Int64(sig))
        }
        try record(fields)
        if instance.killedByFault, case .exited(let code) = status {
            problems.append(
                "a fault meant to kill worker \(name) found it already ended (it exited \(code) before the signal): the fault did not land; trigger it earlier or give the worker more work")
        }
        if instance.killedByFault {
            if instance.group.restart != .never { instance.restartAtMillis = t + instance.restartDelayMillis }
        } else if instance.group.restart == .onFailure, instance.ready, status != .exited(0) {
            instance.restartAtMillis = t
        } else if !instance.ready {
            problems.append("worker \(name) \(status) before it was ready (see workers.log)")
        } else if status == .exited(0) && !instance.saidDone {
            problems.append("worker \(name) exited 0 without its done event: its history is cut short")
        } else if case .exited(let code) = status, code != 0 && code != 1 {
            problems.append("worker \(name) \(status): a harness error (2 is bad usage, 70 lost standard output; see workers.log)")
        } else if case .signaled = status {
            problems.append("worker \(name) was \(status), not by a fault of the scenario")
        }
        instances[name] = instance
        if instance.finished { try startDependents(of: instance.group.name) }
    }
}
