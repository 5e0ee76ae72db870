import Foundation
import OrdealSupport
import Synchronization
import Testing

@testable import RecoveryCore

@Suite struct LLMCacheTests {
    let env: TestEnv
    init() throws { env = try TestEnv() }

    func cache(ttlMillis: Int64 = LLMCache.defaultTTLMillis) -> LLMCache {
        LLMCache(store: env.backend, clock: env.clock, ttlMillis: ttlMillis)
    }

    let request = LLMRequest(operation: "summarise", prompt: "Say hi", model: "m-1", taskID: "t", parameters: ["temperature": 0.2])

    @Test func aMissGeneratesAndTheNextCallHits() throws {
        let cache = cache()
        let calls = Locked(0)
        let first = try cache.getOrGenerate(request) { calls.update { $0 += 1 }; return "hello" }
        let second = try cache.getOrGenerate(request) { calls.update { $0 += 1 }; return "other" }
        #expect(!first.hit)
        #expect(second.hit)
        #expect(first.value == "hello")
        #expect(second.value == "hello")
        #expect(first.key == second.key)
        #expect(first.key == (try request.key()))
        #expect(calls.value == 1)
        #expect(try cache.lookup(request) == "hello")
    }

    @Test func theEntryRecordsTheCanonicalRequestAndTheTTL() throws {
        _ = try cache(ttlMillis: 60_000).getOrGenerate(request) { "out" }
        let entry = try #require(try env.backend.entry(key: try request.key()))
        #expect(entry.kind == .llm)
        #expect(entry.status == .done)
        #expect(entry.taskID == "t")
        #expect(entry.result == "out")
        #expect(entry.owner == ClaimOwner.current.description)
        #expect(entry.expiresAtMillis == env.clock.nowMillis() + 60_000)
        let listed = try #require(try env.backend.entries(kind: .llm, taskID: "t", limit: 10).first)
        #expect(listed.request == String(decoding: try request.canonicalJSON(), as: UTF8.self))
    }

    @Test func keysAreSHA256HexOfTheCanonicalRequest() throws {
        let key = try request.key()
        #expect(Digest.isSHA256Hex(key))
        #expect(key == Digest.sha256Hex(try request.canonicalJSON()))
    }

