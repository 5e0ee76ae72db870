import RecoveryCore

extension BackendConformance {
    /// `CheckpointStore`: numbering, queries, verification and deletion.
    static let checkpointChecks: [ConformanceCheck] = [
        ConformanceCheck(
            "sequenceNumbersArePerTaskAndNeverReused",
            "Each task numbers its checkpoints 1, 2, 3...; a deleted number is never given again."
        ) { env in
            for _ in 0..<3 { try env.insert("t", verified: false) }
            try env.insert("u")
            try env.expect(env.sequences("t"), [3, 2, 1], "task t's checkpoints after three inserts, newest first")
            try env.expect(env.sequences("u"), [1], "another task numbers its checkpoints from 1")
            // The newest is never deleted, so the next number follows it even after deletions.
            try env.expect(
                env.backend.deleteCheckpoints(taskID: "t", sequences: [2, 3, 99], keepNewest: nil), 1,
                "deleting t#2, t#3 and t#99 deletes only t#2 (t#3 is the newest, t#99 does not exist)")
            try env.expect(env.insert("t").sequence, 4, "the next checkpoint of t follows the newest")
            try env.expect(env.sequences("t"), [4, 3, 1], "task t's checkpoints after the deletion and one more insert")
            try env.expect(env.backend.checkpointTaskIDs(), ["t", "u"], "checkpointTaskIDs lists every task in byte order")
            try env.expectNil(env.backend.checkpoint(id: CheckpointID(taskID: "t", sequence: 2)), "a deleted checkpoint reads as nil")
            try env.expect(
                env.backend.checkpoint(id: CheckpointID(taskID: "t", sequence: 3))?.verified, false,
                "checkpoint t#3 keeps verified = false as inserted")
        },
        ConformanceCheck(
            "queriesAreNewestFirstWithTypeVerifiedAndLimit",
            "Queries return the task's checkpoints newest first, filtered by type and verified, at most limit; recordVerification updates one row."
        ) { env in
            try env.insert("t", type: .iterationEnd, verified: true)
            try env.insert("t", type: .toolExecuted, verified: false)
            try env.insert("t", type: .iterationEnd, verified: false)
            try env.insert("t", type: .iterationEnd, verified: true)
            func q(_ type: CheckpointType? = nil, verified: Bool = false, limit: Int = 1000) throws -> [Int64] {
                try env.backend.checkpoints(CheckpointQuery(taskID: "t", type: type, verifiedOnly: verified, limit: limit))
                    .map(\.sequence)
            }
            try env.expect(q(), [4, 3, 2, 1], "every checkpoint of t, newest first")
            try env.expect(q(.iterationEnd), [4, 3, 1], "the iteration_end checkpoints of t")
            try env.expect(q(verified: true), [4, 1], "the verified checkpoints of t")
            try env.expect(q(.iterationEnd, verified: true, limit: 1), [4], "the newest verified iteration_end checkpoint (limit 1)")
            try env.expect(q(limit: 0), [], "a query with limit 0")
            try env.expect(q(.approvalPoint), [], "a type no checkpoint has")
            try env.expect(env.backend.checkpoints(CheckpointQuery(taskID: "nobody")), [], "a task with no checkpoints")

            let id = CheckpointID(taskID: "t", sequence: 2)
            try env.expect(
                env.backend.recordVerification(id: id, verified: true, atMillis: 77, report: "{}"), true,
                "recordVerification of an existing checkpoint returns true")
            let row = try env.require(env.backend.checkpoint(id: id), "checkpoint t#2 exists")
            try env.expect(row.verified, true, "recordVerification sets verified")
            try env.expect(row.verifiedAtMillis, 77, "recordVerification sets verifiedAtMillis to atMillis")
            try env.expect(row.verification, "{}", "recordVerification stores the report")
            try env.expect(
                env.backend.recordVerification(id: CheckpointID(taskID: "t", sequence: 9), verified: true, atMillis: 1, report: nil),
                false, "recordVerification of a missing checkpoint returns false")
        },
        ConformanceCheck(
            "deletionNeverTakesTheNewestVerifiedNorTheNewest",
            "deleteCheckpoints never deletes a task's newest verified checkpoint nor its newest one; keepNewest counts at least 1."
        ) { env in
            try env.insert("t", verified: false)  // 1
            try env.insert("t", verified: true)  // 2: newest verified
            try env.insert("t", verified: false)  // 3
            try env.insert("t", verified: false)  // 4: newest
            try env.expect(
                env.backend.deleteCheckpoints(taskID: "t", sequences: [1, 2, 4], keepNewest: nil), 1,
                "deleting t#1, t#2 (newest verified) and t#4 (newest) deletes only t#1")
            try env.expect(env.sequences("t"), [4, 3, 2], "task t's checkpoints after deleting t#1")
            // keepNewest 0 counts as 1; the newest verified stays.
            try env.expect(
                env.backend.deleteCheckpoints(taskID: "t", sequences: nil, keepNewest: 0), 1,
                "keepNewest 0 keeps the newest and the newest verified, deleting t#3 only")
            try env.expect(env.sequences("t"), [4, 2], "task t's checkpoints after keepNewest 0")
            try env.expect(
                env.backend.deleteCheckpoints(taskID: "none", sequences: [1], keepNewest: 1), 0,
                "deleting checkpoints of a task that has none")
            try env.expect(env.checkpoints().cleanup(taskID: "t", keepNewest: 5), 0, "CheckpointManager.cleanup keeping 5 of 2")
        },
    ]
}
