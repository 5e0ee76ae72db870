import OrdealModel
import OrdealSupport

/// The premises a scenario lists (`premises:`), each judged on the history: `pass` with what
/// showed it, or `unknown` with why it did not hold. A premise never fails a scenario (the
/// system may be right); it stops a pass that proved nothing.
public enum PremiseChecker {
    public static func name(_ premise: Premise) -> String { "premise \(premise.rawValue)" }

    public static func check(_ premises: [Premise], history: History, final: FinalState? = nil) -> [CheckResult] {
        premises.map { premise in
            let (held, detail) = judge(premise, history, final)
            return CheckResult(
                name: name(premise), verdict: held ? .pass : .unknown,
                detail: held ? detail : "premise not met, so the scenario tested nothing: \(detail)")
        }
    }

    static func judge(_ premise: Premise, _ history: History, _ final: FinalState? = nil) -> (Bool, String) {
        switch premise {
        case .takeover: takeover(history)
        case .staleRefused: staleRefused(history)
        case .faultSurfaced: faultSurfaced(history)
        case .restarted: restarted(history)
        case .killInsideCall: killInsideCall(history)
        case .renewalDuringSweep: renewalDuringSweep(history)
        case .lateRenewal: lateRenewal(history)
        case .snapshotCorrupted: corrupted(.snapshot, history)
        case .artifactCorrupted: corrupted(.artifact, history)
        case .retentionAfterFinish: retentionAfterFinish(history)
        case .vacuousEvidence: EvidenceRules.premise(history, final)
        case .indeterminateLanded: indeterminateLanded(history, final)
        }
    }

    /// The first item acquired by one worker and then by another with a higher token.
    static func takeover(_ history: History) -> (Bool, String) {
        var first: [String: HistoryEvent] = [:]
        var acquisitions = 0
        for event in history.ops("lease.acquire", outcome: "ok") {
            guard let item = event.key, let token = event.int("token") else { continue }
            acquisitions += 1
            guard let earlier = first[item] else {
                first[item] = event
                continue
            }
            if event.worker != earlier.worker, let old = earlier.int("token"), token > old {
                return (true, "\(item), acquired by \(earlier.worker ?? "?") (token \(old)), was taken over by \(event.worker ?? "?") (token \(token)) at t=\(Format.seconds(millis: event.tMillis)) s")
            }
        }
        return (false, "no work item was taken over (\(acquisitions) acquisitions, each item held by one worker): the lease never expired while its holder was away, or the core never let another worker in")
    }

    static func staleRefused(_ history: History) -> (Bool, String) {
        let refused = history.events.filter {
            $0.type == "op" && ($0.op == "lease.complete" || $0.op == "lease.renew") && $0.outcome == "fail"
                && LeaseSafetyChecker.isLeaseLost($0.error)
        }
        if let first = refused.first {
            return (true, "\(refused.count) stale \(refused.count == 1 ? "try was" : "tries were") refused, the first \(first.op ?? "?") of \(first.key ?? "?") by \(first.worker ?? "?")")
        }
        // A core that let the stale holder through (no fencing) was put to the test as well:
        // lease-safety judges that try.
        var highest: [String: Int64] = [:]
        for event in history.events where event.isOK {
            guard let item = event.key, let token = event.int("token") else { continue }
            if event.op == "lease.acquire" {
                highest[item] = max(highest[item] ?? token, token)
            } else if event.op == "lease.complete" || event.op == "lease.renew", let top = highest[item], token < top {
                return (true, "a stale \(event.op ?? "?") of \(item) by \(event.worker ?? "?") (token \(token), the item's lease \(top) acquired since) was accepted, not refused: lease-safety judges it")
            }
        }
        return (false, "no holder whose item was taken over tried it again (no lease.complete or lease.renew refused with lease-lost, nor one accepted with an older token)")
    }

