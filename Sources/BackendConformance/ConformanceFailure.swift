/// A conformance check that failed: what should have held, what was expected and what was seen.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The name of the check, e.g. `fencingTokensTakeoverAndAttempts`.
    public let check: String
    /// What the backend should have done, as a sentence.
    public let expectation: String
    public let expected: String
    public let seen: String

    public init(check: String, expectation: String, expected: String, seen: String) {
        self.check = check
        self.expectation = expectation
        self.expected = expected
        self.seen = seen
    }

    public var description: String {
        "backend conformance check \(check) failed: \(expectation): expected \(expected), saw \(seen)"
    }
}

/// Thrown by `BackendConformance.run` when checks failed: every failure, and what passed.
public struct ConformanceFailures: Error, Sendable, CustomStringConvertible {
    public let failures: [ConformanceFailure]
    public let passed: [String]

    public var description: String {
        "\(failures.count) of \(failures.count + passed.count) backend conformance checks failed:\n"
            + failures.map { "- \($0)" }.joined(separator: "\n")
    }
}
