import RecoveryCore

extension BackendConformance {
    /// `IdempotencyStore`: the claim compare-and-swap, entries, purging, and the cache and
    /// ledger taking over a claim of a dead owner.
    static let idempotencyChecks: [ConformanceCheck] = [
        ConformanceCheck(
            "claimsAreCompareAndSwap",
            "claimKey inserts only when absent and replaces only the current token; complete and fail succeed only for the current claim."
        ) { env in
            try env.expect(env.claim("k", taskID: "t"), 1, "the first claim of a new key gets token 1")
            try env.expectNil(env.claim("k"), "insert only when absent")
            try env.expectNil(env.claim("k", replacing: 7), "replace only the current token")
            try env.expect(env.claim("k", owner: "other", replacing: 1), 2, "replacing the current token 1 gets token 2")
            try env.expectNil(env.claim("k", replacing: 1), "replacing a token that is no longer current")
            let now = env.clock.nowMillis()
            try env.expect(
                env.backend.completeKey(key: "k", token: 1, result: "stale", nowMillis: now, expiresAtMillis: now + 10), false,
                "completeKey with a stale token")
            try env.expect(
                env.backend.completeKey(key: "k", token: 2, result: "r", nowMillis: now, expiresAtMillis: now + 10), true,
                "completeKey with the current token")
            try env.expect(
                env.backend.completeKey(key: "k", token: 2, result: "again", nowMillis: now, expiresAtMillis: now + 10), false,
                "a second completeKey")
            try env.expect(env.backend.failKey(key: "k", token: 2, error: "late", nowMillis: now), false, "failKey of a done entry")
            let entry = try env.require(env.backend.entry(key: "k"), "the entry of key k exists")
            try env.expect(entry.status, .done, "the entry's status after completeKey")
            try env.expect(entry.owner, "other", "the entry's owner: the claimant that won the swap")
            try env.expect(entry.claimToken, 2, "the entry's claim token")
            try env.expect(entry.taskID, "t", "the entry keeps the task of its first claim")
            try env.expectNil(entry.request, "the hot lookup leaves the request out")
            try env.expect(entry.result, "r", "the entry's result")
            try env.expect(entry.completedAtMillis, now, "the entry's completedAtMillis")
            try env.expect(entry.expiresAtMillis, now + 10, "the entry's expiresAtMillis")
            try env.expect(env.backend.storedResult(key: "k", nowMillis: now + 9), "r", "storedResult before the expiry")
            try env.expectNil(env.backend.storedResult(key: "k", nowMillis: now + 10), "expired")
            // A done entry can be replaced by its token (regeneration after expiry); the result goes.
            try env.expect(env.claim("k", replacing: 2), 3, "replacing a done entry by its token")
            let reclaimed = try env.require(env.backend.entry(key: "k"), "the entry of key k exists after the replacement")
            try env.expect(reclaimed.status, .claimed, "the status of a replaced entry")
            try env.expectNil(reclaimed.result, "the result of a replaced entry")
            try env.expectNil(reclaimed.expiresAtMillis, "the expiry of a replaced entry")
            try env.expectNil(env.backend.storedResult(key: "k", nowMillis: now), "storedResult of a replaced entry")
            try env.expect(env.backend.failKey(key: "k", token: 3, error: "boom", nowMillis: now + 1), true, "failKey with the current token")
            let failed = try env.require(env.backend.entry(key: "k"), "the entry of key k exists after failKey")
            try env.expect(failed.status, .failed, "the status after failKey")
            try env.expect(failed.error, "boom", "the error after failKey")
            try env.expect(failed.completedAtMillis, now + 1, "the completedAtMillis after failKey")
            try env.expect(env.backend.deleteKey(key: "k"), true, "deleteKey of an existing entry")
            try env.expect(env.backend.deleteKey(key: "k"), false, "deleteKey of a deleted entry")
            try env.expect(env.claim("k"), 1, "a deleted key is claimed anew with token 1")
        },
        ConformanceCheck(
            "entriesAreNewestFirstThenByKeyAndPurgeTakesExpiredDoneOnly",
            "entries are newest first, then by key, filtered by kind and task; purgeExpired deletes only expired done entries of its kind."
        ) { env in
            _ = try env.claim("b", taskID: "t")
            _ = try env.claim("a", taskID: "t")
            try env.clock.advance(byMillis: 5)
            _ = try env.claim("c", taskID: "u")
            _ = try env.claim("x", kind: .tool, taskID: "t")
            try env.expect(env.backend.entries(kind: .llm, taskID: nil, limit: 10).map(\.key), ["c", "a", "b"], "the llm entries")
            try env.expect(env.backend.entries(kind: .llm, taskID: "t", limit: 1).map(\.key), ["a"], "task t's first llm entry (limit 1)")
            try env.expect(
                env.backend.entries(kind: .llm, taskID: "t", limit: 10).first?.request, #"{"k":"a"}"#, "entries carry the request")
            try env.expect(env.backend.entries(kind: .tool, taskID: nil, limit: 10).map(\.key), ["x"], "the tool entries")
            let now = env.clock.nowMillis()
            try env.expect(
                env.backend.completeKey(key: "a", token: 1, result: "1", nowMillis: now, expiresAtMillis: now), true, "completing a")
            try env.expect(
                env.backend.completeKey(key: "b", token: 1, result: "1", nowMillis: now, expiresAtMillis: now + 1), true, "completing b")
            try env.expect(
                env.backend.completeKey(key: "x", token: 1, result: "1", nowMillis: now, expiresAtMillis: now), true, "completing x")
            try env.expect(env.backend.purgeExpired(kind: .llm, nowMillis: now), 1, "purging expired llm entries deletes a only")
            try env.expect(env.backend.entries(kind: .llm, taskID: nil, limit: 10).map(\.key), ["c", "b"], "the llm entries after the purge")
            try env.expect(env.backend.entries(kind: .tool, taskID: nil, limit: 10).map(\.key), ["x"], "the tool entries after the purge")
        },
        ConformanceCheck(
            "theCacheTakesOverAClaimOfADeadOwner",
            "LLMCache regenerates a result claimed by a process that died, taking the claim over by its token."
        ) { env in
            let request = LLMRequest(operation: "summarise", prompt: "Say hi", model: "m-1", taskID: "t")
            try env.insertAbandonedClaim(key: try request.key(), kind: .llm, owner: try env.deadOwner())
            let cache = LLMCache(store: env.backend, clock: env.clock)
            let result = try cache.getOrGenerate(request) { "mine" }
            try env.expect(result.hit, false, "the first lookup is a miss")
            try env.expect(result.value, "mine", "the first lookup generates the value")
            try env.expect(cache.stats.regenerated, 1, "the cache counts one regeneration")
            let entry = try env.require(env.backend.entry(key: result.key), "the cache entry exists")
            try env.expect(entry.owner, ClaimOwner.current.description, "the entry's owner after the takeover")
            try env.expect(entry.claimToken, 2, "the entry's claim token after the takeover")
            let hit = try cache.getOrGenerate(request) { "never" }
            try env.expect(hit.hit, true, "the second lookup is a hit")
            try env.expect(hit.value, "mine", "the second lookup returns the stored value")
        },
        ConformanceCheck(
            "theLedgerTreatsADeadOwnersClaimAsIndeterminate",
            "ToolLedger reports a call claimed by a dead process as indeterminate, reruns it only when told, then replays."
        ) { env in
            let call = ToolRequest(tool: "shell", command: "rm -rf /tmp/build", taskID: "t")
            try env.insertAbandonedClaim(key: try call.key(), kind: .tool, owner: try env.deadOwner(), taskID: "t")
            let ledger = ToolLedger(store: env.backend, clock: env.clock)
            let error = try env.expectError("policy fail on a dead owner's claim throws") {
                _ = try ledger.executeOrReplay(call, policy: .fail) { "x" }
            }
            try env.expect(error.code, .indeterminateToolCall, "the error for a dead owner's claim")
            try env.expect(env.backend.entry(key: try call.key())?.status, .claimed, "the entry stays claimed")
            let rerun = try ledger.executeOrReplay(call, policy: .runAgain) { "second effect" }
            try env.expect(rerun.reran, true, "policy runAgain reruns the call")
            try env.expect(rerun.output, "second effect", "the rerun's output")
            let replay = try ledger.executeOrReplay(call, policy: .fail) { "third" }
            try env.expect(replay.replayed, true, "the next call is a replay")
            try env.expect(replay.output, "second effect", "the replay's output")
            try env.expect(ledger.history(taskID: "t").count, 1, "the ledger's history of task t")
        },
    ]
}