    /// Each fired disk-full or io-error fault is followed by a fail or info op of its worker, or
    /// that worker's exit with a non-zero status.
    static func faultSurfaced(_ history: History) -> (Bool, String) {
        let faults = history.of(type: "fault").filter {
            let kind = $0.fields["kind"]?.stringValue
            return kind == FaultKind.ioError.rawValue || kind == FaultKind.diskFull.rawValue
        }
        guard !faults.isEmpty else { return (false, "no disk-full or io-error fault fired") }
        var seen: [String] = []
        for fault in faults {
            let worker = fault.worker
            let reached = history.events.first { e in
                e.worker == worker && e.tMillis >= fault.tMillis
                    && ((e.type == "op" && (e.outcome == "fail" || e.outcome == "info"))
                        || (e.type == "exit" && !(e.fields["status"]?.stringValue == "exited" && e.fields["code"]?.intValue == 0)))
            }
            guard let reached else {
                return (false, "the \(fault.fields["kind"]?.stringValue ?? "?") fault on \(worker ?? "?") at t=\(Format.seconds(millis: fault.tMillis)) s reached no caller: no op of that worker failed or was indeterminate after it and the worker did not exit non-zero (the error hit a call whose failure is ignored, or nothing)")
            }
            seen.append("\(worker ?? "?"): \(reached.type == "op" ? "\(reached.op ?? "?") \(reached.outcome ?? "?")" : "exit \(reached.fields["code"]?.intValue ?? -1)")")
        }
        return (true, "every disk or I/O fault reached a caller (\(seen.joined(separator: "; ")))")
    }

    /// A worker killed by a fault that acknowledged an op after the kill.
    static func restarted(_ history: History) -> (Bool, String) {
        let kills = history.of(type: "fault").filter { FaultKind.killsWorker(named: $0.fields["kind"]?.stringValue) }
        guard !kills.isEmpty else { return (false, "no kill or power-loss fault fired") }
        for kill in kills {
            if let op = history.events.first(where: { $0.isOK && $0.tMillis > kill.tMillis && (kill.worker == nil || $0.group == kill.group || $0.worker == kill.worker) }) {
                return (true, "\(op.worker ?? "?") acknowledged \(op.op ?? "?") after the \(kill.fields["kind"]?.stringValue ?? "?") at t=\(Format.seconds(millis: kill.tMillis)) s")
            }
        }
        return (false, "no worker acknowledged anything after a kill: the recovery was never exercised")
    }

    /// A damaged acknowledged snapshot (or artifact), and an ok op of its worker after the damage.
    static func corrupted(_ of: CorruptTarget, _ history: History) -> (Bool, String) {
        let corruptions = history.corruptions.filter { $0.of == of }
        guard !corruptions.isEmpty else {
            let tried = history.of(type: Corruption.eventType).filter { ($0.fields["of"]?.stringValue ?? "snapshot") == of.rawValue }.count
            return (false, tried == 0 ? "no corrupt fault damaged a \(of.rawValue)" : "\(tried) corrupt fault(s) found no copy of the \(of.rawValue) in the data files")
        }
        for c in corruptions {
            if let op = history.events.first(where: { $0.isOK && $0.tMillis > c.tMillis && $0.worker == c.worker }) {
                return (true, "\(c.bytesFlipped) byte(s) of \(c.task) seq \(c.seq) flipped; \(c.worker) then acknowledged \(op.op ?? "?")")
            }
        }
        return (false, "a \(of.rawValue) was corrupted, but its worker never acknowledged anything after: nothing read past the damage")
    }

    /// An ok clean-up of a task recorded after the task's ok finish.
    static func retentionAfterFinish(_ history: History) -> (Bool, String) {
        let cleanups = history.ops("checkpoint.cleanup", outcome: "ok")
        guard !cleanups.isEmpty else { return (false, "no checkpoint.cleanup was acknowledged: retention never ran") }
        var finished: [String: HistoryEvent] = [:]
        for event in history.ops("task.finish", outcome: "ok") { if let task = event.key { finished[task] = finished[task] ?? event } }
        for cleanup in cleanups {
            if let task = cleanup.key, let finish = finished[task], cleanup.tMillis > finish.tMillis {
                return (true, "\(task) finished at t=\(Format.seconds(millis: finish.tMillis)) s, then retention cleaned it up at t=\(Format.seconds(millis: cleanup.tMillis)) s")
            }
        }
        return (false, "\(cleanups.count) clean-up(s) ran, none of a task after it finished: no clean-up saw a task whose newest checkpoint was not its last verified step")
    }

