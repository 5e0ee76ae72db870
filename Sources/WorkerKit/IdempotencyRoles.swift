import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `cache-client --task T --count N [--step-ms MS] --effects FILE`: asks the LLM cache for
/// prompts 0..<N of task T. The generator (a stand-in for a model call) sleeps MS and appends
/// `T:i` to FILE, so the file counts how often a generator really ran.
enum CacheClientRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let stepMillis = try options.int("step-ms", default: 0)
        let effects = try options.string("effects")
        let cache = LLMCache(store: backend)
        for i in 0..<count {
            let request = LLMRequest(operation: "answer", prompt: "prompt \(i)", model: "ordeal-fake", taskID: task)
            let (result, nanos) = try timed {
                try cache.getOrGenerate(request) {
                    if stepMillis > 0 { Posix.sleep(millis: stepMillis) }
                    try Effects.append(effects, "\(task):\(i)")
                    return "answer \(i) for \(task)"
                }
            }
            events.op(
                result.hit ? "cache.hit" : "cache.generate", key: result.key, outcome: .ok, latencyNanos: nanos,
                value: ["value": .string(result.value), "i": .int(Int64(i))])
        }
        return count
    }
}

/// `tool-client --task T --count N [--step-ms MS] --effects FILE [--policy run-again|fail]`:
/// executes-or-replays tool calls 0..<N; the tool's real effect appends `T:i` to FILE.
enum ToolClientRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let stepMillis = try options.int("step-ms", default: 0)
        let effects = try options.string("effects")
        let policyName = options.string("policy", default: IndeterminatePolicy.runAgain.rawValue)
        guard let policy = IndeterminatePolicy(rawValue: policyName) else {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --policy must be run-again or fail, not '\(policyName)'")
        }
        let ledger = ToolLedger(store: backend)
        for i in 0..<count {
            let call = ToolRequest(tool: "append", command: "\(task):\(i)", taskID: task)
            do {
                let (result, nanos) = try timed {
                    try ledger.executeOrReplay(call, policy: policy) {
                        try Effects.append(effects, "\(task):\(i)")
                        if stepMillis > 0 { Posix.sleep(millis: stepMillis) }
                        return "{\"exit\":0,\"line\":\"\(task):\(i)\"}"
                    }
                }
                events.op(
                    result.replayed ? "tool.replay" : "tool.execute", key: result.key, outcome: .ok, latencyNanos: nanos,
                    value: ["output": .string(result.output), "i": .int(Int64(i)), "reran": .bool(result.reran)])
            } catch let error as RecoveryError where error.code == .indeterminateToolCall {
                events.op("tool.execute", key: try call.key(), outcome: .info, latencyNanos: 0, error: error.message)
            }
        }
        return count
    }
}

/// A tool's real side effect: a line appended (and fsynced) to a file.
public enum Effects {
    public static func append(_ path: String, _ line: String) throws {
        do { try Posix.appendLine(path, line) } catch {
            throw RecoveryError(.storage, "cannot append to the effects file: \(error); check the path is writable")
        }
    }

    /// How many times each line is in the effects file; empty when the file does not exist.
    public static func counts(_ path: String) throws -> [String: Int] {
        let bytes: [UInt8]
        do { bytes = try Posix.readBytes(path) ?? [] } catch {
            throw RecoveryError(.storage, "cannot read the effects file: \(error); check the path is readable")
        }
        var counts: [String: Int] = [:]
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            counts[String(decoding: line, as: UTF8.self), default: 0] += 1
        }
        return counts
    }
}
