import OrdealModel

/// Leases of a core that gives no fencing token (persist-queue's ack queue, a queue that hands
/// out rows by id): its worker declares `capabilities.fencing_tokens: false` and its lease ops
/// carry no token. The judges then number each item's leases in the order their acquisitions
/// were acknowledged, as a fencing token would: the n-th ok `lease.acquire` of an item is lease
/// n, and every later lease op of the same worker incarnation on that item belongs to the lease
/// that incarnation acquired last. lease-safety then says of such a core what it says of any:
/// a completion by a holder whose item was acquired again since is `stale-completion`. The
/// history file keeps what the worker wrote; the numbers exist only for judging, and each op
/// they were given to carries `token_source` so a counterexample says where its token came from.
public enum LeaseEpochs {
    /// The ops whose values carry a lease's token.
    public static let leaseOps: Set<String> = ["lease.acquire", "lease.complete", "lease.renew", "lease.work"]
    /// `value.token_source` of an op whose token the judges assigned.
    public static let source = "acknowledgement-order"

    /// True when a worker of the run declared that its core has no fencing tokens.
    public static func declaredNone(_ history: History) -> Bool {
        history.events.contains { $0.type == "ready" && $0.fields["capabilities"]?["fencing_tokens"]?.boolValue == false }
    }

    /// True when the judges assigned this op's token.
    public static func isAssigned(_ event: HistoryEvent) -> Bool {
        event.value?["token_source"]?.stringValue == source
    }

    /// `history` with every lease op given its lease's number, or `history` itself when every
    /// worker's core has tokens of its own. A lease op of an incarnation that acquired nothing
    /// of the item (a completion out of nowhere) gets token 0, which no acquisition has: lease-
    /// safety reports it as a completion of a token never acquired.
    public static func assigned(_ history: History) -> History {
        guard declaredNone(history) else { return history }
        var acquired: [String: Int64] = [:]
        var holding: [String: Int64] = [:]
        var out = history
        for index in out.events.indices {
            let event = out.events[index]
            guard event.type == "op", let op = event.op, leaseOps.contains(op), let item = event.key else { continue }
            let holder = "\(event.worker ?? "?")#\(event.incarnation)#\(item)"
            let token: Int64
            if op == "lease.acquire" {
                guard event.outcome == "ok" else { continue }
                token = (acquired[item] ?? 0) + 1
                acquired[item] = token
                holding[holder] = token
            } else {
                token = holding[holder] ?? 0
            }
            var value = event.value?.objectValue ?? [:]
            value["token"] = .int(token)
            value["token_source"] = .string(source)
            out.events[index].fields["value"] = .object(value)
        }
        return out
    }
}
