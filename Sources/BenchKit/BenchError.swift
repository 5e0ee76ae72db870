import OrdealSupport

/// An error of the benchmark runner: a stable code and a sentence naming the flag, file or
/// worker and the fix. `badInput` errors are the caller's to correct (exit 2); `workerFailed`
/// means the harness broke and nothing can be concluded (exit 3).
public struct BenchError: ExitStatusProviding, Sendable, Equatable {
    /// A stable code; new codes can be added without breaking callers that switch on the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String {
            case badSpec = "bad-backend-spec"
            case badTolerance = "bad-tolerance"
            case badBaseline = "bad-baseline"
            case badOption = "bad-option"
            case workerFailed = "worker-failed"
            case io = "io"
        }
        let value: Value
        public var description: String { value.rawValue }

        public static let badSpec = Code(value: .badSpec)
        public static let badTolerance = Code(value: .badTolerance)
        public static let badBaseline = Code(value: .badBaseline)
        public static let badOption = Code(value: .badOption)
        public static let workerFailed = Code(value: .workerFailed)
        public static let io = Code(value: .io)
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True when the caller's input was wrong (a flag, a spec, a baseline file).
    public var isBadInput: Bool { code != .workerFailed && code != .io }

    public var description: String { "[\(code)] \(message)" }

    public var exitStatus: ExitStatus {
        if isBadInput { return .badInput }
        return code == .workerFailed ? .unknown : .internalError
    }
}
