import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import COrdealShims
import Foundation
import OrdealSupport

/// The faults below the process: the shim's control files, arming and healing disk-full,
/// io-error and clock-skew, and power loss (every worker killed, every file rolled back to its
/// last sync).
extension ScenarioRun {
    var shimDirectory: String { (config.dataDirectory as NSString).deletingLastPathComponent + "/shim" }
    var journalPath: String { shimDirectory + "/journal.bin" }

    /// Creates a control file per instance when a fault needs the shim (or `shimAlways`).
    func prepareShims() throws {
        let needed = config.scenario.faults.contains { $0.kind.usesShim }
        guard needed || config.shimAlways else { return }
        do {
            shimLibrary = try FaultShim.libraryPath()
        } catch {
            problems.append("\(error)")
            return
        }
        try FileManager.default.createDirectory(atPath: shimDirectory, withIntermediateDirectories: true)
        let data = URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path
        for name in order {
            shims[name] = try ShimControl(path: "\(shimDirectory)/\(name).ctl", dataDirectory: data, journalPath: journalPath)
        }
        if config.scenario.faults.contains(where: { $0.kind == .powerLoss }) {
            for shim in shims.values { shim.enableJournal(atSync: 0) }
            armSyncPoints()
        }
    }

    /// A worker's environment: the runner's (with the shim when it is loaded into this worker),
    /// and `ORDEAL_INSTANCE`, the instance's name, the same in every incarnation (a core whose
    /// processes need an identity of their own, such as DBOS's executor id, takes it from there).
    func workerEnvironment(for name: String) -> [String] {
        let base = shimEnvironment(for: name) ?? Posix.environment
        return base.filter { !$0.hasPrefix(Self.instanceVariable + "=") } + [Self.instanceVariable + "=" + name]
    }

    static let instanceVariable = "ORDEAL_INSTANCE"

    func shimEnvironment(for name: String) -> [String]? {
        guard let library = shimLibrary, let shim = shims[name] else { return nil }
        return FaultShim.environment(library: library, controlPath: shim.path, inherited: Posix.environment)
    }

    /// What the ready event records of the shim: loaded in this very process, and its version.
    func shimCanary(_ name: String, pid: Int32?) -> JSONValue? {
        guard let shim = shims[name] else { return nil }
        // A worker that ended before its ready line was read cannot have its executable compared:
        // its pid is all there is to go by.
        let loaded = pid.map { shim.isLoaded(in: $0) ?? true } ?? false
        return ["loaded": .bool(loaded), "version": .string(FaultShim.version)]
    }

    /// Arms, per target, the first sync-point power loss not yet fired whose earlier faults on
    /// that target have all healed. The count starts now.
    func armSyncPoints() {
        var armedTargets: Set<String> = []
        for i in faults.indices where faults[i].firedAtMillis == nil {
            guard case .syncPoint(let point) = faults[i].spec.trigger, !armedTargets.contains(faults[i].target) else { continue }
            armedTargets.insert(faults[i].target)
            let open = faults[..<i].contains { $0.target == faults[i].target && $0.healedAtMillis == nil }
            guard !open, let shim = shims[faults[i].target] else { continue }
            let k: Int
            switch point {
            case .at(let n), .enumerate(let n): k = n
            case .random(let lo, let hi): k = lo + Int(random.next() % UInt64(hi - lo + 1))
            }
            faults[i].effects["sync_point"] = .int(Int64(k))
            shim.enableJournal(atSync: Int64(k))
        }
    }

