import RecoveryCore

/// `agent.mix`: what an agent loop does, in a stated proportion: in every 10 operations,
/// 5 cache lookups (hits), 2 tool-ledger replays, 2 renewals of the lease the agent holds and
/// 1 checkpoint commit (begin and commit). The load phase (the cached answers, the ledger's
/// results and the lease) is done when it is made, apart from the measured phase.
public final class AgentMix {
    public static let name = "agent.mix"
    public static let proportion = "per 10 operations: 5 cache lookups, 2 ledger replays, 2 lease renewals, 1 checkpoint commit"

    enum Step { case cache, ledger, renew, commit }
    /// The fixed cycle; operation i runs `cycle[i % 10]`.
    static let cycle: [Step] = [.cache, .ledger, .cache, .renew, .cache, .commit, .cache, .ledger, .cache, .renew]

    private let leases: LeaseManager
    private var lease: Lease
    private let task: String
    private let cacheHit: (Int) throws -> Void
    private let ledgerReplay: (Int) throws -> Void
    private let commit: (String, Int) throws -> Void

    init(
        store: any LeaseStore, tag: String, cacheHit: @escaping (Int) throws -> Void,
        ledgerReplay: @escaping (Int) throws -> Void, commit: @escaping (String, Int) throws -> Void
    ) throws {
        // A day-long lease, renewed by the mix: it never expires under a later sweep.
        let leases = LeaseManager(store: store, holder: "bench-agent-\(tag)", leaseMillis: 86_400_000)
        self.leases = leases
        self.task = "bench-agent-\(tag)"
        self.cacheHit = cacheHit
        self.ledgerReplay = ledgerReplay
        self.commit = commit
        try leases.add([NewWorkItem(id: "agent-\(tag)")])
        guard let lease = try leases.acquire() else { throw Workloads.Miss(what: "the agent found no work item to lease") }
        self.lease = lease
    }

    func run(_ i: Int) throws {
        switch Self.cycle[i % Self.cycle.count] {
        case .cache: try cacheHit(i)
        case .ledger: try ledgerReplay(i)
        case .renew: lease = try leases.renew(lease)
        case .commit: try commit(task, i)
        }
    }
}
