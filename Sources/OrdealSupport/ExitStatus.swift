import OrdealSystem

/// Ordeal's exit-code contract, the same for every command; `--help` and the README list it.
/// `failed` (1) comes only from a verdict: a check, a verification or a comparison. Every error
/// says its own status (`ExitStatusProviding`), and `ordeal` turns it into the exit in one place.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything ran and every check passed.
    case passed = 0
    /// A check, a verification or a comparison failed.
    case failed = 1
    /// Bad input: a usage error, a malformed file, a missing or unwritable path.
    case badInput = 2
    /// The harness itself broke, so nothing can be concluded (never a pass).
    case unknown = 3
    /// An internal error in Ordeal.
    case internalError = 4
    /// A benchmark regressed past its baseline tolerance.
    case regression = 5

    public static let helpText = """
        EXIT CODES
          0  passed: everything ran and every check held
          1  failed: a check, a verification or a comparison failed
          2  bad input: usage error, malformed file, missing or unwritable path
          3  unknown: the harness broke (a worker never got ready, history cut short)
          4  internal error in Ordeal
          5  a benchmark regressed past its baseline tolerance
        """
}

/// An error that says which exit status it means. `ordeal` prints it once, as `Error: ...`,
/// and exits with that status; an error that says nothing is an internal error (4).
public protocol ExitStatusProviding: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

/// Bad input (exit 2): a sentence naming the file or the option, and the fix.
public struct BadInput: ExitStatusProviding, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var exitStatus: ExitStatus { .badInput }
}

/// A system call that failed where no caller turned it into something more precise: Ordeal's
/// own I/O broke (exit 4), never a verdict.
extension SystemError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .internalError }
}