    /// Fires a shim fault on `target`; false when it cannot land (then it is recorded as a
    /// harness problem, which makes the scenario `unknown`).
    func fireShimFault(_ i: Int, target: inout Instance) throws -> Bool {
        let spec = faults[i].spec
        let loaded = target.process.flatMap { process in shims[target.name]?.isLoaded(in: process.pid) }
        guard let shim = shims[target.name], loaded == true else {
            problems.append(
                loaded == nil
                    ? "fault \(i) (\(spec.kind.rawValue) on \(target.name)) cannot land: the worker ended just before it; fire it earlier or give the worker more work"
                    : "fault \(i) (\(spec.kind.rawValue) on \(target.name)) cannot land: the fault shim is not loaded in that worker (a static binary, or one that clears LD_PRELOAD), so the scenario proves nothing")
            faults[i].firedAtMillis = now()
            faults[i].healedAtMillis = now()
            faults[i].effects["landed"] = false
            return false
        }
        let until = spec.durationMillis > 0 ? now() + Double(spec.durationMillis) : nil
        faults[i].hitsAtFire = shim.stats(Self.statsIndex(spec.kind)).count
        switch spec.options {
        case .diskFull(let code, let budget):
            shim.armDiskFull(errno: code, budgetBytes: budget)
            faults[i].healAtMillis = until
        case .ioError(let calls, let count):
            shim.armIOError(calls: calls, count: count)
            faults[i].healAtMillis = until
        case .clockSkew(let offset, let mode, let period, let rate, let clocks):
            shim.armClock(
                mode: mode, offsetNanos: offset * 1_000_000, periodNanos: period * 1_000_000,
                driftPPM: Int64((rate * 1_000_000).rounded()), clocks: clocks)
            faults[i].healAtMillis = until
        case .powerLoss, .none, .command, .corrupt, .network:
            try cutPower(i)
            // cutPower marked every instance killed by the fault; the caller writes this copy back.
            target = instances[target.name]!
        }
        return true
    }

    /// Disarms a fault and records its heal with what it hit.
    func healShimFault(_ i: Int, note: String?) throws {
        let name = faults[i].target
        guard let shim = shims[name] else { return }
        switch faults[i].spec.kind {
        case .diskFull: shim.disarmDiskFull()
        case .ioError: shim.disarmIOError()
        case .clockSkew: shim.disarmClock()
        default: break
        }
        faults[i].healedAtMillis = now()
        collectEffects(i, shim: shim, since: faults[i].hitsAtFire)
        if faults[i].effects["hits"]?.intValue == 0 {
            problems.append(
                "fault \(i) (\(faults[i].spec.kind.rawValue) on \(name)) hit no call while it was active: the worker did nothing it could change (it may have finished first), so the scenario proves nothing about it; fire it earlier or give the worker more work")
        }
        var fields: [String: JSONValue] = [
            "type": "heal", "t_ms": .double(faults[i].healedAtMillis!), "kind": .string(faults[i].spec.kind.rawValue),
            "worker": .string(name), "fault": .int(Int64(i)), "hits": faults[i].effects["hits"] ?? .int(0),
        ]
        if let note { fields["note"] = .string(note) }
        try record(fields)
    }

    /// A shim fault still active when the workers have all ended heals then.
    func healShimFaultsAtEnd() throws {
        for i in faults.indices where faults[i].firedAtMillis != nil && faults[i].healedAtMillis == nil {
            guard faults[i].spec.kind.usesShim && faults[i].spec.kind != .powerLoss else { continue }
            try healShimFault(i, note: "active until the workers ended")
        }
    }

    /// The shim's statistics slot of a shim fault's kind (the loader admits no other kind here).
    static func statsIndex(_ kind: FaultKind) -> ShimSlot {
        guard let slot = kind.traits.shimSlot else { preconditionFailure("\(kind.rawValue) is not a shim fault") }
        return slot
    }

    /// Calls hit since `since` (the count when the fault fired) and the first call sites of the
    /// worker's faults of this kind.
    func collectEffects(_ i: Int, shim: ShimControl, since: Int64) {
        let hits = shim.stats(Self.statsIndex(faults[i].spec.kind))
        faults[i].effects["hits"] = .int(hits.count - since)
        var unique: [ShimTrace] = []
        for trace in hits.traces where !unique.contains(trace) { unique.append(trace) }
        faults[i].traces = unique
    }

