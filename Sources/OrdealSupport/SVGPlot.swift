import Foundation

/// A small SVG chart, drawn by Ordeal itself so that reports need nothing from outside:
/// axes with tick labels, lines (broken at gaps), points, grouped bars over categories,
/// shaded bands (fault windows) and a legend. The output is XML (it parses as such, and can be
/// inlined into XHTML or saved as a `.svg` file); every number is written with a `.` decimal.
public struct SVGPlot: Sendable {
    public enum Scale: Sendable, Hashable {
        case linear
        /// Base 10; values at or below zero are drawn at the bottom of the axis.
        case log
    }

    public enum Style: Sendable, Hashable {
        case line, points, bars
    }

    public struct Point: Sendable, Hashable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [Point]
        public var style: Style
        /// For lines: consecutive points further apart than this on x are not joined.
        public var maxGap: Double?

        public init(name: String, color: String, points: [Point], style: Style = .line, maxGap: Double? = nil) {
            self.name = name
            self.color = color
            self.points = points
            self.style = style
            self.maxGap = maxGap
        }
    }

    /// A shaded stretch of the x axis, such as the time a fault was active.
    public struct Band: Sendable {
        public var from: Double
        public var to: Double
        public var label: String
        public var color: String
        public init(from: Double, to: Double, label: String, color: String = "#d62728") {
            self.from = from
            self.to = to
            self.label = label
            self.color = color
        }
    }

    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bands: [Band] = []
    /// When set, x values are indices into these labels (`\n` splits a label over lines).
    public var categories: [String] = []
    public var yScale: Scale = .linear
    /// The x axis covers at least this range (the data and bands may widen it).
    public var xRange: ClosedRange<Double>?
    public var width: Double = 760
    public var height: Double = 300
    public var xTickLabel: @Sendable (Double) -> String = { Format.short($0, 3) }
    public var yTickLabel: @Sendable (Double) -> String = { Format.short($0, 3) }
    public var bandLegend: String?
    public var emptyMessage = "no data"

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    private var hasData: Bool { series.contains { !$0.points.isEmpty } }

    /// The chart as one `<svg>` element (no XML declaration, so that it can be inlined).
    public func render() -> String {
        let left = 72.0, right = 16.0
        let categoryLines = Double(categories.map { $0.split(separator: "\n").count }.max() ?? 1)
        let bottom = 30.0 + 13 * categoryLines
        // Legend: swatch and name per series (and the bands), wrapped over rows.
        var legend: [(x: Double, row: Int, name: String, color: String, band: Bool)] = []
        var lx = left, row = 0
        var entries = series.map { ($0.name, $0.color, false) }
        if let bandLegend, !bands.isEmpty { entries.append((bandLegend, bands[0].color, true)) }
        for (name, color, band) in entries {
            let w = 22 + 6.6 * Double(name.count)
            if lx + w > width - right, lx > left {
                lx = left
                row += 1
            }
            legend.append((lx, row, name, color, band))
            lx += w + 10
        }
        let top = 30 + (entries.isEmpty ? 0 : Double(row + 1) * 16) + 8
        let x0 = left, x1 = width - right, y0 = top, y1 = height - bottom

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\(n(width)) height=\(n(height))"
        svg += " viewBox=\"0 0 \(Format.short(width)) \(Format.short(height))\" font-family=\"sans-serif\" font-size=\"11\""
        svg += " role=\"img\">\n<title>\(XMLText.escape(title))</title>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\(n(width)) height=\(n(height)) fill=\"#ffffff\"/>\n"
        svg += "<text x=\(n(left)) y=\"18\" font-size=\"13\" font-weight=\"bold\">\(XMLText.escape(title))</text>\n"
        for entry in legend {
            let ly = 30 + Double(entry.row) * 16
            let opacity = entry.band ? " fill-opacity=\"0.18\"" : ""
            svg += "<rect x=\(n(entry.x)) y=\(n(ly)) width=\"12\" height=\"10\" fill=\(a(entry.color))\(opacity)/>"
            svg += "<text x=\(n(entry.x + 16)) y=\(n(ly + 9))>\(XMLText.escape(entry.name))</text>\n"
        }

        // Domains.
        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap { [$0.from, $0.to] }
        var xMin: Double, xMax: Double
        if !categories.isEmpty {
            (xMin, xMax) = (-0.5, Double(categories.count) - 0.5)
        } else {
            xMin = min(xs.min() ?? 0, xRange?.lowerBound ?? .infinity)
            xMax = max(xs.max() ?? 1, xRange?.upperBound ?? -.infinity)
            if !xMin.isFinite { xMin = 0 }
            if !xMax.isFinite || xMax <= xMin { xMax = xMin + 1 }
        }
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let yTicks: [Double]
        let yMap: (Double) -> Double
        switch yScale {
        case .log:
            let positive = ys.filter { $0 > 0 }
            var lo = floor(log10(positive.min() ?? 1)), hi = ceil(log10(positive.max() ?? 10))
            if hi <= lo { hi = lo + 1 }
            if hi - lo > 12 { lo = hi - 12 }
            yTicks = stride(from: lo, through: hi, by: 1).map { pow(10, $0) }
            yMap = { [lo, hi] v in
                let l = v > 0 ? min(max(log10(v), lo), hi) : lo
                return y1 - (l - lo) / (hi - lo) * (y1 - y0)
            }
        case .linear:
            let step = Self.niceStep(max(ys.max() ?? 1, 0) / 5)
            let yTop = max(ceil(max(ys.max() ?? 1, 0) / step) * step, step)
            yTicks = stride(from: 0, through: yTop + step / 2, by: step).map { $0 }
            yMap = { v in y1 - min(max(v, 0), yTop) / yTop * (y1 - y0) }
        }
        let xMap = { (v: Double) in x0 + (v - xMin) / (xMax - xMin) * (x1 - x0) }

        // Bands, behind everything else.
        for (i, band) in bands.enumerated() {
            let bx0 = xMap(max(band.from, xMin)), bx1 = xMap(min(band.to, xMax))
            guard bx1 >= bx0 else { continue }
            svg += "<rect x=\(n(bx0)) y=\(n(y0)) width=\(n(max(bx1 - bx0, 1.5))) height=\(n(y1 - y0))"
            svg += " fill=\(a(band.color)) fill-opacity=\"0.15\"><title>\(XMLText.escape(band.label))</title></rect>\n"
            // Labels of bands in the right part of the plot end at the band's right edge.
            let rightward = bx0 < x0 + (x1 - x0) * 0.6
            svg += "<text x=\(n(rightward ? bx0 + 3 : bx1 - 3)) y=\(n(y0 + 11 + 11 * Double(i % 3))) font-size=\"10\""
            svg += " text-anchor=\"\(rightward ? "start" : "end")\" fill=\(a(band.color))>\(XMLText.escape(band.label))</text>\n"
        }
        // Grid and y ticks.
        for t in yTicks {
            let y = yMap(t)
            svg += "<line x1=\(n(x0)) y1=\(n(y)) x2=\(n(x1)) y2=\(n(y)) stroke=\"#e3e3e3\"/>"
            svg += "<text x=\(n(x0 - 5)) y=\(n(y + 4)) text-anchor=\"end\">\(XMLText.escape(yTickLabel(t)))</text>\n"
        }
        // X ticks.
        if categories.isEmpty {
            let step = Self.niceStep((xMax - xMin) / 8)
            for t in stride(from: ceil(xMin / step) * step, through: xMax + step * 1e-9, by: step) {
                let x = xMap(t)
                svg += "<line x1=\(n(x)) y1=\(n(y1)) x2=\(n(x)) y2=\(n(y1 + 4)) stroke=\"#333333\"/>"
                svg += "<text x=\(n(x)) y=\(n(y1 + 16)) text-anchor=\"middle\">\(XMLText.escape(xTickLabel(t)))</text>\n"
            }
        } else {
            for (i, label) in categories.enumerated() {
                let x = xMap(Double(i))
                for (k, line) in label.split(separator: "\n").enumerated() {
                    svg += "<text x=\(n(x)) y=\(n(y1 + 15 + 13 * Double(k))) text-anchor=\"middle\">"
                    svg += XMLText.escape(String(line)) + "</text>\n"
                }
            }
        }
        // Axes and their labels.
        svg += "<line x1=\(n(x0)) y1=\(n(y1)) x2=\(n(x1)) y2=\(n(y1)) stroke=\"#333333\"/>"
        svg += "<line x1=\(n(x0)) y1=\(n(y0)) x2=\(n(x0)) y2=\(n(y1)) stroke=\"#333333\"/>\n"
        svg += "<text x=\(n((x0 + x1) / 2)) y=\(n(height - 6)) text-anchor=\"middle\">\(XMLText.escape(xLabel))</text>\n"
        let my = (y0 + y1) / 2
        svg += "<text x=\"14\" y=\(n(my)) text-anchor=\"middle\" transform=\"rotate(-90 14 \(Format.short(my)))\">"
        svg += XMLText.escape(yLabel) + "</text>\n"

        // Data.
        let barSeries = series.filter { $0.style == .bars }
        for s in series {
            switch s.style {
            case .line:
                for segment in Self.segments(s.points.filter { $0.y.isFinite }, maxGap: s.maxGap) {
                    if segment.count == 1 {
                        svg += "<circle cx=\(n(xMap(segment[0].x))) cy=\(n(yMap(segment[0].y))) r=\"2\" fill=\(a(s.color))/>\n"
                    } else {
                        let coordinates = segment.map { "\(Format.short(xMap($0.x))),\(Format.short(yMap($0.y)))" }
                        svg += "<polyline fill=\"none\" stroke=\(a(s.color)) stroke-width=\"1.5\" stroke-linejoin=\"round\""
                        svg += " points=\"\(coordinates.joined(separator: " "))\"/>\n"
                    }
                }
            case .points:
                for p in s.points where p.y.isFinite {
                    svg += "<circle cx=\(n(xMap(p.x))) cy=\(n(yMap(p.y))) r=\"3\" fill=\(a(s.color))>"
                    svg += "<title>\(XMLText.escape("\(s.name): \(yTickLabel(p.y))"))</title></circle>\n"
                }
            case .bars:
                let j = Double(barSeries.firstIndex { $0.name == s.name && $0.color == s.color } ?? 0)
                let slot = 0.8 / Double(max(barSeries.count, 1))
                let base = yMap(yTicks.first ?? 0)
                for p in s.points where p.y.isFinite {
                    let bx = xMap(p.x - 0.4 + j * slot), bw = xMap(p.x - 0.4 + (j + 1) * slot) - bx
                    let barTop = yMap(p.y)
                    svg += "<rect x=\(n(bx)) y=\(n(barTop)) width=\(n(max(bw - 1, 1))) height=\(n(max(base - barTop, 0.5)))"
                    svg += " fill=\(a(s.color))><title>\(XMLText.escape("\(s.name): \(yTickLabel(p.y))"))</title></rect>\n"
                }
            }
        }
        if !hasData {
            svg += "<text x=\(n((x0 + x1) / 2)) y=\(n((y0 + y1) / 2)) text-anchor=\"middle\" fill=\"#777777\">"
            svg += XMLText.escape(emptyMessage) + "</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    /// Runs of points whose x values are at most `maxGap` apart.
    static func segments(_ points: [Point], maxGap: Double?) -> [[Point]] {
        var result: [[Point]] = []
        for p in points {
            if let last = result.last?.last, maxGap.map({ p.x - last.x <= $0 + 1e-9 }) ?? true {
                result[result.count - 1].append(p)
            } else {
                result.append([p])
            }
        }
        return result
    }

    /// 1, 2 or 5 times a power of ten, near `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let normalized = raw / magnitude
        return (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
    }

    private func n(_ x: Double) -> String { "\"" + Format.short(x) + "\"" }
    private func a(_ text: String) -> String { "\"" + XMLText.escape(text, attribute: true) + "\"" }
}
