import OrdealModel
import OrdealSupport

/// The scenarios of one file, in report order: one scenario, or the family a file enumerates
/// (`sync_point: {enumerate: N}` gives N scenarios of one file), which report.md shows as one.
struct Family {
    var members: [ScenarioResult]

    /// The file's scenarios grouped, in the order the first of each appears.
    static func group(_ scenarios: [ScenarioResult]) -> [Family] {
        var order: [String] = []
        var byFile: [String: [ScenarioResult]] = [:]
        for (i, s) in scenarios.enumerated() {
            // A scenario that names no file (built in code) is a family of its own.
            let file = s.scenario.sourcePath.isEmpty ? "\u{0}\(i)" : s.scenario.sourcePath
            if byFile[file] == nil { order.append(file) }
            byFile[file, default: []].append(s)
        }
        return order.map { Family(members: byFile[$0]!) }
    }

    /// The one scenario, when the file gave one.
    var only: ScenarioResult? { members.count == 1 ? members[0] : nil }
    var file: String { members.first?.scenario.sourcePath ?? "" }
    /// The file's scenario name: the members' common prefix before their `.suffix`.
    var name: String {
        let first = members.first?.scenario.name ?? ""
        return first.split(separator: ".", omittingEmptySubsequences: false).dropLast().joined(separator: ".").nonEmpty ?? first
    }
    var verdict: Verdict { members.reduce(Verdict.notApplicable) { $0.combined(with: $1.verdict) } }
    /// `50 of 50 passed`, or each verdict's count.
    var tally: String {
        let counts = Dictionary(grouping: members, by: \.verdict).mapValues(\.count)
        if counts[.pass] == members.count { return "\(members.count) of \(members.count) passed" }
        return [(Verdict.pass, "passed"), (.fail, "failed"), (.unknown, "unknown"), (.notApplicable, "not applicable")]
            .compactMap { v, word in counts[v].map { "\($0) \(word)" } }.joined(separator: ", ") + " of \(members.count)"
    }
    var checksPassed: String {
        let all = members.flatMap(\.checks)
        return "\(all.filter { $0.verdict == .pass }.count)/\(all.count)"
    }
    var worstRecovery: LatencySummary? { members.compactMap(\.recovery).max { $0.p50_us < $1.p50_us } }

    /// The member with the highest `figure`, and the figure.
    func worst(_ figure: (ScenarioResult) -> Double?) -> (ScenarioResult, Double)? {
        members.compactMap { s in figure(s).map { (s, $0) } }.max { $0.1 < $1.1 }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
