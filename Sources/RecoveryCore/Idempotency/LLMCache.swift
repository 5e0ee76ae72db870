import OrdealSupport

import Synchronization

/// Counters of one cache instance since it was made or reset.
public struct CacheStats: Sendable, Hashable {
    public var hits = 0
    public var misses = 0
    /// Lookups that waited for another process generating the same key.
    public var waits = 0
    /// Expired or abandoned entries generated again.
    public var regenerated = 0

    public var hitRate: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }
}

/// What `getOrGenerate` returned and how.
public struct CacheResult: Sendable, Hashable {
    public var key: String
    public var value: String
    public var hit: Bool
}

/// The LLM output cache: get-or-generate keyed by the SHA-256 of the canonical request.
/// Entries live `ttlMillis` (7 days by default); an expired entry is generated again and its
/// TTL re-armed. Two processes asking for the same key at once: the generator runs once, in
/// the process that claimed the key, and the other waits and returns the stored result.
public final class LLMCache: Sendable {
    public static let defaultTTLMillis: Int64 = 7 * 24 * 3600 * 1000

    private let loop: ClaimLoop
    private let counters = Mutex(CacheStats())

    public init(
        store: any IdempotencyStore, clock: any RecoveryClock = SystemClock(), ttlMillis: Int64 = LLMCache.defaultTTLMillis,
        claimMillis: Int64 = 120_000, maxWaitMillis: Int64 = 300_000, owner: ClaimOwner = .current
    ) {
        loop = ClaimLoop(
            store: store, clock: clock, owner: owner, kind: .llm, ttlMillis: ttlMillis, claimMillis: claimMillis,
            maxWaitMillis: maxWaitMillis)
    }

    /// The stored output for `request`, or the output of `generate`, stored before it is returned.
    public func getOrGenerate(_ request: LLMRequest, generate: () throws -> String) throws -> CacheResult {
        let canonical = try request.canonicalJSON()
        let key = Digest.sha256Hex(canonical)
        let outcome = try loop.run(
            key: key, taskID: request.taskID, request: { String(decoding: canonical, as: UTF8.self) },
            abandoned: { _ in true }, produce: generate)
        switch outcome {
        case .stored(let value, let waited):
            counters.withLock {
                $0.hits += 1
                if waited { $0.waits += 1 }
            }
            return CacheResult(key: key, value: value, hit: true)
        case .produced(let value, let tookOver):
            counters.withLock {
                $0.misses += 1
                if tookOver != nil { $0.regenerated += 1 }
            }
            return CacheResult(key: key, value: value, hit: false)
        }
    }

    /// The stored, unexpired output for `request`, without generating.
    public func lookup(_ request: LLMRequest) throws -> String? {
        try loop.store.storedResult(key: try request.key(), nowMillis: loop.clock.nowMillis())
    }

    /// Removes the entry; the next request generates again. True if there was one.
    @discardableResult
    public func invalidate(_ request: LLMRequest) throws -> Bool {
        try loop.store.deleteKey(key: try request.key())
    }

    public func purgeExpired() throws -> Int {
        try loop.store.purgeExpired(kind: .llm, nowMillis: loop.clock.nowMillis())
    }

    public var stats: CacheStats { counters.withLock { $0 } }

    public func resetStats() { counters.withLock { $0 = CacheStats() } }
}
