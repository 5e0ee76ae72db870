import OrdealModel
import OrdealSupport

/// `expected-work`: the workers acknowledged the work the scenario demands (`expect:`): for
/// each expectation, at least `acknowledged` ok ops of its name (in its group when it names
/// one), and each declared value total reached over them. A worker that acknowledged nothing, a
/// misspelled op, a role that was declared and never performed: each fails here, where every
/// invariant on an empty history would prove nothing.
/// Measurements: per expectation `OP.acknowledged` (and `OP.FIELD` for totals).
public enum ExpectedWorkChecker {
    public static let name = "expected-work"

    public static func check(_ expectations: [WorkExpectation], _ history: History) -> CheckResult {
        var findings = Findings()
        var measurements: [String: Double] = [:]
        var said: [String] = []
        for expectation in expectations {
            let where_ = expectation.group.map { " by group \($0)" } ?? ""
            let acked = history.ops(expectation.op, outcome: "ok").filter { e in expectation.group.map { e.group == $0 } ?? true }
            measurements["\(expectation.op).acknowledged"] = Double(acked.count)
            if let demanded = expectation.acknowledged {
                said.append("\(acked.count) of \(demanded) \(expectation.op)\(where_)")
                if acked.count < demanded {
                    findings.violation(
                        "work-not-acknowledged", key: expectation.op,
                        ["acknowledged": .int(Int64(acked.count)), "demanded": .int(Int64(demanded)), "group": expectation.group.map(JSONValue.string) ?? .null])
                }
            }
            for field in expectation.totals.keys.sorted() {
                let demanded = expectation.totals[field]!
                var total: Int64 = 0
                var unreadable = false
                for event in acked {
                    guard let n = event.int(field) else {
                        findings.malformed(event, "value lacks \(field)")
                        unreadable = true
                        continue
                    }
                    total += n
                }
                measurements["\(expectation.op).\(field)"] = Double(total)
                said.append("\(expectation.op) \(field) \(total) of \(demanded)\(where_)")
                // A sum with unreadable terms is not known to be short: unknown, not fail.
                if total < demanded && !unreadable {
                    findings.violation(
                        "work-total-short", key: expectation.op,
                        ["field": .string(field), "total": .int(total), "demanded": .int(demanded)])
                }
            }
        }
        let summary = said.joined(separator: "; ")
        return findings.result(
            name, pass: "the demanded work was acknowledged: \(summary)",
            fail: "less work was acknowledged than the scenario demands: \(summary)", measurements: measurements,
            judged: expectations.count, nothing: "the scenario demands no work")
    }
}
