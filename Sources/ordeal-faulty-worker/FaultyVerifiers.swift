import Synchronization
import OrdealSupport
import RecoveryCore

/// TEST-ONLY. Evidence verifiers with one bug each (issue #11, class 15), built on the core's:
/// each item is checked by `EvidenceVerifier`, then the bug changes what counts.
final class VacuousVerifier: EvidenceChecking {
    enum Bug: Sendable {
        /// An empty pack verifies (the policy counted no failure, so nothing failed).
        case emptyPackVerifies
        /// A command whose exit code was never observed counts as having exited as expected.
        case unobservedExitHolds
        /// A db_row that names no column holds when the table has any row at all.
        case anyRowHolds
        /// A verdict, once reached for a pack, is remembered and given again (a cached
        /// verification, which outlives the artifact it vouched for).
        case cachedVerification
    }

    let bug: Bug
    private let real = EvidenceVerifier()
    private let cache = Mutex<[EvidencePack: VerificationReport]>([:])

    init(_ bug: Bug) { self.bug = bug }

    func check(_ pack: EvidencePack, atMillis: Int64) -> VerificationReport {
        if bug == .cachedVerification, let cached = cache.withLock({ $0[pack] }) { return cached }
        var report = real.check(pack, atMillis: atMillis)
        switch bug {
        case .emptyPackVerifies:
            if pack.items.isEmpty { report.verified = true }
        case .unobservedExitHolds, .anyRowHolds:
            for (i, item) in pack.items.enumerated() where lenient(item) {
                report.items[i] = .init(holds: true, detail: "accepted without a check")
            }
            report.verified = pack.isSatisfied(passed: report.items.filter(\.holds).count)
        case .cachedVerification:
            cache.withLock { $0[pack] = report }
        }
        return report
    }

    private func lenient(_ item: Evidence) -> Bool {
        switch (bug, item) {
        case (.unobservedExitHolds, .commandExit(_, _, nil)): true
        case (.anyRowHolds, .databaseRow(_, _, let match)): match.isEmpty
        default: false
        }
    }
}
