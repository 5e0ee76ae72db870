import OrdealSupport
import OrdealModel
import OrdealSystem
import Yams

extension ScenarioParser {
    static let topLevelKeys = [
        "name", "description", "seed", "backend", "durability", "timeout", "liveness", "workers", "faults", "checks",
        "thresholds", "expected_failures", "backends", "expect", "reader", "premises",
    ]
    static let workerKeys = ["name", "role", "count", "command", "params", "restart", "after"]

    /// A parsed scenario and the line of its `name` key (for duplicate-name messages); nil
    /// when the file has problems.
    struct Parsed {
        var scenario: Scenario
        var nameLine: Int?
    }

    /// The whole file. `defaultName` is the file name without its extension.
    mutating func scenario(root: Node?, defaultName: String) -> Parsed? {
        guard let root, !Self.isNull(root) else {
            report(line: nil, "", "the file is empty; a scenario needs at least `workers` (see docs/scenario-format.md)")
            return nil
        }
        guard let top = fields(root, "", valid: Self.topLevelKeys) else { return nil }

        var name = defaultName
        if let node = top["name"], let value = self.name(node, "name") { name = value }
        var scenario = Scenario(name: name, sourcePath: file, seed: ScenarioLoader.defaultSeed(forName: name), workers: [])
        if let node = top["description"], let value = string(node, "description") { scenario.description = value }
        if let node = top["seed"] { seed(node).map { scenario.seed = $0 } }
        if let node = top["backend"], let value = string(node, "backend") {
            if ScenarioLoader.backends.contains(value) {
                scenario.backend = value
            } else {
                report(node, "backend", "unsupported backend '\(value)'; valid: \(ScenarioLoader.backends.joined(separator: ", "))")
            }
        }
        if let node = top["durability"], let value: Durability = choice(node, "durability", noun: "durability") {
            scenario.durability = value
        }
        if let node = top["timeout"], let value = millis(node, "timeout", positive: true) { scenario.timeoutMillis = value }
        if let node = top["liveness"], let value = millis(node, "liveness") { scenario.livenessMillis = value }
        scenario.workers = workers(top["workers"], in: top)
        if let node = top["faults"] { scenario.faults = faults(node, groups: scenario.workers) }
        if let node = top["checks"] { scenario.checks = checks(node) }
        if let node = top["thresholds"] { scenario.thresholds = thresholds(node) }
        if let node = top["backends"], let items = list(node, "backends", example: "[postgres]") {
            scenario.backends = items.enumerated().compactMap { self.name($0.element, "backends[\($0.offset)]") }
        }
        if let node = top["expected_failures"] { scenario.expectedFailures = expectedFailures(node, checks: scenario.checks) }
        if let node = top["expect"] { scenario.expectations = expectations(node, groups: scenario.workers) }
        if let node = top["premises"] { scenario.premises = premises(node) }
        if let node = top["reader"], let group = self.name(node, "reader") {
            if scenario.workers.contains(where: { $0.name == group }) {
                scenario.readerGroup = group
            } else {
                report(node, "reader", "no worker group is named '\(group)'; groups: \(scenario.workers.map(\.name).joined(separator: ", "))")
            }
        }

        guard problems.isEmpty else { return nil }
        return Parsed(scenario: scenario, nameLine: top["name"]?.mark?.line)
    }

    private mutating func seed(_ node: Node) -> UInt64? {
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
            let value = UInt64(scalar.string), Seed.isValid(value)
        {
            return value
        }
        report(node, "seed", "expected \(Seed.rule); found \(Self.describe(node)) (or remove `seed` to derive it from the name)")
        return nil
    }

    // MARK: Workers