    /// Names every kept call site (one symbolizer run per module), into the faults' effects.
    func symbolizeTraces() {
        let symbolizer = Symbolizer()
        symbolizer.prepare(faults.flatMap { $0.traces.flatMap(\.frames) })
        for i in faults.indices where !faults[i].traces.isEmpty {
            faults[i].effects["call_sites"] = .array(faults[i].traces.map { symbolizer.json($0) })
        }
    }

    // MARK: Power loss

    /// Kills every running worker, as a power cut does; the rollback follows once all are down.
    func cutPower(_ i: Int) throws {
        for name in order where instances[name]!.running {
            instances[name]!.killedByFault = true
            instances[name]!.restartDelayMillis = Double(faults[i].spec.restartDelayMillis)
            if instances[name]!.paused { instances[name]!.paused = false }
            try instances[name]!.process?.signal(9)
        }
        pendingPowerCut = i
    }

    /// A worker the shim killed at its armed sync point: the power cut starts here.
    func noticePowerCut(by name: String, status: TerminationStatus, at t: Double) throws {
        guard status == .signaled(9), let shim = shims[name], shim.powerFiredNanos > 0, instances[name]?.killedByFault == false,
            let i = faults.indices.first(where: { faults[$0].target == name && faults[$0].firedAtMillis == nil && faults[$0].spec.kind == .powerLoss })
        else { return }
        let firedAt = (Double(shim.powerFiredNanos) - Double(start.startNanos)) / 1_000_000
        shim.disarmPowerCut()
        faults[i].firedAtMillis = firedAt
        collectEffects(i, shim: shim, since: 0)
        // The sync call cut: its site matters; a count would only ever be 1.
        faults[i].effects["hits"] = nil
        try record([
            "type": "fault", "t_ms": .double(firedAt), "kind": "power-loss", "worker": .string(name),
            "group": .string(instances[name]!.group.name), "incarnation": .int(Int64(instances[name]!.incarnation)),
            "fault": .int(Int64(i)), "sync_point": faults[i].effects["sync_point"] ?? .null,
        ])
        try cutPower(i)
    }

    /// Once every worker is down: rolls the files back to their last sync and records what
    /// changed. A journal the shim could not write fully makes the scenario `unknown`.
    func completePowerCut() throws {
        guard let i = pendingPowerCut else { return }
        let deadline = now() + 10_000
        while order.contains(where: { instances[$0]!.running }) && now() < deadline {
            for signal in queue.drain(waitingUpTo: 20) { try handle(signal) }
        }
        pendingPowerCut = nil
        if order.contains(where: { instances[$0]!.running }) {
            problems.append("power loss \(i): a worker did not die within 10 s of SIGKILL; the files were not rolled back")
            return
        }
        let lost = shims.values.reduce(0) { $0 + $1.journalErrors }
        if lost > 0 {
            problems.append("power loss \(i): the shim failed to write \(lost) journal records, so the rollback would be incomplete")
        }
        let rollback: PowerLossJournal.Rollback
        do {
            rollback = try PowerLossJournal(path: journalPath).rollBack()
            // Kept beside the history as evidence of what was undone (a passing scenario's
            // shim folder is removed with its data).
            try Posix.rename(journalPath, to: "\(shimDirectory)/journal-fault-\(i).bin")
        } catch {
            problems.append("power loss \(i): \(error)")
            return
        }
        let data = URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path + "/"
        func relative(_ paths: [String]) -> JSONValue { .array(paths.map { .string($0.hasPrefix(data) ? String($0.dropFirst(data.count)) : $0) }) }
        let summary: [String: JSONValue] = [
            "files_restored": relative(rollback.filesRestored), "files_removed": relative(rollback.filesRemoved),
            "bytes_restored": .int(Int64(rollback.bytesRestored)), "unsynced_changes": .int(Int64(rollback.unsyncedChanges)),
            "files_recreated": relative(rollback.filesRecreated),
        ]
        faults[i].effects["rollback"] = .object(summary)
        try record(["type": "note", "t_ms": .double(now()), "fault": .int(Int64(i)), "note": "power-loss rollback", "rollback": .object(summary)])
        armSyncPoints()
    }
}
