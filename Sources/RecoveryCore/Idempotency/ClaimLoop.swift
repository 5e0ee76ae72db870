import OrdealSystem
/// The shared protocol of the LLM cache and the tool ledger: read the key; a stored result is
/// returned; otherwise claim the key (compare-and-swap), produce the result, and store it.
/// A live claim by another process is waited for, so the producer runs once.
struct ClaimLoop: Sendable {
    enum Outcome {
        /// A stored result (a cache hit or a replay).
        case stored(String, waited: Bool)
        /// This call produced the result; `tookOver` names the entry it replaced.
        case produced(String, tookOver: IdempotencyEntry?)
    }

    let store: any IdempotencyStore
    let clock: any RecoveryClock
    let owner: ClaimOwner
    let kind: IdempotencyKind
    let ttlMillis: Int64
    let claimMillis: Int64
    let maxWaitMillis: Int64

    /// `abandoned` is called for a claim whose owner died or whose claim expired, or an entry
    /// whose producer threw; it returns true to take the key over, or throws.
    func run(
        key: String, taskID: String?, request: () throws -> String,
        abandoned: (IdempotencyEntry) throws -> Bool, produce: () throws -> String
    ) throws -> Outcome {
        let waitStart = Stopwatch()
        var waited = false
        var backoffMillis: Int64 = 1
        while true {
            let now = clock.nowMillis()
            if let result = try store.storedResult(key: key, nowMillis: now) { return .stored(result, waited: waited) }
            let entry = try store.entry(key: key)
            var replacing: Int64? = nil
            if let entry {
                switch entry.status {
                case .done:
                    if let expires = entry.expiresAtMillis, expires > now { return .stored(entry.result ?? "", waited: waited) }
                    replacing = entry.claimToken  // expired: produce again, re-arming the TTL
                case .claimed where entry.claimExpiresAtMillis > now && ClaimOwner.mayBeAlive(entry.owner):
                    guard Int64(waitStart.elapsedMillis) < maxWaitMillis else {
                        throw RecoveryError(
                            .claimTimeout,
                            "key \(key) has been claimed by \(entry.owner) for over \(maxWaitMillis) ms; raise the wait or check that process")
                    }
                    waited = true
                    Posix.sleep(millis: backoffMillis)
                    backoffMillis = min(backoffMillis * 2, 20)
                    continue
                case .claimed, .failed:
                    guard try abandoned(entry) else { continue }
                    replacing = entry.claimToken
                }
            }
            let claim = IdempotencyClaim(
                key: key, kind: kind, taskID: taskID, request: try request(), owner: owner.description,
                nowMillis: now, claimExpiresAtMillis: now + claimMillis)
            guard let token = try store.claimKey(claim, replacing: replacing) else { continue }  // lost a race: look again
            let value: String
            do {
                value = try produce()
            } catch {
                _ = try store.failKey(key: key, token: token, error: "\(error)", nowMillis: clock.nowMillis())
                throw error
            }
            let done = clock.nowMillis()
            guard try store.completeKey(key: key, token: token, result: value, nowMillis: done, expiresAtMillis: done + ttlMillis)
            else {
                throw RecoveryError(
                    .claimLost,
                    "key \(key): another process took the claim over while this one was producing (claim of \(claimMillis) ms too short?)")
            }
            return .produced(value, tookOver: replacing == nil ? nil : entry)
        }
    }
}
