import BackendConformance
import Testing

/// Behaviour every backend must share: each check of the conformance suite (module
/// BackendConformance, the one users run on their own backends) on each built-in backend, with
/// the same expectations. What only SQLite can show (damaged rows, durability modes, file
/// locking) stays in the SQLite-only suites.
@Suite struct BackendConformanceTests {
    @Test(arguments: BackendConformance.checks, BackendKind.allCases)
    func everyBuiltInBackendPassesEveryCheck(_ check: ConformanceCheck, _ kind: BackendKind) throws {
        try check.run(makeSubject: kind.subject)
    }

    /// The suite covers what it covered as hand-written tests, under the same names.
    @Test func theSuiteHasEveryCheckOnce() {
        let names = BackendConformance.checks.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names == [
            "sequenceNumbersArePerTaskAndNeverReused", "queriesAreNewestFirstWithTypeVerifiedAndLimit",
            "deletionNeverTakesTheNewestVerifiedNorTheNewest", "acquireTakesPriorityThenAgeThenID",
            "duplicatesAndBadMaxAttemptsAreRejectedWhole", "fencingTokensTakeoverAndAttempts",
            "retryReturnsToPendingThenFailsWhenExhausted", "workItemsFilterByStatusAndIDs",
            "idsDifferingOnlyInNormalisationAreDistinct", "concurrentAcquirersNeverShareALease",
            "sweepRecoversInBatchesWithBoundaryCheckpoints", "aThrowingBoundaryLeavesEverythingAsItWas",
            "claimsAreCompareAndSwap", "entriesAreNewestFirstThenByKeyAndPurgeTakesExpiredDoneOnly",
            "theCacheTakesOverAClaimOfADeadOwner", "theLedgerTreatsADeadOwnersClaimAsIndeterminate",
            "theRunnerResumesAfterTheLastVerifiedCheckpoint",
        ])
    }
}
