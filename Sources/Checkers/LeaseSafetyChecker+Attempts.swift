import OrdealModel
import OrdealSupport

/// lease-safety's rules on attempt accounting, for the work items whose final state says how
/// many leases each may hold in all (`max_attempts`; the expiry of the last fails the item):
/// - `leases-beyond-max-attempts`: more ok `lease.acquire` of the item than `max_attempts` (an
///   item whose last lease expired was not failed, and was leased again);
/// - `failed-before-max-attempts`: the item ended `failed` with fewer leases than
///   `max_attempts`, although no holder ever released it (no `lease.complete` of it, ok or
///   refused): only expiries failed it, one attempt early or more.
extension LeaseSafetyChecker {
    struct AttemptJudgement {
        var items = 0
        var failed = 0
    }

    static func judgeAttempts(_ history: History, _ final: FinalState, _ findings: inout Findings) -> AttemptJudgement {
        var judged = AttemptJudgement()
        let limited = final.workItems.filter { $0.maxAttempts != nil }
        guard !limited.isEmpty else { return judged }
        var leases: [String: [HistoryEvent]] = [:]
        var released = Set<String>()
        for event in history.events where event.type == "op" {
            guard let item = event.key else { continue }
            if event.op == "lease.acquire", event.isOK { leases[item, default: []].append(event) }
            if event.op == "lease.complete" { released.insert(item) }
        }
        for item in limited {
            guard let max = item.maxAttempts else { continue }
            judged.items += 1
            let held = leases[item.id] ?? []
            if held.count > max {
                findings.violation(
                    "leases-beyond-max-attempts", key: item.id,
                    ["leases": .int(Int64(held.count)), "max_attempts": .int(max), "status": .string(item.status)],
                    events: Array(held.suffix(2)))
            }
            guard item.status == "failed" else { continue }
            judged.failed += 1
            if held.count < max, !released.contains(item.id) {
                findings.violation(
                    "failed-before-max-attempts", key: item.id,
                    ["leases": .int(Int64(held.count)), "max_attempts": .int(max), "attempts": .int(item.attempts)],
                    events: Array(held.suffix(1)))
            }
        }
        return judged
    }
}
