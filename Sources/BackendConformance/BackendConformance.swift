import Foundation
import OrdealSystem
import RecoveryCore

/// The backend conformance suite: every behaviour of docs/storage-interface.md that all
/// backends share, as checks a package runs against its own `RecoveryBackend` from any test
/// framework (it depends on neither XCTest nor Swift Testing).
///
/// ```swift
/// let report = try BackendConformance.run { setup in try MyStore(path: setup.directory + "/store.db") }
/// ```
///
/// Each check gets a fresh backend from the closure, an empty directory of its own (removed
/// afterwards) and a manual clock; a failed expectation throws `ConformanceFailure`, naming the
/// check, what should hold, what was expected and what was seen.
public enum BackendConformance {
    /// Every check, in the order `run` runs them.
    public static let checks: [ConformanceCheck] = checkpointChecks + leaseChecks + sweepChecks + idempotencyChecks + taskChecks

    /// Runs every check, each on a fresh backend, and returns the names of those that passed.
    /// Throws `ConformanceFailures` once all have run if any failed: its description lists
    /// each failure.
    @discardableResult
    public static func run(makeBackend: (ConformanceSetup) throws -> any RecoveryBackend) throws -> Report {
        try run(makeSubject: { ConformanceSubject(try makeBackend($0)) })
    }

    /// `run(makeBackend:)` for a backend that decides lease expiry on a clock of its own: the
    /// subject says how to move that clock with the check's.
    @discardableResult
    public static func run(makeSubject: (ConformanceSetup) throws -> ConformanceSubject) throws -> Report {
        var passed: [String] = []
        var failures: [ConformanceFailure] = []
        for check in checks {
            do {
                try check.run(makeSubject: makeSubject)
                passed.append(check.name)
            } catch {
                failures.append(error)
            }
        }
        guard failures.isEmpty else { throw ConformanceFailures(failures: failures, passed: passed) }
        return Report(passed: passed)
    }

    /// The checks that passed in a run where none failed.
    public struct Report: Sendable, CustomStringConvertible {
        public let passed: [String]
        public var description: String { "all \(passed.count) backend conformance checks passed" }
    }
}

/// One behaviour every backend must have, checked on a fresh backend.
public struct ConformanceCheck: Sendable, CustomStringConvertible {
    /// The check's name, e.g. `fencingTokensTakeoverAndAttempts`.
    public let name: String
    /// What it checks, in one sentence.
    public let summary: String
    let body: @Sendable (ConformanceEnv) throws -> Void

    init(_ name: String, _ summary: String, _ body: @escaping @Sendable (ConformanceEnv) throws -> Void) {
        self.name = name
        self.summary = summary
        self.body = body
    }

    public var description: String { name }

    /// Runs the check on a backend from `makeBackend`; throws `ConformanceFailure` if it fails,
    /// including when making the backend or one of its calls throws.
    public func run(makeBackend: (ConformanceSetup) throws -> any RecoveryBackend) throws(ConformanceFailure) {
        try run(makeSubject: { ConformanceSubject(try makeBackend($0)) })
    }

    /// `run(makeBackend:)` for a backend on a clock of its own (see `ConformanceSubject`).
    public func run(makeSubject: (ConformanceSetup) throws -> ConformanceSubject) throws(ConformanceFailure) {
        let setup: ConformanceSetup
        do { setup = try ConformanceSetup(check: name) } catch {
            throw ConformanceFailure(check: name, expectation: "a scratch directory can be made", expected: "a directory", seen: "\(error)")
        }
        defer { setup.remove() }
        let subject: ConformanceSubject
        do { subject = try makeSubject(setup) } catch {
            throw ConformanceFailure(check: name, expectation: "the backend opens", expected: "a backend", seen: "\(error)")
        }
        let env = ConformanceEnv(check: name, setup: setup, subject: subject)
        do { try body(env) } catch let failure as ConformanceFailure { throw failure } catch {
            throw ConformanceFailure(
                check: name, expectation: "every backend call the check makes returns", expected: "no error", seen: "\(error)")
        }
    }
}

/// What a check gives the closure that makes its backend.
public struct ConformanceSetup: Sendable {
    /// The check's name, e.g. to name a database after it.
    public let check: String
    /// An empty directory for this check only, removed when it ends: put a file-based store here.
    public let directory: String
    /// The time (milliseconds since the epoch) the check's manual clock starts at.
    public let startMillis: Int64

    init(check: String) throws {
        self.check = check
        directory = try Posix.makeTemporaryDirectory(prefix: "ordeal-conformance")
        startMillis = 1_700_000_000_000
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }  // a leftover scratch folder is not an error
}

/// The backend a check runs against, and how to move its clock.
public struct ConformanceSubject: Sendable {
    public let backend: any RecoveryBackend
    /// Called with the check's new time (milliseconds) each time the check moves its clock, for a
    /// backend that decides lease expiry on a clock of its own (PostgreSQL's server clock): make
    /// that clock read this time. Nil when the backend takes the caller's `nowMillis`.
    public let moveClock: (@Sendable (Int64) throws -> Void)?

    public init(_ backend: any RecoveryBackend, moveClock: (@Sendable (Int64) throws -> Void)? = nil) {
        self.backend = backend
        self.moveClock = moveClock
    }
}
