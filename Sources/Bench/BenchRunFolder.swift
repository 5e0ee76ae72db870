import OrdealSystem
import BenchKit
import Foundation
import OrdealSupport

/// A bench run's folder, `Reports/bench-<UTC time>-<suffix>/` or `--out`: `history.jsonl`
/// (streamed while the run goes), then `results.json` (the rows, as `--json`; schema
/// docs/bench-results.schema.json), `histograms.json` (every row's whole histogram, for
/// merging runs), `report.md`, `report.html` and `plots/*.svg`; `ordeal bench` then writes
/// `manifest.json` and, with a key, `attestation.dsse.json`, as `ordeal run` does.
public struct BenchRunFolder: Sendable {
    public let path: String

    /// Creates a new run folder under `reports` (created if needed).
    public static func create(under reports: String, now: Date = Date()) throws -> BenchRunFolder {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let id = "bench-\(formatter.string(from: now))-\(UUID().uuidString.prefix(6).lowercased())"
        let path = reports + "/" + id
        do { try FileManager.default.createDirectory(atPath: path + "/plots", withIntermediateDirectories: true) } catch {
            throw BenchError(.badOption, "--reports \(reports): cannot create the run folder \(path) (\(error.localizedDescription)); choose a writable folder")
        }
        return BenchRunFolder(path: path)
    }

    /// The run folder at `path` (new or empty: the caller checked), with its plots folder.
    public static func at(_ path: String) throws -> BenchRunFolder {
        do { try FileManager.default.createDirectory(atPath: path + "/plots", withIntermediateDirectories: true) } catch {
            throw BenchError(.badOption, "--out \(path): cannot create \(path)/plots (\(error.localizedDescription)); choose a writable folder")
        }
        return BenchRunFolder(path: path)
    }

    public var historyPath: String { path + "/history.jsonl" }

    /// Writes every file of the folder; returns the paths written, relative to it.
    @discardableResult
    public func write(_ outcome: BenchOutcome, loop: LoopMode, comparison: [String], signingKeyID: String? = nil) throws -> [String] {
        let plots = BenchPlots.files(outcome.report)
        var written: [String] = []
        func put(_ name: String, _ data: Data) throws {
            try BenchFiles.writeAtomically(data, to: path + "/" + name)
            written.append(name)
        }
        try put("results.json", try BenchFiles.json(outcome.report))
        try put("histograms.json", try BenchFiles.json(HistogramFile(histograms: outcome.histograms)))
        for plot in plots { try put(plot.path, Data(plot.svg.utf8)) }
        let markdown = BenchMarkdown.render(outcome, loop: loop, plots: plots.map(\.path), comparison: comparison)
            + "\n## Verify this run\n\n```sh\n\(VerifyInstructions.command(folder: path, keyID: signingKeyID))\n```\n\n\(VerifyInstructions.explanation(keyID: signingKeyID))\n"
        try put("report.md", Data(markdown.utf8))
        try put("report.html", Data(BenchHTML.render(outcome, loop: loop, plots: plots, comparison: comparison, folder: path, signingKeyID: signingKeyID).utf8))
        return written
    }

    /// `histograms.json`.
    public struct HistogramFile: Codable, Sendable {
        public var schemaVersion = 1
        public var histograms: [BenchHistogram]
    }
}

/// Saved baselines: `Reports/baselines/NAME.json` by default, holding the rows and the
/// whole histograms of the run that saved it.
public struct BaselineStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public struct File: Codable, Sendable {
        public var schemaVersion = 1
        public var name: String
        public var created: String
        public var meta: [String: MetaValue]
        public var results: [BenchRow]
        public var histograms: [BenchHistogram]
    }

    public func path(_ name: String) throws(BenchError) -> String {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard !name.isEmpty, allowed, !name.hasPrefix(".") else {
            throw BenchError(.badBaseline, "baseline name \"\(name)\" must be letters, digits, '.', '_' or '-' (it names \(directory)/NAME.json)")
        }
        return directory + "/" + name + ".json"
    }

    public func load(_ name: String) throws -> File {
        let file = try path(name)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BenchError(.badBaseline, "--baseline \(name): \(file) does not exist; save one first with --save-baseline \(name)")
        }
        do { return try JSONDecoder().decode(File.self, from: data) } catch {
            throw BenchError(.badBaseline, "--baseline \(name): \(file) is not a bench baseline (\(error)); save it again with --save-baseline \(name)")
        }
    }

    /// Checks, before a run, that `name` can be saved.
    public func requireWritable(_ name: String) throws {
        _ = try path(name)
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw BenchError(.badBaseline, "--save-baseline \(name): cannot create \(directory) (\(error.localizedDescription)); choose another --baselines-dir")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw BenchError(.badBaseline, "--save-baseline \(name): \(directory) is not writable; choose another --baselines-dir")
        }
    }

    @discardableResult
    public func save(_ name: String, outcome: BenchOutcome, now: Date = Date()) throws -> String {
        let file = try path(name)
        let baseline = File(
            name: name, created: ISO8601DateFormatter().string(from: now), meta: outcome.report.meta, results: outcome.report.results,
            histograms: outcome.histograms)
        try BenchFiles.writeAtomically(try BenchFiles.json(baseline), to: file)
        return file
    }
}

/// JSON encoding and atomic writes for the Bench files.
public enum BenchFiles {
    public static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func writeAtomically(_ data: Data, to path: String) throws {
        do { try Posix.writeAtomically(path, Array(data)) } catch {
            throw BenchError(.io, "cannot write \(path): \(error.reason); choose a writable path")
        }
    }
}
