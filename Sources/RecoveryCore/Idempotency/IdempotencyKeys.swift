import OrdealSystem
import OrdealSupport

/// A request to an LLM. Every field that changes the answer is part of the cache key, so
/// distinct requests never share a key.
public struct LLMRequest: Sendable, Hashable {
    public var operation: String
    public var prompt: String
    public var model: String
    public var taskID: String?
    /// Temperature, system prompt, tools, ...: anything else that changes the answer.
    public var parameters: [String: JSONValue]

    public init(operation: String, prompt: String, model: String, taskID: String? = nil, parameters: [String: JSONValue] = [:]) {
        self.operation = operation
        self.prompt = prompt
        self.model = model
        self.taskID = taskID
        self.parameters = parameters
    }

    /// Canonical JSON of every field (keys in sorted order); the key is its SHA-256.
    public func canonicalJSON() throws -> [UInt8] {
        try IdempotencyKeys.encode(
            kind: "llm", before: [], after: [("model", model), ("operation", operation)],
            afterParameters: [("prompt", prompt)], taskID: taskID, parameters: parameters)
    }

    public func key() throws -> String { Digest.sha256Hex(try canonicalJSON()) }
}

/// A tool call. Keyed like `LLMRequest`.
public struct ToolRequest: Sendable, Hashable {
    public var tool: String
    public var command: String
    public var taskID: String?
    public var parameters: [String: JSONValue]

    public init(tool: String, command: String, taskID: String? = nil, parameters: [String: JSONValue] = [:]) {
        self.tool = tool
        self.command = command
        self.taskID = taskID
        self.parameters = parameters
    }

    public func canonicalJSON() throws -> [UInt8] {
        try IdempotencyKeys.encode(
            kind: "tool", before: [("command", command)], after: [], afterParameters: [],
            taskID: taskID, parameters: parameters, afterTask: [("tool", tool)])
    }

    public func key() throws -> String { Digest.sha256Hex(try canonicalJSON()) }
}

enum IdempotencyKeys {
    /// Writes the canonical JSON object of a request (the same bytes `CanonicalJSON` gives)
    /// without building a dictionary on the hot path. The object's keys, in sorted order, are:
    /// `before`, "kind", `after`, "parameters", `afterParameters`, "task", `afterTask`; the
    /// callers pass each group sorted and in its place (a test checks against `CanonicalJSON`).
    static func encode(
        kind: String, before: [(String, String)], after: [(String, String)], afterParameters: [(String, String)],
        taskID: String?, parameters: [String: JSONValue], afterTask: [(String, String)] = []
    ) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + (before + after + afterParameters + afterTask).reduce(0) { $0 + $1.1.utf8.count })
        out.append(UInt8(ascii: "{"))
        func field(_ name: String, _ value: String) {
            CanonicalJSON.writeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
            CanonicalJSON.writeString(value, into: &out)
            out.append(UInt8(ascii: ","))
        }
        for (name, value) in before { field(name, value) }
        field("kind", kind)
        for (name, value) in after { field(name, value) }
        out.append(contentsOf: "\"parameters\":".utf8)
        try CanonicalJSON.write(.object(parameters), into: &out)
        out.append(UInt8(ascii: ","))
        for (name, value) in afterParameters { field(name, value) }
        out.append(contentsOf: "\"task\":".utf8)
        if let taskID { CanonicalJSON.writeString(taskID, into: &out) } else { out.append(contentsOf: "null".utf8) }
        for (name, value) in afterTask {
            out.append(UInt8(ascii: ","))
            CanonicalJSON.writeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
            CanonicalJSON.writeString(value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Who holds a claim: host, pid and a random nonce. A claim whose owner is on this host and
/// no longer running is abandoned at once, without waiting for the claim to expire.
public struct ClaimOwner: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let pid: Int32
    public let nonce: UInt64

    public static let current = ClaimOwner(host: Posix.hostname, pid: Posix.pid, nonce: UInt64.random(in: 1...UInt64.max))

    public var description: String { "\(host)/\(pid)/\(String(nonce, radix: 16))" }

    /// False only when `owner` names a process on this host that no longer exists.
    static func mayBeAlive(_ owner: String) -> Bool {
        let parts = owner.split(separator: "/")
        guard parts.count == 3, let pid = Int32(parts[1]), String(parts[0]) == current.host else { return true }
        return Posix.processExists(pid)
    }
}
