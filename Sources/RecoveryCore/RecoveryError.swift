/// An error from the recovery core: a stable code, a sentence naming the object and the fix,
/// and the storage error underneath when there is one.
public struct RecoveryError: Error, CustomStringConvertible, Sendable {
    /// A stable code; new codes can be added without breaking callers that switch on the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Storage: String {
            case invalidCheckpointType = "invalid-checkpoint-type"
            case checkpointNotFound = "checkpoint-not-found"
            case corruptSnapshot = "corrupt-snapshot"
            case invalidSnapshot = "invalid-snapshot"
            case invalidEvidence = "invalid-evidence"
            case notVerified = "not-verified"
            case leaseLost = "lease-lost"
            case workItemNotFound = "work-item-not-found"
            case duplicateWorkItem = "duplicate-work-item"
            case indeterminateToolCall = "indeterminate-tool-call"
            case claimTimeout = "claim-timeout"
            case claimLost = "claim-lost"
            case storage = "storage"
            case invalidArgument = "invalid-argument"
        }
        let value: Storage
        public var description: String { value.rawValue }

        public static let invalidCheckpointType = Code(value: .invalidCheckpointType)
        public static let checkpointNotFound = Code(value: .checkpointNotFound)
        public static let corruptSnapshot = Code(value: .corruptSnapshot)
        public static let invalidSnapshot = Code(value: .invalidSnapshot)
        public static let invalidEvidence = Code(value: .invalidEvidence)
        public static let notVerified = Code(value: .notVerified)
        public static let leaseLost = Code(value: .leaseLost)
        public static let workItemNotFound = Code(value: .workItemNotFound)
        public static let duplicateWorkItem = Code(value: .duplicateWorkItem)
        public static let indeterminateToolCall = Code(value: .indeterminateToolCall)
        public static let claimTimeout = Code(value: .claimTimeout)
        public static let claimLost = Code(value: .claimLost)
        public static let storage = Code(value: .storage)
        public static let invalidArgument = Code(value: .invalidArgument)
    }

    public let code: Code
    public let message: String
    /// The backend's own error underneath (a `SQLiteError`, a PostgreSQL error, ...), if any.
    public let cause: (any Error & Sendable)?
    /// The SQLite error underneath, when the backend is SQLite.
    public var underlying: SQLiteError? { cause as? SQLiteError }

    public init(_ code: Code, _ message: String, underlying: SQLiteError? = nil) {
        self.code = code
        self.message = message
        self.cause = underlying
    }

    /// An error of another backend: `cause` is its own error (its description should name the
    /// store and the fix, as `SQLiteError`'s does).
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)?) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        var text = "[\(code)] \(message)"
        if let cause { text += " (\(cause))" }
        return text
    }

    static func storage(_ error: SQLiteError) -> RecoveryError {
        RecoveryError(.storage, "the storage backend failed", underlying: error)
    }
}
