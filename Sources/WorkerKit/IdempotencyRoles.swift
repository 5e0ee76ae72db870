import OrdealSystem
import OrdealSupport
import RecoveryCore

/// `cache-client --task T --count N [--step-ms MS] --effects FILE [--shapes S] [--ttl-ms MS]
/// [--start-delay-ms MS]`: asks the LLM cache for requests 0..<N of task T. The generator (a
/// stand-in for a model call) sleeps MS and appends `T:i` to FILE, so the file counts how often a
/// generator really ran; its answer names i, so distinct requests have distinct answers.
/// With `--shapes S` (1 to 5, default 1) request i is of shape i mod S, each differing from the
/// first in one field that changes the answer (temperature, model, system prompt, task): the
/// prompt is `prompt i/S`, the same for S requests in a row. Each op's value carries `request`,
/// the SHA-256 of the whole canonical request as the client built it (whatever key the cache
/// used), which `cache-answers` judges. `--ttl-ms` sets the cache entries' time to live.
public enum CacheClientRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        try run(options: options, backend: backend, events: events, keyOf: { $0 })
    }

    /// The role; `keyOf` is the request the cache is asked with (the client's own request for
    /// the real role; one with a field dropped for `ordeal-faulty-worker`'s cache-key fault).
    public static func run(
        options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter,
        keyOf: (LLMRequest) -> LLMRequest
    ) throws -> Int {
        let task = options.string("task", default: "task-1")
        let count = try options.int("count", default: 100)
        let stepMillis = try options.int("step-ms", default: 0)
        let shapes = try options.int("shapes", default: 1)
        guard (1...5).contains(shapes) else {
            throw WorkerOptions.UsageError(description: "ordeal-worker: --shapes must be 1 to 5, not \(shapes)")
        }
        let ttl = try options.int("ttl-ms", default: Int(LLMCache.defaultTTLMillis))
        let effects = try options.string("effects")
        let delay = try options.int("start-delay-ms", default: 0)
        if delay > 0 { Posix.sleep(millis: delay) }
        let cache = LLMCache(store: backend, ttlMillis: Int64(max(ttl, 1)))
        for i in 0..<count {
            let request = Self.request(i, task: task, shapes: shapes)
            let (result, nanos) = try timed {
                try cache.getOrGenerate(keyOf(request)) {
                    if stepMillis > 0 { Posix.sleep(millis: stepMillis) }
                    try Effects.append(effects, "\(task):\(i)")
                    return "answer \(i) for \(task)"
                }
            }
            events.op(
                result.hit ? "cache.hit" : "cache.generate", key: result.key, outcome: .ok, latencyNanos: nanos,
                value: ["value": .string(result.value), "i": .int(Int64(i)), "request": .string(try request.key())])
        }
        return count
    }

    /// Request i of the task: shape i mod `shapes` changes one field of the first shape.
    static func request(_ i: Int, task: String, shapes: Int) -> LLMRequest {
        guard shapes > 1 else { return LLMRequest(operation: "answer", prompt: "prompt \(i)", model: "ordeal-fake", taskID: task) }
        var request = LLMRequest(operation: "answer", prompt: "prompt \(i / shapes)", model: "ordeal-fake", taskID: task)
        switch i % shapes {
        case 1: request.parameters["temperature"] = .double(0.7)
        case 2: request.model = "ordeal-fake-large"
        case 3: request.parameters["system"] = "answer tersely"
        case 4: request.taskID = task + "-other"
        default: break
        }
        return request
    }
}

/// `tool-client --task T --count N [--step-ms MS] --effects FILE [--policy run-again|fail]`:
/// executes-or-replays tool calls 0..<N; the tool's real effect appends `T:i` to FILE, then the
/// call takes MS more (so a kill can land after the effect and before the result is recorded).
/// Each op's value carries the client's `policy`, which effects-at-most-once holds it to.
public enum ToolClientRole {
    static func run(options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter) throws -> Int {
        try run(options: options, backend: backend, events: events, ledgerPolicy: { $0 })
    }

    /// The role; `ledgerPolicy` is the policy the ledger is given for the client's (the same for
    /// the real role; run-again whatever the client asked for in `ordeal-faulty-worker`).
    public static func run(
        options: WorkerOptions, backend: any RecoveryBackend, events: EventWriter,
        ledgerPolicy: (IndeterminatePolicy) -> IndeterminatePolicy
    ) throws -> Int {
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
                    try ledger.executeOrReplay(call, policy: ledgerPolicy(policy)) {
                        try Effects.append(effects, "\(task):\(i)")
                        if stepMillis > 0 { Posix.sleep(millis: stepMillis) }
                        return "{\"exit\":0,\"line\":\"\(task):\(i)\"}"
                    }
                }
                events.op(
                    result.replayed ? "tool.replay" : "tool.execute", key: result.key, outcome: .ok, latencyNanos: nanos,
                    value: [
                        "output": .string(result.output), "i": .int(Int64(i)), "reran": .bool(result.reran),
                        "policy": .string(policy.rawValue),
                    ])
            } catch let error as RecoveryError where error.code == .indeterminateToolCall {
                events.op(
                    "tool.execute", key: try call.key(), outcome: .info, latencyNanos: 0,
                    value: ["policy": .string(policy.rawValue)], error: error.message)
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
