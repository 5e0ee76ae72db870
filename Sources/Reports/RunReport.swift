import OrdealModel
import OrdealSupport

/// The result of `ordeal run`: every scenario's result, and the run's verdict.
public struct RunReport: Sendable {
    public static let schemaVersion = 1

    public var runID: String
    public var startedAt: String
    public var endedAt: String = ""
    public var seedOverride: UInt64?
    /// Where it ran (`RunEnvironment.capture`).
    public var environment: [String: String] = [:]
    public var sourceCommit: String = "unknown"
    /// Every file the run produced or used, but the reports themselves (the manifest covers those).
    public var artifacts: [Artifact] = []
    public var scenarios: [ScenarioResult]
    public var durationMillis: Double
    /// The command that replays the run (same files, same seeds).
    public var replayCommand: String

    /// False while the run is going (report.json is rewritten after every scenario): such a
    /// report's verdict is `unknown`, so a run that was killed never reads as passed.
    public var complete = true
    /// The run folder, as given (the reports' "Verify this run" command names it).
    public var folder = ""
    /// The id of the key the run is signed with (SHA-256 of its SPKI DER), or nil when unsigned.
    public var signingKeyID: String?

    public init(
        runID: String, startedAt: String, seedOverride: UInt64?, scenarios: [ScenarioResult], durationMillis: Double,
        replayCommand: String
    ) {
        self.runID = runID
        self.startedAt = startedAt
        self.seedOverride = seedOverride
        self.scenarios = scenarios
        self.durationMillis = durationMillis
        self.replayCommand = replayCommand
    }

    /// The worker judged (`ordeal run --worker`), or nil for Ordeal's own.
    public var worker: WorkerIdentity?
    /// A not-applicable scenario fails the run (`--require-all`, for a core that claims them all).
    public var requireAll = false

    /// The worst scenario verdict. Not-applicable scenarios add nothing (they fail the run with
    /// `requireAll`); a run in which no scenario judged the worker is unknown, never a pass.
    public var verdict: Verdict {
        var verdict = scenarios.reduce(Verdict.notApplicable) { $0.combined(with: $1.verdict) }
        if requireAll && scenarios.contains(where: { $0.verdict == .notApplicable }) { verdict = .fail }
        if verdict == .notApplicable || !complete { verdict = verdict.combined(with: .unknown) }
        return verdict
    }

    public var exitStatus: ExitStatus {
        switch verdict {
        case .pass: .passed
        case .fail: .failed
        case .unknown, .notApplicable: .unknown
        }
    }

    /// Scenarios per verdict.
    public var counts: [Verdict: Int] { Dictionary(grouping: scenarios, by: \.verdict).mapValues(\.count) }

    /// The one sentence every format opens with: how many scenarios judged the worker, and how.
    public var countsSentence: String {
        let c = counts
        let judged = scenarios.count - (c[.notApplicable] ?? 0)
        var text = "\(Format.count(scenarios.count, "scenario")): \(c[.pass] ?? 0) passed, \(c[.fail] ?? 0) failed, \(c[.unknown] ?? 0) unknown"
        if let na = c[.notApplicable], na > 0 {
            text += ", \(na) not applicable (\(judged) judged the worker\(requireAll ? "; --require-all: each not-applicable one fails the run" : ""))"
        }
        return text
    }
}

/// A file of the run, by path (relative to the run folder, or absolute outside it) and digest.
public struct Artifact: Sendable, Hashable {
    public var path: String
    public var bytes: Int
    public var sha256: String

    public init(path: String, bytes: Int, sha256: String) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }

    public var json: JSONValue { ["path": .string(path), "bytes": .int(Int64(bytes)), "sha256": .string(sha256)] }
}

extension LatencySummary {
    var json: JSONValue {
        [
            "count": .int(Int64(count)), "p50_us": .double(p50_us), "p95_us": .double(p95_us), "p99_us": .double(p99_us),
            "p999_us": .double(p999_us), "max_us": .double(max_us),
        ]
    }
}

extension CheckResult {
    var json: JSONValue {
        [
            "name": .string(name), "verdict": .string(verdict.rawValue), "detail": .string(detail),
            "counterexample": .array(counterexample), "measurements": .object(measurements.mapValues { .double($0) }),
            "expected_failure": expectedFailure.map { .string($0) } ?? .null, "performance": .bool(isPerformance),
        ]
    }
}

extension ScenarioResult {
    var json: JSONValue {
        let s = scenario
        return [
            "name": .string(s.name), "description": .string(s.description), "file": .string(s.sourcePath),
            "seed": Seed.json(seed), "verdict": .string(verdict.rawValue),
            "backend": .string(s.backend == "sqlite" ? "\(s.backend):\(s.durability)" : s.backend), "duration_ms": .double(Format.round1(durationMillis)),
            "checks": .array(checks.map(\.json)),
            "faults": .array(faults.map { f in
                [
                    "kind": .string(f.kind.rawValue), "target": .string(f.target),
                    "at_ms": f.atMillis.map { .double(Format.round1($0)) } ?? .null,
                    "healed_at_ms": f.healedAtMillis.map { .double(Format.round1($0)) } ?? .null,
                    "effect": .object((faultEffects[f.index] ?? [:]).mapValues { .double(Format.round1($0)) }),
                    "shim": .object(f.effects),
                ]
            }),
            "latency": .object(latency.mapValues(\.json)),
            "latency_by_phase": .object(latencyByPhase.mapValues { .object($0.mapValues(\.json)) }),
            "recovery": recovery?.json ?? .null,
            "counts": [
                "acknowledged": .int(Int64(acknowledged)), "failed": .int(Int64(failed)),
                "indeterminate": .int(Int64(indeterminate)),
            ],
            "throughput_per_100ms": .array(throughput.map { .int(Int64($0)) }),
            "problems": .array(problems.map { .string($0) }),
            "not_applicable": notApplicable.map(JSONValue.string) ?? .null, "performance_advisory": .bool(performanceAdvisory),
            "history": .string(folder + "/history.jsonl"), "workers_log": .string(folder + "/workers.log"),
        ]
    }
}

extension RunReport {
    public var json: JSONValue {
        [
            "schemaVersion": .int(Int64(Self.schemaVersion)), "tool": ["name": "ordeal", "version": .string(OrdealVersion.current)],
            "run_id": .string(runID), "started_at": .string(startedAt), "ended_at": .string(endedAt),
            "complete": .bool(complete),
            "verdict": .string(verdict.rawValue), "source_commit": .string(sourceCommit),
            "environment": .object(environment.mapValues { .string($0) }), "artifacts": .array(artifacts.map(\.json)),
            "seed": seedOverride.map(Seed.json) ?? .null,
            "duration_ms": .double(Format.round1(durationMillis)), "replay": .string(replayCommand),
            "scenarios": .array(scenarios.map(\.json)), "worker": worker?.json ?? .null, "require_all": .bool(requireAll),
            "counts": .object(Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.rawValue, .int(Int64(counts[$0] ?? 0))) })),
        ]
    }
}
