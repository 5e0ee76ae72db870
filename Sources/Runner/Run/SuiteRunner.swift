import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import Foundation
import OrdealSupport

/// `ordeal run`: runs scenarios one after another, each in its own folder of the run folder,
/// and writes `report.json` and `report.md` (atomically, after every scenario, so a run that
/// is killed leaves a report of what finished and no report that reads as passed).
public struct SuiteRunner {
    public struct Options {
        public var scenarios: [Scenario]
        /// The paths as given, for the replay command.
        public var paths: [String]
        public var runDirectory: String
        /// Where `latest` is pointed at the run folder (nil: no link).
        public var latestLink: String?
        public var seedOverride: UInt64?
        public var workerPath: String
        public var progress: (String) -> Void
        /// A status line rewritten in place while a scenario runs (a terminal); nil for CI.
        public var live: ((String) -> Void)?
        /// Load the fault shim into every worker, even where no fault needs it.
        public var shimAlways = false
        /// Every scenario on this backend instead of the one it names (`ordeal run --backend`).
        public var backend: BackendOverride?
        /// Every worker group of every scenario runs this command (`ordeal run --worker`).
        public var workerCommand: [String]?
        /// With `workerCommand`, latency thresholds decide verdicts too (`--enforce-thresholds`).
        public var enforceThresholds = false
        /// A not-applicable scenario fails the run (`--require-all`).
        public var requireAll = false
        /// Every scenario's liveness budget instead of its own (`--liveness`), for a slower core.
        public var livenessMillis: Int64?
        /// The run's id (`newRunID()`): the folder's name by default, but a run into a folder
        /// of the user's own keeps its own id (nil: the folder's name).
        public var runID: String?
        /// The key id of the key the run will be signed with, for the reports' "Verify this
        /// run" section (nil: unsigned).
        public var signingKeyID: String?

        public init(
            scenarios: [Scenario], paths: [String], runDirectory: String, latestLink: String?, seedOverride: UInt64?,
            workerPath: String, progress: @escaping (String) -> Void
        ) {
            self.scenarios = scenarios
            self.paths = paths
            self.runDirectory = runDirectory
            self.latestLink = latestLink
            self.seedOverride = seedOverride
            self.workerPath = workerPath
            self.progress = progress
        }
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    public static func newRunID() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    public func run() throws -> RunReport {
        let fm = FileManager.default
        try fm.createDirectory(atPath: options.runDirectory, withIntermediateDirectories: true)
        let iso = ISO8601DateFormatter().string(from: Date())
        let watch = Stopwatch()
        var seedArgument = ""
        if let seed = options.seedOverride { seedArgument = " --seed \(seed)" }
        var report = RunReport(
            runID: options.runID ?? URL(fileURLWithPath: options.runDirectory).lastPathComponent, startedAt: iso,
            seedOverride: options.seedOverride, scenarios: [], durationMillis: 0,
            replayCommand: "ordeal run \(options.paths.joined(separator: " "))\(seedArgument)\(options.backend.map { " --backend \($0.name)" } ?? "")"
                + (options.workerCommand.map { " --worker '\($0.joined(separator: " "))'" } ?? "")
                + (options.livenessMillis.map { " --liveness \($0)ms" } ?? "") + (options.requireAll ? " --require-all" : "")
                + (options.enforceThresholds ? " --enforce-thresholds" : ""))
        report.complete = false
        report.folder = options.runDirectory
        report.signingKeyID = options.signingKeyID
        report.environment = RunEnvironment.capture(dataDirectory: options.runDirectory)
        report.sourceCommit = RunEnvironment.sourceCommit()
        if let link = options.latestLink { try Self.pointLink(link, at: options.runDirectory) }
        var scenarios = options.scenarios.flatMap(Self.expandEnumerations)
        if let command = options.workerCommand { scenarios = scenarios.map { Self.running(command, $0) } }
        if let liveness = options.livenessMillis {
            scenarios = scenarios.map { s in
                var s = s
                s.livenessMillis = liveness
                return s
            }
        }
        report.requireAll = options.requireAll
        let identities = try identify(commands: scenarios)
        report.worker = options.workerCommand.flatMap { identities[$0] }
        if let worker = report.worker { options.progress("judging \(worker.summary)") }
        // A scenario meant for other backends only (`backends: [postgres]`) is not run, and the run says so.
        let backendName = options.backend?.scenarioBackend ?? "sqlite"
        let elsewhere = scenarios.filter { !$0.isMeant(for: backendName) }
        if !elsewhere.isEmpty {
            let line = "not run on \(backendName): \(elsewhere.map(\.name).joined(separator: ", ")) (meant for \(Set(elsewhere.flatMap { $0.backends ?? [] }).sorted().joined(separator: ", ")) only)"
            options.progress(line)
            report.environment["scenarios_for_other_backends"] = line
            scenarios.removeAll { !$0.isMeant(for: backendName) }
        }
        if let backend = options.backend {
            let skipped = scenarios.filter { backend.reasonNotToRun($0) != nil }
            scenarios = scenarios.filter { backend.reasonNotToRun($0) == nil }.map(backend.applied)
            let names = Array(Set(skipped.map { $0.sourcePath })).sorted()
            if let first = skipped.first, let reason = backend.reasonNotToRun(first) {
                let line = "not run on \(backend.name): \(names.joined(separator: ", ")) (\(reason))"
                options.progress(line)
                report.environment["scenarios_not_run"] = line
            }
        }
        for (n, scenario) in scenarios.enumerated() {
            let seed = options.seedOverride ?? scenario.seed
            options.progress("[\(n + 1)/\(scenarios.count)] \(scenario.name) (seed \(seed)) ...")
            let reason = Set(scenario.workers.compactMap(\.command)).sorted { $0.joined() < $1.joined() }
                .lazy.compactMap { identities[$0]?.reasonNotApplicable(scenario) }.first
            let result = try reason.map { try skip(scenario, seed: seed, reason: $0) } ?? runOne(scenario, seed: seed)
            report.scenarios.append(result)
            report.durationMillis = watch.elapsedMillis
            try ReportWriter.write(report, to: options.runDirectory, partial: true)
            let failed = result.checks.filter { $0.verdict != .pass }.map(\.name)
            var line = "[\(n + 1)/\(scenarios.count)] \(scenario.name): \(result.verdict.rawValue.uppercased()) "
            line += "in \(Format.micros(result.durationMillis * 1000)), \(result.acknowledged) acknowledged ops"
            if !failed.isEmpty { line += "; not passed: \(failed.joined(separator: ", "))" }
            if let reason = result.notApplicable { line = "[\(n + 1)/\(scenarios.count)] \(scenario.name): NOT-APPLICABLE, not run: \(reason)" }
            for check in result.checks where check.verdict != .pass {
                let kind = check.isPerformance && result.performanceAdvisory ? "performance, not deciding: " : ""
                line += "\n      \(kind)\(check.verdict.rawValue) \(check.name): \(check.detail.count > 240 ? check.detail.prefix(240) + "..." : check.detail)"
            }
            for problem in result.problems { line += "\n      harness: \(problem)" }
            options.progress(line)
        }
        report.durationMillis = watch.elapsedMillis
        report.endedAt = ISO8601DateFormatter().string(from: Date())
        report.complete = true
        report.artifacts = try Artifacts.list(runDirectory: options.runDirectory, extra: [options.workerPath])
        try write(report)
        return report
    }

