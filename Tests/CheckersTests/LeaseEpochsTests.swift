import OrdealSupport
import Testing

@testable import OrdealCheckers
import OrdealModel

/// A core without fencing tokens (`capabilities.fencing_tokens: false`): its leases are
/// numbered in acknowledgement order, and the same rules judge it as a core with tokens.
@Suite struct LeaseEpochsTests {
    let noTokens = event("ready", "w-0", ["capabilities": ["roles": ["lease-worker"], "ops": ["lease.acquire"], "fencing_tokens": false]])

    func acquire(by worker: String, item: String = "i1", t: Double = 0) -> HistoryEvent {
        op("lease.acquire", item, "ok", [:], worker: worker, t: t)
    }

    func complete(by worker: String, item: String = "i1", incarnation: Int = 0) -> HistoryEvent {
        op("lease.complete", item, "ok", ["output": "out"], worker: worker, incarnation: incarnation)
    }

    func judge(_ events: [HistoryEvent], _ checks: [String] = ["lease-safety"], premises: [Premise] = []) -> [CheckResult] {
        var scenario = Scenario(name: "s", workers: [], faults: [], checks: checks, thresholds: [])
        scenario.premises = premises
        let final = FinalState(workItems: [FinalState.WorkItemRecord(id: "i1", status: "completed", token: 0, releasedToken: nil, output: "out", attempts: 0)])
        return ScenarioJudgement.checks(scenario: scenario, history: History(events), final: final, latency: [:])
    }

    @Test func eachItemsAcquisitionsAreNumberedAndLaterOpsTakeTheirHoldersNumber() {
        let assigned = LeaseEpochs.assigned(History([noTokens, acquire(by: "w-0"), acquire(by: "w-1"), complete(by: "w-0"), acquire(by: "w-0", item: "i2")]))
        let tokens = assigned.events.dropFirst().map { $0.value?["token"]?.intValue }
        #expect(tokens == [1, 2, 1, 1])
        #expect(assigned.events.dropFirst().allSatisfy(LeaseEpochs.isAssigned))
    }

    @Test func aCompletionByAHolderWhoseItemWasAcquiredAgainFailsLeaseSafetyAsStale() {
        let results = judge([noTokens, acquire(by: "w-0"), acquire(by: "w-1"), complete(by: "w-1"), complete(by: "w-0")])
        let lease = results.first { $0.name == "lease-safety" }
        #expect(lease?.verdict == .fail)
        #expect(lease?.rules.contains("completed-twice") == true)
    }

    @Test func aCompletionWhileTheNewHolderStillWorksIsStaleCompletion() {
        let results = judge([noTokens, acquire(by: "w-0"), acquire(by: "w-1"), complete(by: "w-0")])
        #expect(results.first { $0.name == "lease-safety" }?.rules == ["stale-completion"])
    }

    @Test func oneHolderPerItemPassesWithNoReleasedTokenToCompare() {
        let results = judge([noTokens, acquire(by: "w-0"), complete(by: "w-0")], ["lease-safety", "acked-durable"])
        #expect(results.filter { $0.name != "workers-exit-clean" }.allSatisfy { $0.verdict == .pass }, "\(results.map(\.detail))")
    }

    @Test func aTakeoverPremiseHoldsOnNumberedLeasesAndAnAcceptedStaleTryCountsAsTheStaleTry() {
        let results = judge([noTokens, acquire(by: "w-0"), acquire(by: "w-1"), complete(by: "w-0")], premises: [.takeover, .staleRefused])
        #expect(results.first { $0.name == "premise takeover" }?.verdict == .pass)
        let stale = results.first { $0.name == "premise stale-refused" }
        #expect(stale?.verdict == .pass && stale?.detail.contains("was accepted, not refused") == true, "\(stale?.detail ?? "")")
    }

    @Test func withoutAStaleTryTheStalePremiseStaysUnknown() {
        let results = judge([noTokens, acquire(by: "w-0"), acquire(by: "w-1"), complete(by: "w-1")], premises: [.staleRefused])
        #expect(results.first { $0.name == "premise stale-refused" }?.verdict == .unknown)
    }

    @Test func aHistoryWhoseWorkersHaveTokensIsLeftAsItIs() {
        let history = History([event("ready", "w-0", ["capabilities": ["roles": [], "ops": []]]), acquire(by: "w-0")])
        #expect(LeaseEpochs.assigned(history).events == history.events)
    }
}
