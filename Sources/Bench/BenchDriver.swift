import BenchKit
import Foundation
import OrdealSupport

/// One `ordeal bench` invocation, parsed: what to measure and where the results go.
public struct BenchRequest: Sendable {
    public var plan: BenchPlan
    public var json: String?
    /// The folder the run folder is made in.
    public var reports: String
    /// The run folder itself (`--out`, new or emptied by the caller) instead of one made in
    /// `reports`.
    public var out: String?
    /// The command line, as results.json's `meta.command` records it.
    public var commandLine = ""
    /// The id of the key the folder will be signed with, for its "Verify this run" section.
    public var signingKeyID: String?
    public var baseline: String?
    public var saveBaseline: String?
    public var tolerances: [Tolerance]
    public var baselines: BaselineStore

    public init(plan: BenchPlan, reports: String, baselinesDirectory: String) {
        self.plan = plan
        self.reports = reports
        self.tolerances = []
        self.baselines = BaselineStore(directory: baselinesDirectory)
    }
}

/// Runs a request end to end: checks every output before measuring (a bad path or a missing
/// baseline fails at once), measures, prints the table, writes the run folder, compares with
/// the baseline and saves one. Returns the exit status (`.regression` (5) when a percentile
/// regressed beyond its tolerance, else `.passed`) and the run folder, for the caller to seal.
public enum BenchDriver {
    public static func run(
        _ request: BenchRequest, print: (String) -> Void, progress: (String) -> Void
    ) throws -> (status: ExitStatus, folder: String) {
        try request.plan.validate()
        if let json = request.json { try requireWritableFile(json) }
        let baseline = try request.baseline.map { try request.baselines.load($0) }
        if let name = request.saveBaseline { try request.baselines.requireWritable(name) }
        let folder = try request.out.map(BenchRunFolder.at) ?? BenchRunFolder.create(under: request.reports)
        let history = try BenchHistory(path: folder.historyPath)

        var outcome = try BenchSession.run(request.plan, history: history, progress: progress)
        outcome.report.meta["tool"] = "ordeal"
        outcome.report.meta["version"] = .text(OrdealVersion.current)
        outcome.report.meta["command"] = .text(request.commandLine)
        let report = outcome.report
        print("ordeal bench: \(request.plan.backends.joined(separator: ", ")); \(request.plan.loop.sentence); warm-up excluded")
        print(String(BenchTable.render(report).dropLast()))
        if let note = report.meta["note"] { print("note: \(note)") }
        for line in BenchTargets.lines(report) { print(line) }
        for line in BenchNetwork.lines(report) { print(line) }

        var comparisonLines: [String] = []
        var status = ExitStatus.passed
        if let baseline, let name = request.baseline {
            let comparison = BaselineComparison.compare(current: report.results, baseline: baseline.results, tolerances: request.tolerances)
            comparisonLines = comparison.lines(baselineName: name)
            if !comparison.regressions.isEmpty { status = .regression }
        }
        try folder.write(outcome, loop: request.plan.loop, comparison: comparisonLines, signingKeyID: request.signingKeyID)
        if let json = request.json {
            try BenchFiles.writeAtomically(try BenchFiles.json(report), to: json)
            print("wrote \(json)")
        }
        for line in comparisonLines { print(line) }
        if let name = request.saveBaseline { print("saved baseline \(name): \(try request.baselines.save(name, outcome: outcome))") }
        print("run folder: \(folder.path)")
        print(BenchSession.memoryLine(outcome))
        return (status, folder.path)
    }

    static func requireWritableFile(_ path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw BenchError(.badOption, "--json \(path): the directory \(dir) does not exist or is not writable; create it or choose another path")
        }
    }
}

/// Parsing of the bench flags' values; every error names the flag and shows a valid value.
public enum BenchParse {
    /// `10s`, `500ms`, `2m`, or a plain number of seconds.
    public static func duration(_ text: String) throws(BenchError) -> UInt64 {
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0, value.isFinite { return UInt64(value * scale) }
        }
        if let value = Double(text), value > 0, value.isFinite { return UInt64(value * 1e9) }
        throw BenchError(.badOption, "--duration \"\(text)\" is not a length of time; write it like 10s, 500ms or 2m")
    }

    /// `1ms`, `500us`, `0.5ms`, `2s`: milliseconds.
    public static func millis(_ text: String) throws(BenchError) -> Double {
        let units: [(String, Double)] = [("us", 0.001), ("µs", 0.001), ("ms", 1), ("s", 1000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0, value.isFinite { return value * scale }
        }
        throw BenchError(.badOption, "\"\(text)\" is not a duration; write it like 1ms, 500us or 2s")
    }

    /// `1,2,4,8`.
    public static func counts(_ text: String, option: String) throws(BenchError) -> [Int] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw BenchError(.badOption, "\(option) \"\(text)\" takes whole numbers of 1 or more separated by commas, e.g. 1,2,4,8")
        }
        return values.compactMap { $0 }
    }

    /// `--worker PATH`: an executable file (a name without a slash is looked up in PATH).
    public static func executable(_ path: String) throws(BenchError) -> String {
        let candidates = path.contains("/") ? [path]
            : (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(path)" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError(
                .badOption,
                "--worker \(path): no executable file there\(path.contains("/") ? "" : " nor in PATH"); build your worker (swift build) and give its path, e.g. .build/release/my-worker")
        }
        return found
    }

    public static func names(_ text: String) -> Set<String> {
        Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}
