import OrdealSupport

import Synchronization

/// What to do with a tool call whose intent was recorded but whose result never was: the
/// process died mid-tool (or the tool threw), so whether its effect happened is unknown.
public enum IndeterminatePolicy: String, Sendable, CaseIterable {
    /// Run the tool again (accepting a possible second effect); counted in `reruns`.
    case runAgain = "run-again"
    /// Throw `indeterminateToolCall` and leave the decision to a person.
    case fail
}

public struct LedgerStats: Sendable, Hashable {
    public var executions = 0
    public var replays = 0
    /// Indeterminate calls run again under `.runAgain`.
    public var reruns = 0
    /// Indeterminate calls refused under `.fail`.
    public var indeterminate = 0

    public var replayRate: Double { executions + replays == 0 ? 0 : Double(replays) / Double(executions + replays) }
}

public struct ToolResult: Sendable, Hashable {
    public var key: String
    public var output: String
    /// True when the output came from the ledger and the tool did not run.
    public var replayed: Bool
    /// True when this call ran the tool again after an indeterminate earlier call.
    public var reran: Bool
}

/// The tool ledger: execute-or-replay keyed by the SHA-256 of the canonical call. An intent
/// row is committed before the tool runs and the result after it, so a crash in between
/// leaves an intent without a result, handled by an explicit `IndeterminatePolicy`.
/// Entries live `ttlMillis` (30 days by default).
public final class ToolLedger: Sendable {
    public static let defaultTTLMillis: Int64 = 30 * 24 * 3600 * 1000

    private let loop: ClaimLoop
    private let counters = Mutex(LedgerStats())

    public init(
        store: any IdempotencyStore, clock: any RecoveryClock = SystemClock(), ttlMillis: Int64 = ToolLedger.defaultTTLMillis,
        claimMillis: Int64 = 600_000, maxWaitMillis: Int64 = 900_000, owner: ClaimOwner = .current
    ) {
        loop = ClaimLoop(
            store: store, clock: clock, owner: owner, kind: .tool, ttlMillis: ttlMillis, claimMillis: claimMillis,
            maxWaitMillis: maxWaitMillis)
    }

    public func executeOrReplay(
        _ request: ToolRequest, policy: IndeterminatePolicy = .fail, execute: () throws -> String
    ) throws -> ToolResult {
        let canonical = try request.canonicalJSON()
        let key = Digest.sha256Hex(canonical)
        let outcome = try loop.run(
            key: key, taskID: request.taskID, request: { String(decoding: canonical, as: UTF8.self) },
            abandoned: { entry in
                guard policy == .runAgain else {
                    self.counters.withLock { $0.indeterminate += 1 }
                    let why = entry.status == .failed ? "the tool threw: \(entry.error ?? "?")" : "its process (\(entry.owner)) died"
                    throw RecoveryError(
                        .indeterminateToolCall,
                        "tool call \(key) (\(request.tool): \(request.command.prefix(80))) is indeterminate: its intent was recorded but \(why); its effect may or may not have happened. Run it again with policy run-again, or resolve it by hand")
                }
                return true
            }, produce: execute)
        switch outcome {
        case .stored(let output, _):
            counters.withLock { $0.replays += 1 }
            return ToolResult(key: key, output: output, replayed: true, reran: false)
        case .produced(let output, let tookOver):
            let reran = tookOver.map { $0.status != .done } ?? false
            counters.withLock {
                $0.executions += 1
                if reran { $0.reruns += 1 }
            }
            return ToolResult(key: key, output: output, replayed: false, reran: reran)
        }
    }

    /// The task's calls, newest first.
    public func history(taskID: String?, limit: Int = 100) throws -> [IdempotencyEntry] {
        try loop.store.entries(kind: .tool, taskID: taskID, limit: limit)
    }

    public func purgeExpired() throws -> Int {
        try loop.store.purgeExpired(kind: .tool, nowMillis: loop.clock.nowMillis())
    }

    public var stats: LedgerStats { counters.withLock { $0 } }

    public func resetStats() { counters.withLock { $0 = LedgerStats() } }
}
