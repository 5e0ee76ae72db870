import OrdealModel
import OrdealSupport

/// One file format of a run's report. An exporter only serializes: it turns the report into
/// bytes, and the runner decides where and when they are written (atomically, after every
/// scenario), so formats and destinations stay apart (STYLE.md section 9).
public protocol ReportExporter: Sendable {
    /// The file's name in the run folder (`report.json`, `junit.xml`, ...).
    var fileName: String { get }
    /// The exact bytes of the file.
    func serialize(_ report: RunReport) throws -> [UInt8]
}

/// `report.json`: for programs; its layout is versioned by `RunReport.schemaVersion`.
public struct JSONExporter: ReportExporter {
    public var fileName: String { "report.json" }
    public init() {}
    public func serialize(_ report: RunReport) throws -> [UInt8] { Array(try PrettyJSON.string(report.json).utf8) }
}

/// `report.md`: for a person (`MarkdownReport`), followed by links to the scenarios' plots
/// under `plots/` when `linkPlots` is set (the runner then writes `ReportPlots.files`).
public struct MarkdownExporter: ReportExporter {
    public var fileName: String { "report.md" }
    public var linkPlots: Bool
    public init(linkPlots: Bool = true) { self.linkPlots = linkPlots }

    public func serialize(_ report: RunReport) throws -> [UInt8] {
        var md = MarkdownReport.render(report)
        if linkPlots { md += ReportPlots.markdownLinks(for: report) }
        return Array(md.utf8)
    }
}

/// Every format `ordeal run` writes into the run folder, in the order they are written.
/// The SVG plots are separate files (`ReportPlots.files(for:)`), one per scenario and plot.
public enum ReportExporters {
    public static let all: [any ReportExporter] = [JSONExporter(), MarkdownExporter(), JUnitExporter(), HTMLExporter()]
}
