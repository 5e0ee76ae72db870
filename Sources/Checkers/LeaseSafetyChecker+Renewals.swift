import OrdealModel
import OrdealSupport

/// lease-safety's rules on renewals and on the work done under a lease:
/// - `stale-renewal-accepted`: an ok `lease.renew` of token T that *began* after an ok
///   `lease.acquire` of the same item with a higher token had *finished*: the item was taken over
///   and the old holder's renewal still went through. Both times are the workers' own monotonic
///   stamps (`wt_ms`, minus the renewal's latency for its start), so a renewal that committed
///   before the takeover and was reported late is never mistaken for one after it; renewals
///   without stamps are not judged.
/// - `work-after-lost-lease`: an ok `lease.work` (one interval of work, an effect) of token T
///   written by a worker after that same worker incarnation reported the renewal of T refused:
///   the holder knew it had lost the lease and kept working (a zombie).
/// - `lease-lost-before-expiry`: a renewal or completion of token T refused with lease-lost
///   that *finished* before the lease could have expired: the same worker incarnation's ok
///   acquisition or renewal of T that carried `lease_ms` *began* at S, so the lease it set lasts
///   until S + lease_ms at least (less a 5 ms margin). Nobody may take a lease that has not
///   expired, so the core dropped a live lease (a sweep that overwrote a renewal landing between
///   its read and its write). Not judged in a run where a clock fault fired: a skewed clock
///   expires leases early by design.
extension LeaseSafetyChecker {
    struct RenewalJudgement {
        var renewals = 0
        var units = 0
    }

    static func judgeRenewals(_ history: History, _ findings: inout Findings) -> RenewalJudgement {
        var judged = RenewalJudgement()
        // Per item, the ok acquisitions with their finishing stamps.
        var acquisitions: [String: [(token: Int64, end: Double, event: HistoryEvent)]] = [:]
        // Per worker incarnation and item, the token whose renewal was refused.
        var refused: [String: HistoryEvent] = [:]
        var renewals: [HistoryEvent] = []
        // Per holder and token, the latest moment its lease is known to last until.
        var liveUntil: [String: (until: Double, event: HistoryEvent)] = [:]
        let clockFault = history.of(type: "fault").contains { $0.fields["kind"]?.stringValue == FaultKind.clockSkew.rawValue }
        for event in history.events where event.type == "op" {
            guard let item = event.key else { continue }
            switch event.op {
            case "lease.acquire" where event.isOK:
                if let token = event.int("token"), let end = event.workerMillis {
                    acquisitions[item, default: []].append((token, end, event))
                }
                noteLive(event, item, &liveUntil)
            case "lease.renew" where event.isOK:
                renewals.append(event)
                noteLive(event, item, &liveUntil)
            case "lease.renew" where event.outcome == "fail" && isLeaseLost(event.error):
                refused[holderKey(event, item)] = event
                if !clockFault { judgeEarlyLoss(event, item, liveUntil, &findings) }
            case "lease.complete" where event.outcome == "fail" && isLeaseLost(event.error):
                if !clockFault { judgeEarlyLoss(event, item, liveUntil, &findings) }
            case "lease.work" where event.isOK:
                judged.units += 1
                guard let refusal = refused[holderKey(event, item)], let token = event.int("token"),
                    refusal.int("token").map({ $0 == token }) ?? true
                else { continue }
                findings.violation(
                    "work-after-lost-lease", key: item,
                    ["token": .int(token), "unit": event.value?["unit"] ?? .null, "worker": .string(event.worker ?? "?")],
                    events: [refusal, event])
            default: continue
            }
        }
        for renewal in renewals {
            guard let item = renewal.key, let token = renewal.int("token"), let end = renewal.workerMillis else { continue }
            judged.renewals += 1
            let began = end - (renewal.latencyMicros ?? 0) / 1000
            guard let takeover = acquisitions[item]?.first(where: { $0.token > token && $0.end <= began }) else { continue }
            findings.violation(
                "stale-renewal-accepted", key: item,
                ["token": .int(token), "current_token": .int(takeover.token), "worker": .string(renewal.worker ?? "?")],
                events: [takeover.event, renewal])
        }
        return judged
    }

    static let expiryMarginMillis = 5.0

    /// Records how long the lease of an ok acquisition or renewal lasts at least: from when the
    /// op began (its stamp minus its latency) for `lease_ms`.
    private static func noteLive(_ event: HistoryEvent, _ item: String, _ live: inout [String: (until: Double, event: HistoryEvent)]) {
        guard let token = event.int("token"), let length = event.int("lease_ms"), let end = event.workerMillis else { return }
        let until = end - (event.latencyMicros ?? 0) / 1000 + Double(length)
        let key = holderKey(event, item) + "#\(token)"
        if until > live[key]?.until ?? -.infinity { live[key] = (until, event) }
    }

    /// A lease-lost refusal that finished while its lease was still live.
    private static func judgeEarlyLoss(
        _ refusal: HistoryEvent, _ item: String, _ live: [String: (until: Double, event: HistoryEvent)], _ findings: inout Findings
    ) {
        guard let token = refusal.int("token"), let end = refusal.workerMillis,
            let known = live[holderKey(refusal, item) + "#\(token)"], end < known.until - expiryMarginMillis
        else { return }
        findings.violation(
            "lease-lost-before-expiry", key: item,
            ["token": .int(token), "worker": .string(refusal.worker ?? "?"),
             "ms_left": .double(((known.until - end) * 10).rounded() / 10)],
            events: [known.event, refusal])
    }

    /// One holder: a worker incarnation and an item.
    private static func holderKey(_ event: HistoryEvent, _ item: String) -> String {
        "\(event.worker ?? "?")#\(event.incarnation)#\(item)"
    }
}

extension HistoryEvent {
    /// When the worker knew the op's outcome, on its own monotonic clock (`wt_ms`), if it said.
    var workerMillis: Double? { fields["wt_ms"]?.doubleValue }
}