    /// A call the killed incarnation began and never finished, found by a later incarnation: a
    /// tool call re-run (`reran: true`) or reported indeterminate (`info`).
    static func killInsideCall(_ history: History) -> (Bool, String) {
        let kills = history.of(type: "fault").filter { FaultKind.killsWorker(named: $0.fields["kind"]?.stringValue) }
        guard !kills.isEmpty else { return (false, "no kill or power-loss fault fired") }
        let found = history.events.first { e in
            e.type == "op" && (e.op == "tool.execute" || e.op == "tool.replay")
                && (e.outcome == "info" || e.value?["reran"]?.boolValue == true)
                && kills.contains { $0.tMillis < e.tMillis }
        }
        guard let found else {
            return (false, "\(kills.count) kill(s) fired, but none landed inside a tool call: no later call was re-run or reported indeterminate")
        }
        return (true, "a kill landed inside a tool call: \(found.worker ?? "?") then found \(found.key ?? "?") indeterminate (\(found.outcome == "info" ? "reported info" : "re-ran it"))")
    }

    /// The ok renewals whose run overlapped a sweep that recovered something, on the workers'
    /// monotonic stamps (`wt_ms`); ops without stamps are not judged.
    static func renewalDuringSweep(_ history: History) -> (Bool, String) {
        func span(_ e: HistoryEvent) -> ClosedRange<Double>? {
            guard let end = e.workerMillis else { return nil }
            return (end - (e.latencyMicros ?? 0) / 1000)...end
        }
        let sweeps = history.ops("sweep.run", outcome: "ok").filter {
            ($0.int("recovered") ?? 0) + ($0.int("failed") ?? 0) >= 1
        }.compactMap(span)
        guard !sweeps.isEmpty else { return (false, "no sweep recovered a lease (or none carried its worker's time stamp)") }
        let renewals = history.ops("lease.renew", outcome: "ok").compactMap(span)
        let during = renewals.filter { renewal in sweeps.contains { $0.overlaps(renewal) } }
        guard !during.isEmpty else {
            return (false, "none of \(renewals.count) renewals ran while one of the \(sweeps.count) recovering sweeps ran: the holders renewed before or after the sweeps, so their latency under a sweep was not measured")
        }
        return (true, "\(during.count) of \(renewals.count) renewals ran while a recovering sweep ran (\(sweeps.count) such sweeps)")
    }

    /// A renewal (ok or refused) that began after the lease its holder last set had run out.
    static func lateRenewal(_ history: History) -> (Bool, String) {
        var setAt: [String: (start: Double, length: Double)] = [:]
        var late = 0
        var renewals = 0
        for event in history.events where event.type == "op" && (event.op == "lease.acquire" || event.op == "lease.renew") {
            guard let item = event.key, let token = event.int("token"), let end = event.workerMillis else { continue }
            let key = "\(event.worker ?? "?")#\(event.incarnation)#\(item)#\(token)"
            let start = end - (event.latencyMicros ?? 0) / 1000
            if event.op == "lease.renew" {
                renewals += 1
                if let set = setAt[key], start > set.start + set.length { late += 1 }
            }
            if event.isOK, let length = event.int("lease_ms") { setAt[key] = (start, Double(length)) }
        }
        guard late > 0 else {
            return (false, "none of \(renewals) renewals came after its lease could have expired (or none carried lease_ms): no renewal raced a sweep")
        }
        return (true, "\(late) of \(renewals) renewals began after their lease could have expired")
    }

    /// Some commit reported indeterminate (or, by a core that misreports it, failed) has its
    /// snapshot in the final state: its reply was lost, and it landed.
    static func indeterminateLanded(_ history: History, _ final: FinalState?) -> (Bool, String) {
        let unacknowledged = AckedDurableChecker.resolved(history, final)
        let landed = unacknowledged.filter(\.landed).map(\.event)
        guard let first = landed.first else {
            return (false, "none of the \(unacknowledged.count) commit(s) without an acknowledgement landed: no reply was lost on a write that took effect, so nothing tested how the core reports one")
        }
        return (true, "\(landed.count) of \(unacknowledged.count) unacknowledged commit(s) landed, the first by \(first.worker ?? "?") at t=\(Format.seconds(millis: first.tMillis)) s (reported \(first.outcome ?? "?"))")
    }
}
