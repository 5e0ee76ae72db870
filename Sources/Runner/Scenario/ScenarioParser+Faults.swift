import OrdealSupport
import OrdealModel
import OrdealSystem
import Yams

extension ScenarioParser {
    static let faultKeys = ["kind", "target", "after_ops", "op", "at", "random", "sync_point", "duration", "restart_delay", "jitter"]
        + FaultKind.allCases.flatMap(\.traits.optionKeys)
    static let triggerKeys = ["after_ops", "at", "random", "sync_point"]
    static let thresholdKeys = ["op", "recovery", "on"] + Percentile.allCases.map(\.rawValue)

    // MARK: Faults

    mutating func faults(_ node: Node, groups: [WorkerGroup]) -> [FaultSpec] {
        guard let items = list(node, "faults", example: "`faults: [{kind: kill, target: writer, after_ops: 50}]`") else {
            return []
        }
        var out: [FaultSpec] = []
        for (index, item) in items.enumerated() {
            if let fault = fault(item, "faults[\(index)]", groups: groups) { out.append(fault) }
        }
        return out
    }

    private mutating func fault(_ node: Node, _ field: String, groups: [WorkerGroup]) -> FaultSpec? {
        guard let item = fields(node, field, valid: Self.faultKeys) else { return nil }
        let kinds = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
        var kind: FaultKind?
        if let node = item["kind"] {
            kind = choice(node, "\(field).kind", noun: "fault kind")
        } else {
            report(node, "\(field).kind", "missing; valid: \(kinds)")
        }
        var target: String?
        if let node = item["target"] {
            target = faultTarget(node, "\(field).target", groups: groups)
        } else {
            report(node, "\(field).target", "missing; name a worker group (\(groups.map(\.name).joined(separator: ", "))) or one of its instances (e.g. \(groups.first.map { $0.instanceName(0) } ?? "writer-0"))")
        }
        let trigger = self.trigger(item, field, kind: kind)
        let options = kind.flatMap { faultOptions(item, field, kind: $0) }

        var durationMillis: Int64 = 0
        if let node = item["duration"] {
            if let kind, kind.traits.killsWorker {
                report(item.keyNode("duration"), "\(field).duration", "applies to \(Self.kinds(where: \.takesDuration)); remove it (for \(kind.rawValue), `restart_delay` sets the wait before the restart)")
            } else if let value = millis(node, "\(field).duration", positive: true) {
                durationMillis = value
            }
        } else if kind == .pause {
            report(node, "\(field).duration", "missing; a pause needs `duration`, how long the worker stays stopped, e.g. `duration: 500ms`")
        }
        var restartDelayMillis: Int64 = 0
        if let node = item["restart_delay"] {
            if let kind, !kind.traits.killsWorker {
                report(item.keyNode("restart_delay"), "\(field).restart_delay", "applies to \(Self.kinds(where: \.killsWorker)) only; remove it (for \(kind.rawValue), `duration` sets how long the fault lasts)")
            } else if let value = millis(node, "\(field).restart_delay") {
                restartDelayMillis = value
            }
        }
        var jitterMillis: Int64 = 0
        if let node = item["jitter"] {
            if !item.has("after_ops") {
                report(item.keyNode("jitter"), "\(field).jitter", "applies only to `after_ops`; add `after_ops: N` or remove `jitter`")
            } else if let value = millis(node, "\(field).jitter") {
                jitterMillis = value
            }
        }
        guard let kind, let target, let trigger, let options else { return nil }
        return FaultSpec(
            kind: kind, target: target, trigger: trigger, durationMillis: durationMillis, restartDelayMillis: restartDelayMillis,
            jitterMillis: jitterMillis, options: options)
    }