    private func runOne(_ scenario: Scenario, seed: UInt64) throws -> ScenarioResult {
        let folder = "scenarios/\(scenario.name)"
        let dir = options.runDirectory + "/" + folder
        let data = dir + "/data"
        // A folder left by an earlier run into the same --out must not leak into this one.
        for stale in [data, dir + "/shim", dir + "/effects.txt"] where FileManager.default.fileExists(atPath: stale) {
            try FileManager.default.removeItem(atPath: stale)
        }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let run = ScenarioRun(
            config: ScenarioRun.Config(
                scenario: scenario, seed: seed, workerPath: options.workerPath, dataDirectory: data,
                historyPath: dir + "/history.jsonl", workersLogPath: dir + "/workers.log", live: options.live,
                shimAlways: options.shimAlways, backendSpec: try options.backend?.prepare?(scenario, data)))
        // The scenario file as it was run, so the folder alone can be re-analysed and verified.
        try Self.write(
            String(contentsOfFile: scenario.sourcePath, encoding: .utf8), to: dir + "/scenario.yaml")
        let outcome = try run.run()
        if let final = outcome.final {
            try Self.write(PrettyJSON.string(final.json), to: dir + "/final-state.json")
        }
        let advisory = options.workerCommand != nil && !options.enforceThresholds
        var outcomeJSON = outcome.json(seed: seed).objectValue ?? [:]
        outcomeJSON["performance_advisory"] = .bool(advisory)
        try Self.write(PrettyJSON.string(.object(outcomeJSON)), to: dir + "/outcome.json")
        let result = Analysis.analyze(
            scenario: scenario, seed: seed, history: outcome.history, final: outcome.final, faults: outcome.faults,
            problems: outcome.problems, durationMillis: outcome.durationMillis, folder: folder, performanceAdvisory: advisory)
        let histograms = try JSONEncoder().encode(result.histograms)
        try Self.write(String(decoding: histograms, as: UTF8.self), to: dir + "/histograms.json")
        // A passing scenario's database is not evidence of anything; a failing one's is kept.
        if result.verdict == .pass {
            try? FileManager.default.removeItem(atPath: data)
            try? FileManager.default.removeItem(atPath: dir + "/shim")
        }
        return result
    }

    /// `scenario` with every worker group running `command`.
    static func running(_ command: [String], _ scenario: Scenario) -> Scenario {
        var out = scenario
        out.workers = scenario.workers.map { group in
            var g = group
            g.command = command
            return g
        }
        return out
    }