    /// `canonicalJSON()` promises the bytes `CanonicalJSON` gives for the same fields.
    @Test func theRequestEncodingIsCanonicalJSON() throws {
        let bytes = try request.canonicalJSON()
        let parsed = try JSONParser.parse(bytes)
        #expect(
            parsed == [
                "kind": "llm", "model": "m-1", "operation": "summarise", "prompt": "Say hi", "task": "t",
                "parameters": ["temperature": 0.2],
            ])
        #expect(try CanonicalJSON.encode(parsed) == bytes)
    }

    /// Whatever the fields hold, the encoding is the bytes `CanonicalJSON` gives for them.
    @Test(arguments: [
        LLMRequest(operation: "o", prompt: "p", model: "m"),
        LLMRequest(operation: "", prompt: "", model: "", taskID: nil, parameters: [:]),
        LLMRequest(operation: "op/1", prompt: "line\n\"q\" ✓", model: "é", taskID: "t", parameters: [
            "top_p": 0.9, "temperature": 0, "Stop": ["\n", "END"], "tools": [["name": "b", "args": [:]]],
            "prompt": "shadow", "model": nil,
        ]),
    ])
    func everyRequestEncodingIsCanonicalJSON(request: LLMRequest) throws {
        let expected: JSONValue = [
            "kind": "llm", "model": .string(request.model), "operation": .string(request.operation),
            "prompt": .string(request.prompt), "task": request.taskID.map(JSONValue.string) ?? .null,
            "parameters": .object(request.parameters),
        ]
        #expect(try request.canonicalJSON() == CanonicalJSON.encode(expected))
    }

    @Test func theKeyDiffersWhenAnyFieldDiffers() throws {
        var variants: [LLMRequest] = [request]
        var r = request
        r.operation = "translate"; variants.append(r)
        r = request; r.prompt = "Say hi!"; variants.append(r)
        r = request; r.model = "m-2"; variants.append(r)
        r = request; r.taskID = "u"; variants.append(r)
        r = request; r.taskID = nil; variants.append(r)
        r = request; r.parameters = ["temperature": 0.3]; variants.append(r)
        r = request; r.parameters = [:]; variants.append(r)
        r = request; r.parameters["system"] = "be brief"; variants.append(r)
        let keys = try variants.map { try $0.key() }
        #expect(Set(keys).count == variants.count)
    }

    @Test func fieldsCannotBleedIntoEachOther() throws {
        let a = LLMRequest(operation: "a\",\"prompt\":\"b", prompt: "c", model: "m")
        let b = LLMRequest(operation: "a", prompt: "b\",\"prompt\":\"c", model: "m")
        #expect(try a.key() != b.key())
    }

    @Test func equalRequestsWithParametersInAnotherOrderShareAKey() throws {
        let a = LLMRequest(
            operation: "o", prompt: "p", model: "m",
            parameters: ["temperature": 0.7, "top_p": 0.9, "tools": .object(["b": 1, "a": 2])])
        var reordered: [String: JSONValue] = [:]
        reordered["tools"] = .object(Dictionary(uniqueKeysWithValues: [("a", JSONValue.int(2)), ("b", 1)]))
        reordered["top_p"] = 0.9
        reordered["temperature"] = 0.7
        let b = LLMRequest(operation: "o", prompt: "p", model: "m", parameters: reordered)
        #expect(try a.key() == b.key())
        let cache = cache()
        _ = try cache.getOrGenerate(a) { "once" }
        #expect(try cache.getOrGenerate(b) { "twice" } == CacheResult(key: try a.key(), value: "once", hit: true))
    }

    @Test func anExpiredEntryIsRegeneratedAndItsTTLReArmed() throws {
        let cache = cache(ttlMillis: 10_000)
        _ = try cache.getOrGenerate(request) { "v1" }
        env.clock.advance(byMillis: 9_999)
        #expect(try cache.getOrGenerate(request) { "v2" }.value == "v1")
        env.clock.advance(byMillis: 1)
        #expect(try cache.lookup(request) == nil)
        let regenerated = try cache.getOrGenerate(request) { "v2" }
        #expect(!regenerated.hit)
        #expect(regenerated.value == "v2")
        #expect(try env.backend.entry(key: regenerated.key)?.expiresAtMillis == env.clock.nowMillis() + 10_000)
        env.clock.advance(byMillis: 9_999)
        #expect(try cache.getOrGenerate(request) { "v3" }.value == "v2")
        #expect(cache.stats.regenerated == 1)
    }

    @Test func invalidateMakesTheNextCallGenerate() throws {
        let cache = cache()
        _ = try cache.getOrGenerate(request) { "old" }
        #expect(try cache.invalidate(request))
        #expect(try !cache.invalidate(request))
        #expect(try cache.lookup(request) == nil)
        let fresh = try cache.getOrGenerate(request) { "new" }
        #expect(!fresh.hit)
        #expect(fresh.value == "new")
    }

    @Test func statsCountHitsMissesAndTheHitRate() throws {
        let cache = cache()
        #expect(cache.stats.hitRate == 0)
        var other = request
        other.prompt = "another"
        _ = try cache.getOrGenerate(request) { "a" }
        _ = try cache.getOrGenerate(request) { "a" }
        _ = try cache.getOrGenerate(request) { "a" }
        _ = try cache.getOrGenerate(other) { "b" }
        #expect(cache.stats == CacheStats(hits: 2, misses: 2, waits: 0, regenerated: 0))
        #expect(cache.stats.hitRate == 0.5)
        cache.resetStats()
        #expect(cache.stats == CacheStats())
    }

    @Test func aThrowingGeneratorStoresNothingUsableAndTheNextCallGenerates() throws {
        struct ModelDown: Error {}
        let cache = cache()
        #expect(throws: ModelDown.self) { try cache.getOrGenerate(request) { throw ModelDown() } }
        #expect(try cache.lookup(request) == nil)
        let entry = try #require(try env.backend.entry(key: try request.key()))
        #expect(entry.status == .failed)
        #expect(entry.result == nil)
        let next = try cache.getOrGenerate(request) { "recovered" }
        #expect(!next.hit)
        #expect(next.value == "recovered")
        #expect(try cache.getOrGenerate(request) { "again" }.value == "recovered")
    }

    @Test func anEntryClaimedByADeadOwnerIsTakenOver() throws {
        let owner = try deadOwner()
        try env.insertAbandonedClaim(key: try request.key(), kind: .llm, owner: owner)
        let cache = cache()
        let result = try cache.getOrGenerate(request) { "mine" }
        #expect(!result.hit)
        #expect(result.value == "mine")
        #expect(cache.stats.regenerated == 1)
        let entry = try #require(try env.backend.entry(key: result.key))
        #expect(entry.owner == ClaimOwner.current.description)
        #expect(entry.claimToken == 2)
    }

    @Test func anEntryClaimedByALiveOwnerIsWaitedForUntilTheWaitRunsOut() throws {
        let live = "\(ClaimOwner.current.host)/\(getpid())/99"
        try env.insertAbandonedClaim(key: try request.key(), kind: .llm, owner: live)
        let cache = LLMCache(store: env.backend, clock: env.clock, maxWaitMillis: 50)
        let error = #expect(throws: RecoveryError.self) { try cache.getOrGenerate(request) { "never" } }
        #expect(error?.code == .claimTimeout)
    }

    @Test func twoThreadsAskingForTheSameKeyRunTheGeneratorOnce() throws {
        let cache = cache()
        let generations = Locked(0)
        let results = Locked<[CacheResult]>([])
        let errors = Locked<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let result = try cache.getOrGenerate(request) {
                        let n = generations.update { $0 += 1; return $0 }
                        usleep(200_000)
                        return "value-\(n)"
                    }
                    results.update { $0.append(result) }
                } catch {
                    errors.update { $0.append("\(error)") }
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + .seconds(30)) == .success)
        #expect(errors.value.isEmpty)
        #expect(generations.value == 1)
        let values = results.value
        #expect(values.count == 2)
        #expect(values.map(\.value) == ["value-1", "value-1"])
        #expect(values.filter(\.hit).count == 1)
        #expect(cache.stats.misses == 1 && cache.stats.hits == 1)
    }

    @Test func purgeRemovesOnlyExpiredEntries() throws {
        let cache = cache(ttlMillis: 1_000)
        _ = try cache.getOrGenerate(request) { "old" }
        env.clock.advance(byMillis: 500)
        var other = request
        other.model = "m-2"
        _ = try cache.getOrGenerate(other) { "new" }
        env.clock.advance(byMillis: 500)
        #expect(try cache.purgeExpired() == 1)
        #expect(try env.backend.entry(key: try request.key()) == nil)
        #expect(try cache.lookup(other) == "new")
    }
}