    /// The worker groups. A group with problems is still returned (with what could be read)
    /// so that fault targets and `after` are checked against every group the file names.
    private mutating func workers(_ node: Node?, in top: Fields) -> [WorkerGroup] {
        let example = "`workers: [{role: checkpoint-writer}]`"
        guard let node else {
            report(top.node, "workers", "missing; a scenario needs at least one worker group, e.g. \(example)")
            return []
        }
        guard let items = list(node, "workers", example: example) else { return [] }
        guard !items.isEmpty else {
            report(node, "workers", "is empty; add at least one worker group, e.g. \(example)")
            return []
        }
        var groups: [WorkerGroup] = []
        var firstIndex: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let field = "workers[\(index)]"
            guard let group = worker(item, field, earlier: groups) else { continue }
            if let other = firstIndex[group.name] {
                let keyNode = Self.keyLine(item, "name") ?? item
                let defaulted = Self.keyLine(item, "name") == nil ? " (a group's name defaults to its role)" : ""
                report(keyNode, "\(field).name", "group name '\(group.name)' is already used by workers[\(other)]\(defaulted); give each group a distinct `name`")
            } else {
                firstIndex[group.name] = index
            }
            groups.append(group)
        }
        return groups
    }

    /// The key node of `key` in a mapping node, for reporting at the key's line.
    static func keyLine(_ node: Node, _ key: String) -> Node? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.first { $0.key.scalar?.string == key }?.key
    }

    private mutating func worker(_ node: Node, _ field: String, earlier: [WorkerGroup]) -> WorkerGroup? {
        guard let item = fields(node, field, valid: Self.workerKeys) else { return nil }
        let roles = ScenarioLoader.builtInRoles.joined(separator: ", ")
        guard let roleNode = item["role"] else {
            report(node, "\(field).role", "missing; valid roles: \(roles) (or any name together with `command`)")
            return nil
        }
        guard let role = name(roleNode, "\(field).role") else { return nil }
        var group = WorkerGroup(name: role, role: role)
        if let node = item["name"], let value = name(node, "\(field).name") { group.name = value }
        if let node = item["count"], let value = integer(node, "\(field).count", atLeast: 1) { group.count = value }
        if let node = item["command"] { group.command = command(node, "\(field).command") }
        if !item.has("command") && !ScenarioLoader.builtInRoles.contains(role) {
            let hint =
                role == "reader"
                ? "'reader' is started by the runner itself at the end; remove this group"
                : "unknown role '\(role)'; valid: \(roles) (or give `command` to run a worker of your own with any role name)"
            report(roleNode, "\(field).role", hint)
        }
        if let node = item["params"] { group.params = params(node, "\(field).params") }
        if let node = item["restart"], let value: RestartPolicy = choice(node, "\(field).restart", noun: "restart policy") {
            group.restart = value
        }
        if let node = item["after"], let value = name(node, "\(field).after") {
            let names = earlier.map(\.name)
            if names.contains(value) {
                group.after = value
            } else if names.isEmpty {
                report(node, "\(field).after", "'\(value)' is not an earlier group: no group comes before this one; move the group it waits for above it, or remove `after`")
            } else {
                report(node, "\(field).after", "'\(value)' is not an earlier group; valid: \(names.joined(separator: ", ")) (a group can only wait for groups listed above it)")
            }
        }
        return group
    }

    private mutating func command(_ node: Node, _ field: String) -> [String]? {
        guard let items = list(node, field, example: "[python3, worker.py]") else { return nil }
        guard !items.isEmpty else {
            report(node, field, "is empty; give the program and its arguments, e.g. [python3, worker.py], or remove `command`")
            return nil
        }
        var argv: [String] = []
        for (index, item) in items.enumerated() {
            guard let arg = string(item, "\(field)[\(index)]") else { return nil }
            argv.append(arg)
        }
        return argv
    }

    private mutating func params(_ node: Node, _ field: String) -> [String: String] {
        guard case .mapping(let mapping) = node else {
            report(node, field, "expected a mapping of option names to values, e.g. `params: {task: t1, count: 300}`; found \(Self.describe(node))")
            return [:]
        }
        var out: [String: String] = [:]
        for (key, value) in mapping {
            guard case .scalar(let keyScalar) = key, !Self.isNull(key) else {
                report(key, field, "an option name must be plain text; found \(Self.describe(key))")
                continue
            }
            let path = Self.path(field, keyScalar.string)
            guard case .scalar(let scalar) = value, !Self.isNull(value) else {
                report(value, path, "expected a text, number or true/false value; found \(Self.describe(value)) (each param becomes `--\(keyScalar.string) VALUE`)")
                continue
            }
            out[keyScalar.string] = scalar.string
        }
        return out
    }
}
