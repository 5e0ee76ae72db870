import BackendConformance
import Foundation
import RecoveryCore
import Testing

/// A backend that breaks a rule is told which check failed, what should hold, and what it did.
@Suite struct ConformanceFailureTests {
    /// Lists tasks in reverse byte order.
    final class ReversedTaskIDs: ForwardingBackend, @unchecked Sendable {
        override func checkpointTaskIDs() throws -> [String] { try base.checkpointTaskIDs().reversed() }
    }

    /// Fails every acquire with a storage error.
    final class NoLeases: ForwardingBackend, @unchecked Sendable {
        override func acquire(holder: String, nowMillis: Int64, leaseMillis: Int64) throws -> Lease? {
            throw RecoveryError(.storage, "the lease table is gone")
        }
    }

    @Test func aBrokenRuleFailsItsCheckWithExpectedAndSeen() throws {
        let check = try #require(BackendConformance.checks.first { $0.name == "sequenceNumbersArePerTaskAndNeverReused" })
        let failure = #expect(throws: ConformanceFailure.self) { try check.run { _ in ReversedTaskIDs(MemoryBackend()) } }
        #expect(failure?.check == "sequenceNumbersArePerTaskAndNeverReused")
        #expect(failure?.expected == #"["t", "u"]"#)
        #expect(failure?.seen == #"["u", "t"]"#)
        #expect(
            failure?.description == "backend conformance check sequenceNumbersArePerTaskAndNeverReused failed: "
                + #"checkpointTaskIDs lists every task in byte order: expected ["t", "u"], saw ["u", "t"]"#)
    }

    @Test func runRunsEveryCheckAndListsEachFailure() throws {
        let failures = #expect(throws: ConformanceFailures.self) { try BackendConformance.run { _ in ReversedTaskIDs(MemoryBackend()) } }
        #expect(failures?.failures.map(\.check) == ["sequenceNumbersArePerTaskAndNeverReused"])
        #expect(failures?.passed.count == BackendConformance.checks.count - 1)
        #expect(failures?.description.hasPrefix("1 of \(BackendConformance.checks.count) backend conformance checks failed:\n- ") == true)
    }

    @Test func aThrowingBackendCallIsAFailureNamingTheError() throws {
        let check = try #require(BackendConformance.checks.first { $0.name == "fencingTokensTakeoverAndAttempts" })
        let failure = #expect(throws: ConformanceFailure.self) { try check.run { _ in NoLeases(MemoryBackend()) } }
        #expect(failure?.expectation == "every backend call the check makes returns")
        #expect(failure?.seen.contains("the lease table is gone") == true)
    }

    @Test func aBackendThatCannotOpenOrFollowTheClockFailsClearly() throws {
        struct Unreachable: Error, CustomStringConvertible { var description: String { "no server at localhost:1" } }
        let check = try #require(BackendConformance.checks.first { $0.name == "acquireTakesPriorityThenAgeThenID" })
        let closed = #expect(throws: ConformanceFailure.self) { try check.run(makeBackend: { _ in throw Unreachable() }) }
        #expect(closed?.expectation == "the backend opens" && closed?.seen == "no server at localhost:1")
        let stuck = #expect(throws: ConformanceFailure.self) {
            try check.run(makeSubject: { _ in ConformanceSubject(MemoryBackend()) { _ in throw Unreachable() } })
        }
        #expect(stuck?.check == "acquireTakesPriorityThenAgeThenID")
        #expect(stuck?.seen == "no server at localhost:1")
    }

    @Test func eachCheckGetsAnEmptyDirectoryRemovedAfterIt() throws {
        var directories: [String] = []
        try BackendConformance.run(makeBackend: { setup in
            let contents = try FileManager.default.contentsOfDirectory(atPath: setup.directory)
            #expect(contents == [])
            directories.append(setup.directory)
            return MemoryBackend()
        })
        #expect(directories.count == BackendConformance.checks.count)
        #expect(Set(directories).count == directories.count)
        #expect(directories.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }
}
