import BenchKit
import OrdealSupport

/// `report.html` of a bench run folder: the figures of report.md in one self-contained page,
/// the plots inline, and how to verify the folder.
public enum BenchHTML {
    public static func render(
        _ outcome: BenchOutcome, loop: LoopMode, plots: [(path: String, svg: String)], comparison: [String], folder: String,
        signingKeyID: String?
    ) -> String {
        let report = outcome.report
        let first = report.results.first?.backend
        func x(_ text: String) -> String { XMLText.escape(text) }
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>ordeal bench</title>\n"
        h += "<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}"
        h += "td,th{border:1px solid #ccc;padding:.2em .5em}td.num{text-align:right}pre{background:#f4f4f4;padding:.5em}</style>\n"
        h += "</head>\n<body>\n<h1>ordeal bench</h1>\n"
        h += "<p>Backends: \(x(report.meta["backends"]?.description ?? "?")); \(x(loop.sentence)). Warm-up excluded; ratios are to the first backend, \(x(first ?? "-")). Ordeal \(x(OrdealVersion.current)).</p>\n"
        // The terminal table's sections, lines and cells (BenchTable.sections).
        for section in BenchTable.sections(report) {
            h += "<h2>\(section.workers) worker\(section.workers == 1 ? "" : " processes")</h2>\n<table>\n<tr>"
            for head in BenchTable.header { h += "<th>\(x(head))</th>" }
            h += "</tr>\n"
            for line in section.lines {
                h += "<tr><td>\(x(line.row.op))</td><td>\(x(line.cells[0]))</td>"
                for cell in line.cells.dropFirst() { h += "<td class=\"num\">\(x(cell))</td>" }
                h += "</tr>\n"
            }
            h += "</table>\n"
        }
        let targets = BenchTargets.lines(report)
        if !targets.isEmpty { h += "<h2>Targets</h2>\n<ul>\n" + targets.dropFirst().map { "<li>\(x($0.trimmingLeadingSpaces))</li>\n" }.joined() + "</ul>\n" }
        if !comparison.isEmpty { h += "<h2>Baseline</h2>\n<ul>\n" + comparison.map { "<li>\(x($0))</li>\n" }.joined() + "</ul>\n" }
        h += "<h2>Plots</h2>\n" + plots.map { "<figure>\($0.svg)</figure>\n" }.joined()
        h += "<h2>Verify this run</h2>\n<pre>\(x(VerifyInstructions.command(folder: folder, keyID: signingKeyID)))</pre>\n"
        h += "<p>\(x(VerifyInstructions.explanation(keyID: signingKeyID)))</p>\n"
        h += "<h2>Run</h2>\n<p>\(x(BenchSession.memoryLine(outcome)))</p>\n<ul>\n"
        for key in report.meta.keys.sorted() { h += "<li><code>\(x(key))</code>: \(x(report.meta[key]!.description))</li>\n" }
        return h + "</ul>\n</body>\n</html>\n"
    }
}

extension String {
    fileprivate var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}
