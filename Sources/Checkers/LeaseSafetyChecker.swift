import OrdealModel
import OrdealSupport

/// `lease-safety`: fencing tokens keep stale holders out. Per work item, in history order:
/// - the tokens of ok `lease.acquire` ops strictly increase (a token acquired twice, or lower
///   than one acquired before, is `acquire-token-not-increasing`);
/// - an ok `lease.complete` carries the highest token acquired for the item before it
///   (`stale-completion` when lower: a holder whose lease was taken over completed work;
///   `completion-token-never-acquired` when no acquisition before it had that token);
/// - no ok `lease.acquire` after an ok completion has a higher token than the completion's (a
///   completed item is never leased again, so the completion was stale or the item reopened:
///   `acquired-after-completion`);
/// - an item has at most one ok completion (`completed-twice`);
/// - a completed item's final `released_token` equals the token of its ok completion
///   (`released-token-mismatch`).
/// For a core without fencing tokens, the tokens are each item's leases numbered in
/// acknowledgement order (`LeaseEpochs`), and there is no `released_token` to compare.
///
/// Renewals and the work done under a lease are judged by time and by the holder's own reports
/// (`stale-renewal-accepted`, `work-after-lost-lease`: LeaseSafetyChecker+Renewals.swift), and
/// the attempt accounting against the final state's `max_attempts`
/// (`leases-beyond-max-attempts`, `failed-before-max-attempts`: LeaseSafetyChecker+Attempts.swift).
/// Measurements: `acquisitions`, `completions`, `stale_refused` (completions refused with
/// `lease-lost`, the fencing working as meant), `redundant_executions` (acquisitions of an item
/// beyond its first: work done again because a lease was taken over).
public struct LeaseSafetyChecker: Checker {
    public let name = "lease-safety"

    public init() {}

    public func check(history: History, final: FinalState, context: CheckContext) -> CheckResult {
        var findings = Findings()
        var highest: [String: HistoryEvent] = [:]
        var completions: [String: [HistoryEvent]] = [:]
        var acquisitions = 0
        var acquiredItems: [String: Int] = [:]
        var staleRefused = 0
        for event in history.events where event.type == "op" {
            guard event.op == "lease.acquire" || event.op == "lease.complete", let item = event.key else { continue }
            if event.op == "lease.complete", event.outcome == "fail", Self.isLeaseLost(event.error) {
                staleRefused += 1
                continue
            }
            guard event.isOK else { continue }
            guard let token = event.int("token") else {
                findings.malformed(event, "value lacks token")
                continue
            }
            let top = highest[item]
            let topToken = top?.int("token")
            if event.op == "lease.acquire" {
                acquisitions += 1
                acquiredItems[item, default: 0] += 1
                if let top, let topToken, token <= topToken {
                    findings.violation(
                        "acquire-token-not-increasing", key: item, ["token": .int(token), "earlier_token": .int(topToken)],
                        events: [top, event])
                }
                if let done = completions[item]?.first, let doneToken = done.int("token"), token > doneToken {
                    findings.violation(
                        "acquired-after-completion", key: item, ["token": .int(token), "completed_token": .int(doneToken)],
                        events: [done, event])
                }
                if topToken.map({ token > $0 }) ?? true { highest[item] = event }
            } else {
                if let earlier = completions[item]?.first {
                    findings.violation("completed-twice", key: item, ["token": .int(token)], events: [earlier, event])
                }
                completions[item, default: []].append(event)
                if let top, let topToken {
                    if token < topToken {
                        findings.violation(
                            "stale-completion", key: item, ["token": .int(token), "current_token": .int(topToken)],
                            events: [top, event])
                    } else if token > topToken {
                        findings.violation(
                            "completion-token-never-acquired", key: item,
                            ["token": .int(token), "highest_acquired": .int(topToken)], events: [top, event])
                    }
                } else {
                    findings.violation(
                        "completion-token-never-acquired", key: item, ["token": .int(token)], events: [event])
                }
            }
        }
        for item in final.workItems where item.status == "completed" {
            guard let completion = completions[item.id]?.first, let token = completion.int("token") else { continue }
            // A core without fencing tokens stores none to compare with the assigned number.
            if item.releasedToken != token && !LeaseEpochs.isAssigned(completion) {
                findings.violation(
                    "released-token-mismatch", key: item.id,
                    ["completed_token": .int(token), "released_token": item.releasedToken.map(JSONValue.int) ?? .null],
                    events: [completion])
            }
        }
        let renewals = Self.judgeRenewals(history, &findings)
        let attempts = Self.judgeAttempts(history, final, &findings)
        let completed = completions.values.reduce(0) { $0 + $1.count }
        // An item acquired k times was worked on k times: k - 1 executions were redundant.
        let redundant = acquiredItems.values.reduce(0) { $0 + max($1 - 1, 0) }
        return findings.result(
            name,
            pass: "\(acquisitions) acquisitions had increasing tokens; \(completed) completions each held the current token"
                + (renewals.renewals + renewals.units > 0 ? "; \(renewals.renewals) renewals and \(renewals.units) work units came from current holders" : "")
                + (attempts.items > 0 ? "; \(attempts.items) items with a maximum of attempts held no more leases than it allows, \(attempts.failed) failed only on their last" : ""),
            fail: "\(findings.violations) lease violation(s): a stale holder, a reused token or a miscounted attempt got through",
            measurements: [
                "acquisitions": Double(acquisitions), "completions": Double(completed), "stale_refused": Double(staleRefused),
                "redundant_executions": Double(redundant), "renewals": Double(renewals.renewals),
                "work_units": Double(renewals.units), "failed_items": Double(attempts.failed),
            ],
            judged: acquisitions + completed + staleRefused + renewals.renewals + renewals.units,
            nothing: "no lease.acquire or lease.complete in the history")
    }

    /// A refusal because the lease was taken over (`lease-lost`, or the core's "lease lost: ..." sentence).
    static func isLeaseLost(_ error: String?) -> Bool {
        guard let error = error?.lowercased() else { return false }
        return error.contains("lease-lost") || error.contains("lease lost") || error.contains("leaselost")
    }
}
