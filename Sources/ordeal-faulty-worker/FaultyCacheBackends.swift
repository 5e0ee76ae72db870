import RecoveryCore
import Synchronization

// TEST-ONLY. Cache faults of the storage interface, each one realistic bug.

/// no-single-flight: a live claim by another process is not waited for: the lookup does not
/// see claims in progress, a claim takes the key over whoever holds it, and the completion of a
/// claim taken over still counts (last writer wins). Concurrent clients asking for one key all
/// run the generator.
final class NoSingleFlightBackend: ForwardingBackend, @unchecked Sendable {
    override func entry(key: String) throws -> IdempotencyEntry? {
        guard let entry = try base.entry(key: key), entry.status != .claimed else { return nil }
        return entry
    }

    override func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        if let won = try base.claimKey(claim, replacing: token) { return won }
        guard let current = try base.entry(key: claim.key) else { return nil }
        return try base.claimKey(claim, replacing: current.claimToken)
    }

    override func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        if try base.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis) {
            return true
        }
        return try base.entry(key: key) != nil
    }
}

/// ttl-not-rearmed: an expired entry generated again keeps its old expiry, so it stays expired
/// and every later request generates it again.
final class TTLNotRearmedBackend: ForwardingBackend, @unchecked Sendable {
    /// The old expiry of each key taken over, until its completion.
    private let oldExpiry = Mutex([String: Int64]())

    override func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        if token != nil, let expires = try base.entry(key: claim.key)?.expiresAtMillis {
            oldExpiry.withLock { $0[claim.key] = expires }
        }
        return try base.claimKey(claim, replacing: token)
    }

    override func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        let kept = oldExpiry.withLock { $0.removeValue(forKey: key) }
        return try base.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: kept ?? expiresAtMillis)
    }
}

/// tool-no-intent: the ledger records nothing before the tool runs; the claim is written only
/// with the result. A call killed after its effect leaves no trace and runs again as new
/// (`reran: false`), and concurrent clients issuing one call both run it.
final class NoIntentBackend: ForwardingBackend, @unchecked Sendable {
    /// The claims not yet written, by key, with the made-up token handed out for each.
    private let unwritten = Mutex([String: (claim: IdempotencyClaim, token: Int64)]())

    override func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        guard claim.kind == .tool, token == nil else { return try base.claimKey(claim, replacing: token) }
        return unwritten.withLock { claims in
            let made = Int64(claims.count + 1) * -1
            claims[claim.key] = (claim, made)
            return made
        }
    }

    override func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        guard let pending = unwritten.withLock({ $0.removeValue(forKey: key) }), pending.token == token else {
            return try base.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis)
        }
        // Written only now, over whatever another client wrote meanwhile (last writer wins).
        let existing = try base.entry(key: key)?.claimToken
        guard let real = try base.claimKey(pending.claim, replacing: existing) else { return true }
        return try base.completeKey(key: key, token: real, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis)
    }
}
