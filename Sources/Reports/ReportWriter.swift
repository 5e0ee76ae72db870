import OrdealModel
import OrdealSupport
import OrdealSystem

/// Writes every report file of a run folder through the exporters, each atomically (a temporary
/// file renamed over the old one), report.json last: a reader never finds a report of a state
/// the run was not in.
public enum ReportWriter {
    /// `partial`: while the run goes on, only report.json and report.md, so that a long suite
    /// does not redraw every plot after every scenario.
    public static func write(_ report: RunReport, to runDirectory: String, partial: Bool = false) throws {
        for (path, svg) in partial ? [] : ReportPlots.files(for: report) {
            let full = runDirectory + "/" + path
            try Posix.makeDirectories(String(full[..<(full.lastIndex(of: "/") ?? full.endIndex)]))
            try Posix.writeAtomically(full, text: svg)
        }
        let exporters = ReportExporters.all.filter { !partial || ["report.json", "report.md"].contains($0.fileName) }
            .sorted { ($0.fileName == "report.json" ? 1 : 0) < ($1.fileName == "report.json" ? 1 : 0) }
        for exporter in exporters {
            try Posix.writeAtomically(runDirectory + "/" + exporter.fileName, try exporter.serialize(report))
        }
    }
}