    /// What each command the scenarios run declares, probed once each before anything runs.
    private func identify(commands scenarios: [Scenario]) throws -> [[String]: WorkerIdentity] {
        var out: [[String]: WorkerIdentity] = [:]
        let scratch = try Posix.makeTemporaryDirectory(prefix: "ordeal-probe")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let commands = Set(scenarios.flatMap { $0.workers.compactMap(\.command) }).sorted(by: { $0.joined() < $1.joined() })
        // The probe reads the backend the scenarios will run on (a fresh database of its own).
        let spec = try commands.isEmpty ? nil : scenarios.first.flatMap { try options.backend?.prepare?($0, scratch) }
        for command in commands {
            out[command] = try WorkerProbe.identify(command: command, workerPath: options.workerPath, directory: scratch, backendSpec: spec)
        }
        return out
    }

    /// A scenario that cannot judge the worker: not run; its folder holds the scenario and why.
    private func skip(_ scenario: Scenario, seed: UInt64, reason: String) throws -> ScenarioResult {
        let folder = "scenarios/\(scenario.name)"
        let dir = options.runDirectory + "/" + folder
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.write(String(contentsOfFile: scenario.sourcePath, encoding: .utf8), to: dir + "/scenario.yaml")
        let outcome: JSONValue = ["seed": Seed.json(seed), "not_applicable": .string(reason)]
        try Self.write(PrettyJSON.string(outcome), to: dir + "/outcome.json")
        return .notApplicable(scenario: scenario, seed: seed, reason: reason, folder: folder)
    }

    /// A power loss with `sync_point: {enumerate: N}` becomes N scenarios, `NAME.sync-K`, each
    /// cutting the power just before sync point K (one run each, as SQLite's crash tests do).
    static func expandEnumerations(_ scenario: Scenario) -> [Scenario] {
        guard let index = scenario.faults.firstIndex(where: {
            if case .syncPoint(.enumerate) = $0.trigger { true } else { false }
        }), case .syncPoint(.enumerate(let count)) = scenario.faults[index].trigger else { return [scenario] }
        let width = String(count).count
        return (1...count).map { k in
            var variant = scenario
            variant.faults[index].trigger = .syncPoint(.at(k))
            let number = String(repeating: "0", count: width - String(k).count) + String(k)
            variant.name = "\(scenario.name).sync-\(number)"
            return variant
        }
    }

    /// Writes one of a scenario's files atomically; a failure is the harness's (exit 3).
    static func write(_ text: String, to path: String) throws {
        do { try Posix.writeAtomically(path, text: text) } catch { throw RunnerError.io("cannot write \(error.subject): \(error.reason); check that the run folder is writable") }
    }

    private func write(_ report: RunReport) throws {
        try ReportWriter.write(report, to: options.runDirectory)
    }

    /// Points the symbolic link `link` at `target` (relative when they share a folder).
    static func pointLink(_ link: String, at target: String) throws {
        let linkURL = URL(fileURLWithPath: link)
        let targetURL = URL(fileURLWithPath: target)
        let destination =
            linkURL.deletingLastPathComponent().standardized == targetURL.deletingLastPathComponent().standardized
            ? targetURL.lastPathComponent : targetURL.path
        try Posix.pointLink(link, at: destination)
    }
}

/// Runs a suite on another backend than the one its scenarios name (`ordeal run --backend SPEC`).
public struct BackendOverride {
    /// The spec as shown (a server's URL without its password).
    public var name: String
    /// The name scenarios carry in reports (`postgres`), or nil to keep theirs.
    public var scenarioBackend: String?
    /// For `sqlite:DURABILITY`: the durability every scenario runs with.
    public var durability: Durability?
    /// The spec of a fresh, empty store for one scenario (a new database on a server), given
    /// the scenario and its data folder.
    public var prepare: ((Scenario, String) throws -> String)?
    /// Why a scenario cannot run on this backend (its faults cannot reach the backend's files),
    /// or nil.
    public var reasonNotToRun: (Scenario) -> String?

    public init(
        name: String, scenarioBackend: String? = nil, durability: Durability? = nil,
        prepare: ((Scenario, String) throws -> String)? = nil, reasonNotToRun: @escaping (Scenario) -> String? = { _ in nil }
    ) {
        self.name = name
        self.scenarioBackend = scenarioBackend
        self.durability = durability
        self.prepare = prepare
        self.reasonNotToRun = reasonNotToRun
    }

    func applied(_ scenario: Scenario) -> Scenario {
        var out = scenario
        if let durability { out.durability = durability }
        if let scenarioBackend { out.backend = scenarioBackend }
        return out
    }

    /// A server's: disk, I/O and power faults act on a worker's own files, and the server's are
    /// not among them.
    public static func serverReason(_ scenario: Scenario) -> String? {
        guard scenario.faults.contains(where: { $0.kind.traits.reachesLocalFilesOnly }) else { return nil }
        return "their disk, I/O, power and corruption faults reach a worker's own files, not a server's; they run on SQLite"
    }
}
