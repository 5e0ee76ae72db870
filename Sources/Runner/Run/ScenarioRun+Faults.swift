import Foundation
import OrdealModel
import OrdealSupport
import OrdealSystem

/// The scenario's fault schedule: which faults fire when, and the kills that heal.
extension ScenarioRun {
    func planFaults() {
        for (index, spec) in config.scenario.faults.enumerated() {
            var target = spec.target
            if let group = config.scenario.workers.first(where: { $0.name == spec.target }) {
                target = group.instanceName(Int(random.next() % UInt64(group.count)))
            }
            var fault = PendingFault(index: index, spec: spec, target: target)
            switch spec.trigger {
            case .atMillis(let ms): fault.fireAtMillis = Double(ms)
            case .random(let lo, let hi): fault.fireAtMillis = Double(lo + Int64(random.next() % UInt64(hi - lo + 1)))
            case .afterOps, .syncPoint: break
            }
            faults.append(fault)
        }
    }

    /// Counts an acknowledged op towards the faults that trigger on ops of its worker. A fault
    /// counts only once every earlier fault on the same target has healed: `after_ops` is the
    /// number of acknowledgements since the previous fault on that target ended (or since the
    /// start), so a second kill lands on the restarted worker, not on the one still dying.
    func countTowardsFaults(instance: String, group: String, op: String) {
        for i in faults.indices where faults[i].firedAtMillis == nil && !faults[i].due {
            guard case .afterOps(let count, let filter) = faults[i].spec.trigger else { continue }
            let spec = faults[i].spec
            guard spec.target == group || spec.target == instance else { continue }
            let earlierOpen = faults[..<i].contains { $0.target == faults[i].target && $0.healedAtMillis == nil }
            if earlierOpen { continue }
            if let filter, filter != op { continue }
            if faults[i].fireAtMillis != nil { continue }  // counted out, waiting for its jitter
            faults[i].okCount += 1
            guard faults[i].okCount >= count else { continue }
            if spec.jitterMillis > 0 {
                faults[i].fireAtMillis = now() + Double(random.next() % UInt64(spec.jitterMillis + 1))
            } else {
                faults[i].due = true
            }
        }
    }

    func fireDueFaults() throws {
        let t = now()
        for i in faults.indices where faults[i].firedAtMillis == nil {
            if let at = faults[i].fireAtMillis, t >= at { faults[i].due = true }
            // A due fault waits until its target runs and is ready, and is not already dying
            // from an earlier kill (its buffered acknowledgements can arrive after that kill).
            guard faults[i].due, var target = instances[faults[i].target], target.running, target.ready,
                !target.killedByFault
            else { continue }
            let spec = faults[i].spec
            switch spec.kind {
            case .kill, .corrupt:
                target.killedByFault = true
                target.restartDelayMillis = Double(spec.restartDelayMillis)
                try target.process?.signal(9)
                if target.paused { target.paused = false }
                if spec.kind == .corrupt { pendingCorruptions.append(i) }
            case .pause:
                try target.process?.signal(19)  // SIGSTOP
                target.paused = true
                faults[i].healAtMillis = now() + Double(spec.durationMillis)
            case .diskFull, .ioError, .clockSkew, .powerLoss:
                guard try fireShimFault(i, target: &target) else { continue }
            case .command:
                try runCommandFault(i)
            case .network:
                guard fireNetworkFault(i) else {
                    problems.append("fault \(i) (network on \(target.name)) has no proxy to act on: the backend is not a server")
                    faults[i].firedAtMillis = now()
                    faults[i].healedAtMillis = now()
                    continue
                }
            }
            instances[target.name] = target
            faults[i].firedAtMillis = now()
            try record([
                "type": "fault", "t_ms": .double(faults[i].firedAtMillis!), "kind": .string(spec.kind.rawValue),
                "worker": .string(target.name), "group": .string(target.group.name), "incarnation": .int(Int64(target.incarnation)),
                "fault": .int(Int64(i)),
            ])
        }
        for i in faults.indices where faults[i].healedAtMillis == nil {
            guard let healAt = faults[i].healAtMillis, now() >= healAt, var target = instances[faults[i].target] else { continue }
            if faults[i].spec.kind.usesShim {
                try healShimFault(i, note: nil)
                continue
            }
            if faults[i].spec.kind == .network {
                try healNetworkFault(i, note: nil)
                continue
            }
            if faults[i].spec.kind == .command {
                faults[i].healedAtMillis = now()
                try record(["type": "heal", "t_ms": .double(now()), "kind": "command", "worker": .string(target.name), "fault": .int(Int64(i))])
                continue
            }
            // The heal is stamped before SIGCONT (and the fault after SIGSTOP), so the recorded
            // window never includes a moment the worker could run.
            faults[i].healedAtMillis = now()
            if target.running { try target.process?.signal(18) }  // SIGCONT
            target.paused = false
            instances[target.name] = target
            try record([
                "type": "heal", "t_ms": .double(faults[i].healedAtMillis!), "kind": "pause", "worker": .string(target.name),
                "fault": .int(Int64(i)),
            ])
        }
    }

    /// A killed worker's fault heals when its next incarnation is ready.
    func healKills(of name: String, at t: Double) throws {
        for i in faults.indices where faults[i].target == name && faults[i].spec.kind.traits.killsWorker
            && faults[i].firedAtMillis != nil && faults[i].healedAtMillis == nil
        {
            faults[i].healedAtMillis = t
            try record([
                "type": "heal", "t_ms": .double(t), "kind": .string(faults[i].spec.kind.rawValue), "worker": .string(name),
                "fault": .int(Int64(i)),
            ])
        }
        if !shims.isEmpty { armSyncPoints() }
    }
}
