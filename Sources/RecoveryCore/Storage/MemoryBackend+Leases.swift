extension MemoryBackend {
    public func addWorkItems(_ items: [NewWorkItem], nowMillis: Int64) throws {
        try withState { s in
            // Check the whole batch first: like the SQLite transaction, a rejected batch adds nothing.
            var batch: Set<MemoryKey> = []
            for item in items {
                guard item.maxAttempts >= 1 else {
                    throw RecoveryError(.invalidArgument, "work item \(item.id): maxAttempts must be at least 1")
                }
                let key = MemoryKey(item.id)
                guard s.items[key] == nil, batch.insert(key).inserted else {
                    throw RecoveryError(.duplicateWorkItem, "work item \(item.id) already exists; choose another id")
                }
            }
            for item in items {
                s.items[MemoryKey(item.id)] = MemoryWorkItem(
                    item: WorkItem(
                        id: item.id, taskID: item.taskID, payload: item.payload, status: .pending,
                        priority: item.priority, attempts: 0, maxAttempts: item.maxAttempts, leaseHolder: nil,
                        leaseExpiresAtMillis: nil, fencingToken: 0, releasedToken: nil, output: nil, error: nil,
                        updatedAtMillis: nowMillis),
                    createdAtMillis: nowMillis, rowID: s.nextRowID)
                s.nextRowID += 1
                s.pending.push(PendingSlot(priority: item.priority, createdAtMillis: nowMillis, id: item.id))
            }
        }
    }

    /// The best pending item (priority, then age, then id), else the in-progress item whose lease
    /// expired first and that still has an attempt left; taking it over counts the lost lease.
    public func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
        try withState { s in
            let key: MemoryKey
            if let slot = s.pending.pop() {
                key = MemoryKey(slot.id)
            } else {
                var best: (key: MemoryKey, expiry: LeaseExpiry)?
                for (candidate, expiry) in s.inProgress where expiry.expiresAtMillis <= nowMillis {
                    guard best == nil || expiry.precedes(best!.expiry) else { continue }
                    let item = s.items[candidate]!.item
                    if item.attempts + 1 < item.maxAttempts { best = (candidate, expiry) }
                }
                guard let best else { return nil }
                key = best.key
                s.items[key]!.item.attempts += 1
            }
            var item = s.items[key]!.item
            item.status = .inProgress
            item.leaseHolder = holder
            item.leaseExpiresAtMillis = nowMillis + leaseMillis
            item.fencingToken += 1
            item.updatedAtMillis = nowMillis
            s.items[key]!.item = item
            s.inProgress[key] = LeaseExpiry(expiresAtMillis: nowMillis + leaseMillis, rowID: s.items[key]!.rowID)
            return Lease(
                itemID: item.id, taskID: item.taskID, payload: item.payload, holder: holder,
                fencingToken: item.fencingToken, attempts: item.attempts, expiresAtMillis: nowMillis + leaseMillis)
        }
    }

    public func renew(itemID: String, fencingToken: Int64, nowMillis: Int64, leaseMillis: Int64) throws -> Int64 {
        try withState { s in
            let key = MemoryKey(itemID)
            _ = try s.heldItem(key, itemID: itemID, token: fencingToken, action: "renew")
            let expires = nowMillis + leaseMillis
            s.items[key]!.item.leaseExpiresAtMillis = expires
            s.items[key]!.item.updatedAtMillis = nowMillis
            s.inProgress[key]!.expiresAtMillis = expires
            return expires
        }
    }

    public func release(itemID: String, fencingToken: Int64, outcome: LeaseRelease, nowMillis: Int64) throws {
        try withState { s in
            let key = MemoryKey(itemID)
            var item = try s.heldItem(key, itemID: itemID, token: fencingToken, action: "release")
            switch outcome {
            case .completed(let output):
                item.status = .completed
                item.output = output
                item.error = nil
                item.releasedToken = fencingToken
            case .failed(let error):
                item.status = .failed
                item.error = error
                item.releasedToken = fencingToken
            case .retry(let error):
                item.attempts += 1
                let exhausted = item.attempts >= item.maxAttempts
                item.status = exhausted ? .failed : .pending
                item.releasedToken = exhausted ? fencingToken : nil
                item.error = error
            }
            item.leaseHolder = nil
            item.leaseExpiresAtMillis = nil
            item.updatedAtMillis = nowMillis
            s.setReleased(key, item)
        }
    }

    /// Expired leases, the longest-expired first, at most `limit`; each item goes back to pending
    /// with one more attempt, or fails when none is left. The boundary checkpoints are collected
    /// before anything changes, so a throwing `boundary` leaves the state as it was.
    public func sweepExpired(
        nowMillis: Int64, limit: Int, boundary: (@Sendable (SweptItem) throws -> NewCheckpoint?)?
    ) throws -> [SweptItem] {
        try withState { s in
            // The longest-expired first: expiries (plain integers) sorted, keys looked up after.
            var keys: [MemoryKey] = []
            var expired: [(expiry: LeaseExpiry, index: Int)] = []
            for (key, expiry) in s.inProgress where expiry.expiresAtMillis <= nowMillis {
                expired.append((expiry, keys.count))
                keys.append(key)
            }
            expired.sort { $0.expiry.precedes($1.expiry) }
            var updated: [(MemoryKey, WorkItem)] = []
            var swept: [SweptItem] = []
            for (_, index) in expired.prefix(sqlLimit(limit)) {
                let key = keys[index]
                var item = s.items[key]!.item
                item.attempts += 1
                if item.attempts >= item.maxAttempts {
                    item.status = .failed
                    item.error = "lease expired on attempt \(item.attempts) of \(item.maxAttempts)"
                } else {
                    item.status = .pending
                }
                item.leaseHolder = nil
                item.leaseExpiresAtMillis = nil
                item.updatedAtMillis = nowMillis
                updated.append((key, item))
                swept.append(
                    SweptItem(
                        itemID: item.id, taskID: item.taskID, newStatus: item.status, attempts: item.attempts,
                        fencingToken: item.fencingToken))
            }
            var checkpoints: [NewCheckpoint] = []
            if let boundary {
                for item in swept { if let c = try boundary(item) { checkpoints.append(c) } }
            }
            for (key, item) in updated { s.setReleased(key, item) }
            for c in checkpoints { _ = s.insertCheckpoint(c) }
            return swept
        }
    }

    public func workItems(status: WorkItemStatus?, ids: [String]?) throws -> [WorkItem] {
        try withState { s in
            if let ids {
                return ids.compactMap { s.items[MemoryKey($0)]?.item }.filter { status == nil || $0.status == status }
            }
            return s.items.values.lazy.map(\.item).filter { status == nil || $0.status == status }
                .sorted { bytewiseLess($0.id, $1.id) }
        }
    }
}

