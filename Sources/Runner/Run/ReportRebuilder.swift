import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import Foundation
import OrdealSupport

/// `ordeal report DIR`: rebuilds every report file of a run folder from what the run recorded
/// (each scenario's scenario.yaml, history.jsonl, final-state.json and outcome.json) without
/// running anything, as Jepsen's analyze does: a fixed checker is applied to an old run.
public enum ReportRebuilder {
    /// `signingKeyID`: the key the rebuilt folder will be signed with (nil: unsigned).
    public static func rebuild(runDirectory: String, workerPath: String, signingKeyID: String? = nil) throws -> RunReport {
        let scenariosDirectory = runDirectory + "/scenarios"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: scenariosDirectory), !names.isEmpty else {
            throw BadInput("\(runDirectory) is not an Ordeal run folder (no scenarios/ in it): name the folder `ordeal run --out` wrote, e.g. Reports/latest")
        }
        let old = (try? String(contentsOfFile: runDirectory + "/report.json", encoding: .utf8)).flatMap { try? JSONParser.parse($0) }
        var results: [ScenarioResult] = []
        let order = old?["scenarios"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? names.sorted()
        for name in order where names.contains(name) {
            results.append(try rebuildScenario(folder: "scenarios/\(name)", runDirectory: runDirectory))
        }
        var report = RunReport(
            runID: old?["run_id"]?.stringValue ?? URL(fileURLWithPath: runDirectory).lastPathComponent,
            startedAt: old?["started_at"]?.stringValue ?? "",
            seedOverride: Seed.read(old?["seed"]), scenarios: results,
            durationMillis: old?["duration_ms"]?.doubleValue ?? results.reduce(0) { $0 + $1.durationMillis },
            replayCommand: old?["replay"]?.stringValue ?? "ordeal run")
        report.endedAt = old?["ended_at"]?.stringValue ?? ""
        report.folder = runDirectory
        report.signingKeyID = signingKeyID
        // A run that was cut short stays incomplete when its reports are rebuilt.
        report.complete = old?["complete"]?.boolValue ?? false
        report.environment = old?["environment"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        report.sourceCommit = old?["source_commit"]?.stringValue ?? "unknown"
        report.artifacts = try Artifacts.list(runDirectory: runDirectory, extra: [workerPath])
        try ReportWriter.write(report, to: runDirectory)
        return report
    }

    static func rebuildScenario(folder: String, runDirectory: String) throws -> ScenarioResult {
        let dir = runDirectory + "/" + folder
        func read(_ file: String) throws -> String {
            do { return try String(contentsOfFile: dir + "/" + file, encoding: .utf8) } catch {
                throw RunnerError.io("cannot read \(dir)/\(file): the run folder is incomplete")
            }
        }
        var scenario = try ScenarioLoader.load(yaml: try read("scenario.yaml"), path: dir + "/scenario.yaml")
        let outcome = try JSONParser.parse(try read("outcome.json"))
        let seedOfOutcome = Seed.read(outcome["seed"]) ?? scenario.seed
        if let reason = outcome["not_applicable"]?.stringValue {
            scenario.sourcePath = folder + "/scenario.yaml"
            return .notApplicable(scenario: scenario, seed: seedOfOutcome, reason: reason, folder: folder)
        }
        let history = try History.parse(jsonl: try read("history.jsonl"))
        let final = try? FinalState(json: JSONParser.parse(try read("final-state.json")))
        let seed = Seed.read(outcome["seed"]) ?? scenario.seed
        // An enumerated power loss ran as one scenario per sync point, each in its own folder.
        let name = URL(fileURLWithPath: folder).lastPathComponent
        scenario = SuiteRunner.expandEnumerations(scenario).first { $0.name == name } ?? scenario
        scenario.sourcePath = folder + "/scenario.yaml"
        let faults = (outcome["faults"]?.arrayValue ?? []).compactMap { f -> FaultRecord? in
            guard let kind = f["kind"]?.stringValue.flatMap(FaultKind.init(rawValue:)) else { return nil }
            return FaultRecord(
                index: Int(f["index"]?.intValue ?? 0), kind: kind, target: f["target"]?.stringValue ?? "",
                atMillis: f["at_ms"]?.doubleValue, healedAtMillis: f["healed_at_ms"]?.doubleValue,
                effects: f["effects"]?.objectValue ?? [:])
        }
        return Analysis.analyze(
            scenario: scenario, seed: seed, history: history, final: final, faults: faults,
            problems: (outcome["problems"]?.arrayValue ?? []).compactMap(\.stringValue),
            durationMillis: outcome["duration_ms"]?.doubleValue ?? 0, folder: folder,
            performanceAdvisory: outcome["performance_advisory"]?.boolValue ?? false)
    }
}
