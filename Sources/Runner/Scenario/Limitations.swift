import OrdealModel
import Yams

/// A core's known limitations, given to `ordeal run --limitations FILE` beside scenario files
/// left untouched: checks that the core's own documentation promises less than (at-least-once
/// steps, no fencing token), each measured as an expected failure and listed under "Measured
/// limitations" instead of hidden (docs/scenario-format.md, `expected_failures`).
///
/// ```yaml
/// - scenario: tool-kill-inside-calls
///   check: effects-at-most-once
///   reason: "DBOS documents steps as at-least-once: '...' (https://docs.dbos.dev/...)"
/// ```
public enum Limitations {
    /// One entry of the file.
    public struct Entry: Sendable, Hashable {
        public var scenario: String
        public var limitation: ExpectedFailure
    }

    /// What applying a file did: the scenarios with their limitations added, and the entries
    /// that name a scenario this run does not include (kept out, and said so by the caller).
    public struct Applied: Sendable {
        public var scenarios: [Scenario]
        public var notInRun: [String]
    }

    /// Reads `path` and adds each entry to its scenario's expected failures. Every problem of
    /// the file is reported together (an unknown check, a check the scenario does not run, an
    /// entry the scenario file itself already declares, a malformed entry), with its line.
    public static func apply(file path: String, to scenarios: [Scenario]) throws(ScenarioError) -> Applied {
        let text: String
        switch ScenarioFiles.read(path) {
        case .failure(let failure):
            let message = failure.isMissing ? "no such file; pass the limitations file of the core (a YAML list of {scenario, check, reason})" : "cannot read: \(failure.reason); check its permissions"
            throw ScenarioError(problems: [.init(file: path, line: nil, field: "", message: message)])
        case .success(let contents): text = contents
        }
        let entries = try parse(yaml: text, path: path, scenarios: scenarios)
        var out = scenarios
        var notInRun: [String] = []
        for entry in entries {
            guard let index = out.firstIndex(where: { $0.name == entry.scenario }) else {
                notInRun.append(entry.scenario)
                continue
            }
            out[index].expectedFailures.append(entry.limitation)
        }
        return Applied(scenarios: out, notInRun: notInRun)
    }

    /// The entries of a limitations file, validated against the scenarios it will apply to.
    public static func parse(yaml: String, path: String, scenarios: [Scenario]) throws(ScenarioError) -> [Entry] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ScenarioError(problems: [ScenarioLoader.syntaxProblem(error, file: path)])
        }
        var parser = ScenarioParser(file: path)
        let entries = parser.limitations(root, scenarios: scenarios)
        guard parser.problems.isEmpty else { throw ScenarioError(problems: parser.problems) }
        return entries
    }
}

extension ScenarioParser {
    mutating func limitations(_ root: Node?, scenarios: [Scenario]) -> [Limitations.Entry] {
        let example = "- {scenario: lease-expiry-takeover, check: lease-safety, reason: \"the docs promise no fencing: '...'\"}"
        guard let root else {
            report(line: nil, "", "the file is empty; list each limitation as \(example)")
            return []
        }
        guard let items = list(root, "", example: example) else { return [] }
        var out: [Limitations.Entry] = []
        for (index, item) in items.enumerated() {
            let field = "[\(index)]"
            guard let entry = fields(item, field, valid: ["scenario", "check", "reason"]) else { continue }
            guard let scenarioNode = entry["scenario"], let checkNode = entry["check"], let reasonNode = entry["reason"] else {
                report(item, field, "needs `scenario`, `check` and `reason`, e.g. \(example)")
                continue
            }
            guard let scenarioName = name(scenarioNode, "\(field).scenario"), let check = name(checkNode, "\(field).check"),
                let reason = name(reasonNode, "\(field).reason")
            else { continue }
            let name = scenarioName
            let scenario = scenarios.first { $0.name == name }
            if !ScenarioLoader.checkNames.contains(check) {
                report(checkNode, "\(field).check", "unknown check '\(check)'; valid: \(ScenarioLoader.checkNames.joined(separator: ", "))")
            } else if let scenario, !scenario.checks.isEmpty, !scenario.checks.contains(check) {
                report(checkNode, "\(field).check", "scenario '\(name)' does not run '\(check)' (its checks: \(scenario.checks.joined(separator: ", "))); remove the entry or name a check it runs")
            } else if let scenario, scenario.expectedFailures.contains(where: { $0.check == check }) {
                report(checkNode, "\(field).check", "scenario '\(name)' already declares '\(check)' an expected failure in \(scenario.sourcePath); remove the entry")
            } else if out.contains(where: { $0.scenario == name && $0.limitation.check == check }) {
                report(checkNode, "\(field).check", "'\(check)' of scenario '\(name)' is listed twice; remove one")
            } else {
                out.append(.init(scenario: name, limitation: ExpectedFailure(check: check, reason: reason)))
            }
        }
        return out
    }
}