/// A work item and what only the backend needs to order it.
struct MemoryWorkItem: Sendable {
    var item: WorkItem
    var createdAtMillis: Int64
    /// Insertion order: the tie-break between leases that expire at the same millisecond.
    var rowID: Int64
}

extension MemoryState {
    /// The item, if `token` still holds it (current token, in progress); otherwise the same
    /// `leaseLost` / `workItemNotFound` error as `SQLiteBackend`.
    func heldItem(_ key: MemoryKey, itemID: String, token: Int64, action: String) throws(RecoveryError) -> WorkItem {
        let item = items[key]?.item
        guard let item, item.fencingToken == token, item.status == .inProgress else {
            throw leaseLostError(item: item, itemID: itemID, token: token, action: action)
        }
        return item
    }

    /// Stores an item that left `in_progress`, keeping the pending heap and the in-progress set in step.
    mutating func setReleased(_ key: MemoryKey, _ item: WorkItem) {
        items[key]!.item = item
        inProgress[key] = nil
        if item.status == .pending {
            pending.push(PendingSlot(priority: item.priority, createdAtMillis: items[key]!.createdAtMillis, id: item.id))
        }
    }
}

/// A pending item's place in line: higher priority first, then older, then by id.
struct PendingSlot: Sendable {
    var priority: Int64
    var createdAtMillis: Int64
    var id: String

    func precedes(_ other: PendingSlot) -> Bool {
        if priority != other.priority { return priority > other.priority }
        if createdAtMillis != other.createdAtMillis { return createdAtMillis < other.createdAtMillis }
        return bytewiseLess(id, other.id)
    }
}

/// A binary heap of pending items, best at the root. Items leave the pending state only through
/// `acquire`, which pops the root, so the heap never holds a stale entry.
struct PendingHeap: Sendable {
    private var slots: [PendingSlot] = []

    var isEmpty: Bool { slots.isEmpty }

    mutating func push(_ slot: PendingSlot) {
        slots.append(slot)
        var child = slots.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard slots[child].precedes(slots[parent]) else { break }
            slots.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> PendingSlot? {
        guard !slots.isEmpty else { return nil }
        slots.swapAt(0, slots.count - 1)
        let top = slots.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < slots.count && slots[left].precedes(slots[best]) { best = left }
            if right < slots.count && slots[right].precedes(slots[best]) { best = right }
            if best == parent { break }
            slots.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
