extension MemoryBackend {
    public func insertCheckpoint(_ c: NewCheckpoint) throws -> CheckpointRow {
        try withState { s in s.insertCheckpoint(c) }
    }

    public func checkpoint(id: CheckpointID) throws -> CheckpointRow? {
        try withState { s in
            guard let rows = s.checkpoints[MemoryKey(id.taskID)], let index = rows.index(ofSequence: id.sequence) else {
                return nil
            }
            return rows[index]
        }
    }

    public func checkpoints(_ q: CheckpointQuery) throws -> [CheckpointRow] {
        try withState { s in
            guard let rows = s.checkpoints[MemoryKey(q.taskID)] else { return [] }
            let limit = sqlLimit(q.limit)
            var result: [CheckpointRow] = []
            for row in rows.reversed() {
                guard result.count < limit else { break }
                if q.verifiedOnly && !row.verified { continue }
                if let type = q.type, row.type != type.rawValue { continue }
                result.append(row)
            }
            return result
        }
    }

    public func recordVerification(id: CheckpointID, verified: Bool, atMillis: Int64, report: String?) throws -> Bool {
        try withState { s in
            let key = MemoryKey(id.taskID)
            guard let index = s.checkpoints[key]?.index(ofSequence: id.sequence) else { return false }
            s.checkpoints[key]![index].verified = verified
            s.checkpoints[key]![index].verifiedAtMillis = atMillis
            s.checkpoints[key]![index].verification = report
            return true
        }
    }

    public func deleteCheckpoints(taskID: String, sequences: [Int64]?, keepNewest: Int?) throws -> Int {
        try withState { s in
            let key = MemoryKey(taskID)
            guard var rows = s.checkpoints[key] else { return 0 }
            // Never deleted: the newest verified checkpoint (the resume point) and the newest
            // checkpoint (the sequence high-water mark, so that numbers are never reused).
            let protected = rows.last(where: \.verified)?.sequence ?? -1
            let newest = rows.last?.sequence ?? -1
            let before = rows.count
            if let sequences {
                let doomed = Set(sequences.filter { $0 != protected && $0 != newest })
                rows.removeAll { doomed.contains($0.sequence) }
            }
            if let keepNewest {
                // Everything at or below the (keep+1)-th newest, except the protected one.
                let keep = max(keepNewest, 1)
                let cutoff = rows.count > keep ? rows[rows.count - 1 - keep].sequence : -1
                rows.removeAll { $0.sequence != protected && $0.sequence <= cutoff }
            }
            let deleted = before - rows.count
            if deleted > 0 { s.checkpoints[key] = rows }
            return deleted
        }
    }

    public func checkpointTaskIDs() throws -> [String] {
        try withState { s in
            s.checkpoints.compactMap { $0.value.isEmpty ? nil : $0.key.string }.sorted(by: bytewiseLess)
        }
    }
}

extension MemoryState {
    /// Stores `c` with its task's highest sequence plus one. The task's newest checkpoint is
    /// never deleted, so the number is never reused.
    mutating func insertCheckpoint(_ c: NewCheckpoint) -> CheckpointRow {
        let key = MemoryKey(c.taskID)
        let seq = (checkpoints[key]?.last?.sequence ?? 0) + 1
        let row = c.row(sequence: seq)
        checkpoints[key, default: []].append(row)
        return row
    }
}

extension Array where Element == CheckpointRow {
    /// Binary search in a list sorted by ascending sequence.
    func index(ofSequence sequence: Int64) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid].sequence < sequence { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low].sequence == sequence ? low : nil
    }
}
