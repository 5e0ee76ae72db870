import OrdealModel
import Yams

extension ScenarioParser {
    /// `expect: [{op: checkpoint.commit, acknowledged: 100}, {op: sweep.run, group: sweeper, total: {recovered: 100}}]`:
    /// the work the workers must acknowledge, judged by `expected-work`. Each entry names an
    /// op, optionally a group of the scenario, and `acknowledged`, `total` or both.
    mutating func expectations(_ node: Node, groups: [WorkerGroup]) -> [WorkExpectation] {
        let example = "[{op: checkpoint.commit, acknowledged: 100}]"
        guard let items = list(node, "expect", example: example) else { return [] }
        var out: [WorkExpectation] = []
        for (index, item) in items.enumerated() {
            let field = "expect[\(index)]"
            guard let entry = fields(item, field, valid: ["op", "group", "acknowledged", "total"]) else { continue }
            guard let opNode = entry["op"], let op = name(opNode, "\(field).op") else {
                if entry["op"] == nil { report(item, field, "needs `op`, e.g. \(example)") }
                continue
            }
            var expectation = WorkExpectation(op: op)
            if let groupNode = entry["group"], let group = name(groupNode, "\(field).group") {
                if groups.contains(where: { $0.name == group }) {
                    expectation.group = group
                } else {
                    report(groupNode, "\(field).group", "no worker group is named '\(group)'; groups: \(groups.map(\.name).joined(separator: ", "))")
                }
            }
            if let n = entry["acknowledged"] { expectation.acknowledged = integer(n, "\(field).acknowledged", atLeast: 1) }
            if let totals = entry["total"], case .mapping(let mapping) = totals {
                for (key, value) in mapping {
                    guard let fieldName = string(key, "\(field).total"), let n = integer(value, "\(field).total.\(fieldName)", atLeast: 1) else { continue }
                    expectation.totals[fieldName] = Int64(n)
                }
            } else if let totals = entry["total"] {
                report(totals, "\(field).total", "must map value fields to sums, e.g. {recovered: 100}; found \(Self.describe(totals))")
            }
            if expectation.acknowledged == nil && expectation.totals.isEmpty && entry["acknowledged"] == nil && entry["total"] == nil {
                report(item, field, "says no amount: give `acknowledged: N`, `total: {FIELD: N}` or both, e.g. \(example)")
            }
            out.append(expectation)
        }
        return out
    }

    /// `premises: [takeover, stale-refused]`: what must have happened for the checks to mean
    /// anything; each a known premise, listed once.
    mutating func premises(_ node: Node) -> [Premise] {
        let valid = Premise.allCases.map(\.rawValue).joined(separator: ", ")
        guard let items = list(node, "premises", example: "[takeover]") else { return [] }
        var out: [Premise] = []
        for (index, item) in items.enumerated() {
            let field = "premises[\(index)]"
            guard let text = string(item, field) else { continue }
            guard let premise = Premise(rawValue: text) else {
                report(item, field, "unknown premise '\(text)'; valid: \(valid)")
                continue
            }
            if out.contains(premise) {
                report(item, field, "premise '\(text)' is listed twice; remove one")
            } else {
                out.append(premise)
            }
        }
        return out
    }
}