    /// The kinds with a trait, for messages: "kill, power-loss and corrupt".
    static func kinds(where trait: KeyPath<FaultTraits, Bool>) -> String {
        let names = FaultKind.allCases.filter { $0.traits[keyPath: trait] }.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    /// A group name, or an instance `GROUP-N` with N below the group's count.
    private mutating func faultTarget(_ node: Node, _ field: String, groups: [WorkerGroup]) -> String? {
        guard let text = name(node, field) else { return nil }
        if groups.contains(where: { $0.name == text }) { return text }
        if let dash = text.lastIndex(of: "-") {
            let groupName = String(text[..<dash])
            let suffix = text[text.index(after: dash)...]
            if let group = groups.first(where: { $0.name == groupName }), !suffix.isEmpty,
                suffix.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(suffix), group.instanceName(index) == text
            {
                if index < group.count { return text }
                report(node, field, "'\(text)' is not an instance: group \(group.name) has count \(group.count), so its instances are \(Self.instances(group)); valid targets: \(Self.targets(groups))")
                return nil
            }
        }
        report(node, field, "unknown target '\(text)'; valid: \(Self.targets(groups))")
        return nil
    }

    private static func instances(_ group: WorkerGroup) -> String {
        group.count == 1 ? group.instanceName(0) : "\(group.instanceName(0)) to \(group.instanceName(group.count - 1))"
    }

    private static func targets(_ groups: [WorkerGroup]) -> String {
        guard !groups.isEmpty else { return "none, since no worker group was read; fix `workers` first" }
        return "the groups \(groups.map(\.name).joined(separator: ", ")) or their instances \(groups.map(instances).joined(separator: ", "))"
    }

    /// Exactly one of `after_ops` (with an optional `op`), `at`, `random` or (power-loss only)
    /// `sync_point`.
    private mutating func trigger(_ item: Fields, _ field: String, kind: FaultKind?) -> Trigger? {
        let given = Self.triggerKeys.filter { item.has($0) }
        let choices = kind == .powerLoss ? "after_ops (optionally with op), at, random, sync_point" : "after_ops (optionally with op), at, random"
        if item.has("sync_point"), let kind, kind != .powerLoss {
            report(item.keyNode("sync_point"), "\(field).sync_point", "applies to power-loss only; give \(kind.rawValue) one of \(choices)")
            return nil
        }
        if item.has("op") && !item.has("after_ops") {
            report(item.keyNode("op"), "\(field).op", "applies only to `after_ops`; add `after_ops: N` or remove `op`")
        }
        guard let key = given.first else {
            report(item.node, field, "no trigger; give exactly one of \(choices), e.g. `after_ops: 50` or `at: 200ms`")
            return nil
        }
        guard given.count == 1 else {
            report(item.keyNode(given[1]), "\(field).\(given[1])", "more than one trigger (\(given.joined(separator: ", "))); keep exactly one of \(choices)")
            return nil
        }
        let node = item[key]!
        switch key {
        case "after_ops":
            guard let count = integer(node, "\(field).after_ops", atLeast: 1) else { return nil }
            var op: String?
            if let opNode = item["op"] {
                guard let value = name(opNode, "\(field).op") else { return nil }
                op = value
            }
            return .afterOps(count: count, op: op)
        case "at":
            return millis(node, "\(field).at").map { .atMillis($0) }
        case "sync_point":
            return syncPoint(node, "\(field).sync_point").map { .syncPoint($0) }
        default:
            return randomWindow(node, "\(field).random")
        }
    }

    private mutating func randomWindow(_ node: Node, _ field: String) -> Trigger? {
        let example = "[100ms, 2s]"
        guard let items = list(node, field, example: example) else { return nil }
        guard items.count == 2 else {
            report(node, field, "expected two durations [min, max], e.g. \(example); found \(items.count)")
            return nil
        }
        guard let low = millis(items[0], "\(field)[0]"), let high = millis(items[1], "\(field)[1]") else { return nil }
        guard low <= high else {
            report(node, field, "min \(low)ms is greater than max \(high)ms; write the window as [min, max], e.g. \(example)")
            return nil
        }
        return .random(minMillis: low, maxMillis: high)
    }

    // MARK: Checks

    mutating func checks(_ node: Node) -> [String] {
        let valid = ScenarioLoader.checkNames.joined(separator: ", ")
        guard let items = list(node, "checks", example: "[acked-durable, integrity]") else { return [] }
        guard !items.isEmpty else {
            report(node, "checks", "is empty; list one or more of \(valid), or remove `checks` to run all that apply")
            return []
        }
        var out: [String] = []
        for (index, item) in items.enumerated() {
            let field = "checks[\(index)]"
            guard let check = string(item, field) else { continue }
            if !ScenarioLoader.checkNames.contains(check) {
                report(item, field, "unknown check '\(check)'; valid: \(valid)")
            } else if out.contains(check) {
                report(item, field, "check '\(check)' is listed twice; remove one")
            } else {
                out.append(check)
            }
        }
        return out
    }

    /// `[{check: acked-durable, reason: "..."}]`: each a known check, listed once, with a reason.
    mutating func expectedFailures(_ node: Node, checks: [String]) -> [ExpectedFailure] {
        let example = "[{check: acked-durable, reason: \"durability normal loses acknowledged commits on power loss\"}]"
        guard let items = list(node, "expected_failures", example: example) else { return [] }
        var out: [ExpectedFailure] = []
        for (index, item) in items.enumerated() {
            let field = "expected_failures[\(index)]"
            guard let entry = fields(item, field, valid: ["check", "reason"]) else { continue }
            guard let checkNode = entry["check"], let reasonNode = entry["reason"] else {
                report(item, field, "needs both `check` and `reason`, e.g. \(example)")
                continue
            }
            guard let check = string(checkNode, "\(field).check"), let reason = name(reasonNode, "\(field).reason") else { continue }
            if !ScenarioLoader.checkNames.contains(check) {
                report(checkNode, "\(field).check", "unknown check '\(check)'; valid: \(ScenarioLoader.checkNames.joined(separator: ", "))")
            } else if !checks.isEmpty && !checks.contains(check) {
                report(checkNode, "\(field).check", "'\(check)' is not in `checks`, so it never runs; add it to `checks`")
            } else if out.contains(where: { $0.check == check }) {
                report(checkNode, "\(field).check", "check '\(check)' is listed twice; remove one")
            } else {
                out.append(ExpectedFailure(check: check, reason: reason))
            }
        }
        return out
    }

    // MARK: Thresholds

    mutating func thresholds(_ node: Node) -> [Threshold] {
        guard let items = list(node, "thresholds", example: "[{op: checkpoint.commit, p99: 50ms}]") else { return [] }
        var out: [Threshold] = []
        for (index, item) in items.enumerated() {
            var entries = threshold(item, "thresholds[\(index)]")
            // `on: [sqlite]`: a limit measured for some backends only (an embedded store's
            // latency is no limit for a server's).
            if case .mapping(let mapping) = item, let on = mapping["on"],
                let names = list(on, "thresholds[\(index)].on", example: "[sqlite]")
            {
                let backends = names.enumerated().compactMap { name($0.element, "thresholds[\(index)].on[\($0.offset)]") }
                for i in entries.indices { entries[i].backends = backends }
            }
            out += entries
        }
        return out
    }

    private mutating func threshold(_ node: Node, _ field: String) -> [Threshold] {
        let percentiles = Percentile.allCases.map(\.rawValue).joined(separator: ", ")
        guard let item = fields(node, field, valid: Self.thresholdKeys) else { return [] }
        let given = item.keys.filter { Percentile(rawValue: $0) != nil }
        switch (item["op"], item["recovery"]) {
        case (.some, .some):
            report(item.keyNode("recovery"), "\(field).recovery", "a threshold is either `op:` with percentiles or `recovery: {...}`, not both; split it into two entries")
            return []
        case (.some(let opNode), nil):
            guard let op = name(opNode, "\(field).op") else { return [] }
            guard !given.isEmpty else {
                report(node, field, "no limit for op '\(op)'; give one or more of \(percentiles), e.g. `p99: 50ms`")
                return []
            }
            return limits(item, given, field, subject: .op(op))
        case (nil, .some(let recoveryNode)):
            if let stray = given.first {
                report(item.keyNode(stray), "\(field).\(stray)", "with `recovery`, put the percentiles inside it, e.g. `recovery: {\(stray): 50ms}`")
                return []
            }
            let recoveryField = "\(field).recovery"
            guard let inner = fields(recoveryNode, recoveryField, valid: Percentile.allCases.map(\.rawValue), noun: "percentile")
            else { return [] }
            guard !inner.keys.isEmpty else {
                report(recoveryNode, recoveryField, "no limit; give one or more of \(percentiles), e.g. `recovery: {p50: 50ms}`")
                return []
            }
            return limits(inner, inner.keys, recoveryField, subject: .recovery)
        case (nil, nil):
            report(node, field, "a threshold needs `op: NAME` with one or more of \(percentiles), or `recovery: {p50: 50ms}`")
            return []
        }
    }

    private mutating func limits(_ item: Fields, _ keys: [String], _ field: String, subject: Threshold.Subject) -> [Threshold] {
        var out: [Threshold] = []
        for key in keys {
            guard let percentile = Percentile(rawValue: key), let node = item[key],
                let micros = duration(node, "\(field).\(key)", positive: true)
            else { continue }
            out.append(Threshold(subject: subject, percentile: percentile, maxMicros: micros))
        }
        return out
    }
}
