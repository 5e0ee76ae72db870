extension MemoryBackend {
    public func storedResult(key: String, nowMillis: Int64) throws -> String? {
        try withState { s in
            guard let e = s.idempotency[MemoryKey(key)], e.status == .done, let expires = e.expiresAtMillis,
                expires > nowMillis
            else { return nil }
            return e.result
        }
    }

    /// Like `SQLiteBackend`, the hot lookup leaves `request` out.
    public func entry(key: String) throws -> IdempotencyEntry? {
        try withState { s in
            guard var e = s.idempotency[MemoryKey(key)] else { return nil }
            e.request = nil
            return e
        }
    }

    public func claimKey(_ c: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        try withState { s in
            let key = MemoryKey(c.key)
            guard let token else {
                // Insert only when the key has no entry at all.
                guard s.idempotency[key] == nil else { return nil }
                s.idempotency[key] = IdempotencyEntry(
                    key: c.key, kind: c.kind, status: .claimed, taskID: c.taskID, request: c.request, result: nil,
                    error: nil, owner: c.owner, claimToken: 1, claimExpiresAtMillis: c.claimExpiresAtMillis,
                    createdAtMillis: c.nowMillis, completedAtMillis: nil, expiresAtMillis: nil)
                return 1
            }
            // Compare-and-swap: replace only the entry that still holds `token`, whatever its status.
            guard var e = s.idempotency[key], e.claimToken == token else { return nil }
            e.status = .claimed
            e.owner = c.owner
            e.claimToken = token + 1
            e.claimExpiresAtMillis = c.claimExpiresAtMillis
            e.result = nil
            e.error = nil
            e.completedAtMillis = nil
            e.expiresAtMillis = nil
            s.idempotency[key] = e
            return token + 1
        }
    }

    public func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        try withState { s in
            let k = MemoryKey(key)
            guard var e = s.idempotency[k], e.claimToken == token, e.status == .claimed else { return false }
            e.status = .done
            e.result = result
            e.error = nil
            e.completedAtMillis = nowMillis
            e.expiresAtMillis = expiresAtMillis
            s.idempotency[k] = e
            return true
        }
    }

    public func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool {
        try withState { s in
            let k = MemoryKey(key)
            guard var e = s.idempotency[k], e.claimToken == token, e.status == .claimed else { return false }
            e.status = .failed
            e.error = error
            e.completedAtMillis = nowMillis
            s.idempotency[k] = e
            return true
        }
    }

    public func deleteKey(key: String) throws -> Bool {
        try withState { s in s.idempotency.removeValue(forKey: MemoryKey(key)) != nil }
    }

    /// Newest first (`created_at DESC`), then by key.
    public func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry] {
        try withState { s in
            let task = taskID.map(MemoryKey.init)
            let matching = s.idempotency.values.filter { e in
                guard e.kind == kind else { return false }
                guard let task else { return true }
                return e.taskID.map(MemoryKey.init) == task
            }
            let sorted = matching.sorted { a, b in
                a.createdAtMillis != b.createdAtMillis ? a.createdAtMillis > b.createdAtMillis : bytewiseLess(a.key, b.key)
            }
            return Array(sorted.prefix(sqlLimit(limit)))
        }
    }

    public func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int {
        try withState { s in
            let doomed = s.idempotency.filter { _, e in
                e.kind == kind && e.status == .done && (e.expiresAtMillis.map { $0 <= nowMillis } ?? false)
            }
            for key in doomed.keys { s.idempotency.removeValue(forKey: key) }
            return doomed.count
        }
    }
}
