/// The eight checkpoint types of the seeds' schema. Any other name is rejected.
public enum CheckpointType: String, Sendable, CaseIterable, Hashable {
    case iterationStart = "iteration_start"
    case iterationEnd = "iteration_end"
    case toolExecuted = "tool_executed"
    case llmResponse = "llm_response"
    case approvalPoint = "approval_point"
    case stateTransition = "state_transition"
    case manualCheckpoint = "manual_checkpoint"
    case errorBoundary = "error_boundary"

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses a type name, or throws an error listing the valid ones.
    public init(validating name: String) throws(RecoveryError) {
        guard let type = CheckpointType(rawValue: name) else {
            throw RecoveryError(
                .invalidCheckpointType,
                "'\(name)' is not a checkpoint type; use one of: \(CheckpointType.validNames)")
        }
        self = type
    }
}
