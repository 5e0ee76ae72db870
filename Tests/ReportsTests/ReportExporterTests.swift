import Foundation
import OrdealSupport
import Testing

@testable import OrdealReports
import OrdealModel
import OrdealCheckers

#if canImport(FoundationXML)
    import FoundationXML
#endif

// The exporters of `ordeal run`'s report: JUnit XML, HTML with SVG plots, GitHub summary and
// annotations. Reports are built by hand; every XML output is parsed back with XMLParser.

/// The elements of a parsed XML document, in document order, with their attributes and text.
final class XMLTree: NSObject, XMLParserDelegate {
    struct Element {
        var index: Int
        var name: String
        var attributes: [String: String]
        var text = ""
        var parent: Int?
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private(set) var error: String?

    /// The tree of `text`, or nil (and the parser's error recorded by the test) if it is not XML.
    static func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> XMLTree? {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        let ok = parser.parse()
        if !ok || tree.error != nil {
            Issue.record("not well-formed XML: \(tree.error ?? parser.parserError.map { "\($0)" } ?? "?")", sourceLocation: sourceLocation)
            return nil
        }
        return tree
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(Element(index: elements.count, name: elementName, attributes: attributeDict, parent: stack.last))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        // An element's text is all the text inside it, its descendants' included.
        for open in stack { elements[open].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        error = "\(parseError) at line \(parser.lineNumber), column \(parser.columnNumber)"
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    func children(of element: Element, _ name: String) -> [Element] {
        elements.filter { $0.parent == element.index && $0.name == name }
    }
}

// MARK: - Builders

private let nastyDetail = "a < b && c > \"d\" 'e'\u{01}\u{1B}\u{7F}\nsecond\tline"

private func summary(_ p50: Double, count: UInt64 = 100) -> LatencySummary {
    LatencySummary(count: count, p50_us: p50, p95_us: p50 * 3, p99_us: p50 * 8, p999_us: p50 * 20, max_us: p50 * 50)
}

private func scenarioResult(
    _ name: String, checks: [CheckResult], problems: [String] = [], faults: [FaultRecord]? = nil, empty: Bool = false,
    durationMillis: Double = 2_500
) -> ScenarioResult {
    let verdict = checks.reduce(problems.isEmpty ? Verdict.pass : .unknown) { $0.combined(with: $1.verdict) }
    let scenario = Scenario(
        name: name, description: "A <test> scenario & more", sourcePath: "Scenarios/\(name).yaml", seed: 42,
        workers: [WorkerGroup(name: "writer", role: "writer")])
    // Through the model's own initializer, so fields the model gains later keep their defaults.
    var result = ScenarioResult(
        scenario: scenario, seed: 42,
        faults: faults ?? [
            FaultRecord(index: 0, kind: .kill, target: "writer-0", atMillis: 810, healedAtMillis: 1_290),
            FaultRecord(index: 1, kind: .pause, target: "writer-0", atMillis: 2_000, healedAtMillis: nil),
        ], problems: problems, durationMillis: durationMillis, folder: "scenarios/\(name)")
    result.verdict = verdict
    result.checks = checks
    result.failed = 1
    result.indeterminate = 2
    guard !empty else { return result }
    let puts: [LatencyPoint] = (0..<25).filter { $0 < 8 || $0 > 12 }.map { (b: Int) -> LatencyPoint in
        LatencyPoint(startMillis: Double(b * 100), count: 10, p50_us: b < 8 ? 120 : 2_500, max_us: 9_000)
    }
    let gets: [LatencyPoint] = (0..<25).map { (b: Int) -> LatencyPoint in
        LatencyPoint(startMillis: Double(b * 100), count: 5, p50_us: 40 + Double(b), max_us: 400)
    }
    result.latencyTimeline = ["put": puts, "get": gets]
    result.latencyByPhase = [
        "before-fault": ["put": summary(120), "get": summary(40)],
        "during-fault": ["get": summary(900)],
        "after-recovery": ["put": summary(2_500), "get": summary(60)],
    ]
    result.latency = ["put": summary(150), "get": summary(45), "worker.ready": summary(30_000, count: 2)]
    result.recovery = summary(480_000, count: 1)
    result.acknowledged = 400
    result.throughput = (0..<25).map { (b: Int) -> Int in b >= 8 && b <= 12 ? 0 : 16 }
    return result
}

/// Scenario `alpha` fails (one failed check, with a counterexample, among three); `beta & co`
/// is unknown (one unknown check and a harness problem); `gamma` passes and has no data.
private func sampleReport() -> RunReport {
    let alpha = scenarioResult(
        "alpha",
        checks: [
            CheckResult(name: "acked-durable", verdict: .pass, detail: "all 400 acknowledged writes were found"),
            CheckResult(
                name: "lease-safety", verdict: .fail, detail: nastyDetail,
                counterexample: [["rule": "two holders", "key": "k<1>&"], ["rule": "fence", "token": 3]],
                measurements: ["holders": 2]),
            CheckResult(
                name: "threshold put p99 <= 50.0 ms", verdict: .pass, detail: "put p99 = 1.2 ms over 100 samples",
                measurements: ["measured_us": 1_200, "limit_us": 50_000, "count": 100]),
        ], durationMillis: 2_345.5)
    let beta = scenarioResult(
        "beta & co",
        checks: [
            CheckResult(name: "workers-exit-clean", verdict: .pass, detail: "ok"),
            CheckResult(name: "threshold recovery p50 <= 1.0 s", verdict: .unknown, detail: "nothing was measured for recovery"),
        ], problems: ["the reader crashed: <signal 9>", "history ended early"])
    let gamma = scenarioResult(
        "gamma", checks: [CheckResult(name: "acked-durable", verdict: .pass, detail: "fine")], faults: [], empty: true,
        durationMillis: 0.4)
    return RunReport(
        runID: "20250101T000000Z-abc", startedAt: "2025-01-01T00:00:00Z", seedOverride: nil, scenarios: [alpha, beta, gamma],
        durationMillis: 61_234.5678, replayCommand: "ordeal run Scenarios/alpha.yaml 'Scenarios/beta & co.yaml'")
}

private func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

private func isDotDecimal(_ text: String) -> Bool {
    text.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?/) != nil
}

// MARK: - JUnit

@Suite struct ReportExporterJUnitTests {
    @Test func parsesAsXMLWithTheRightCounts() throws {
        let xml = string(try JUnitExporter().serialize(sampleReport()))
        let tree = try #require(XMLTree.parse(xml))
        let root = try #require(tree.elements.first)
        #expect(root.name == "testsuites")
        #expect(root.attributes["name"] == "ordeal")
        // Each suite: the run, then its checks. alpha: run + 3, 1 failure; beta: run + 2 checks
        // + harness, 2 errors; gamma: run + 1.
        #expect(root.attributes["tests"] == "10")
        #expect(root.attributes["failures"] == "1")
        #expect(root.attributes["errors"] == "2")
        let suites = tree.all("testsuite")
        #expect(suites.map { $0.attributes["name"] } == ["alpha", "beta & co", "gamma"])
        let expected = [("4", "1", "0"), ("4", "0", "2"), ("2", "0", "0")]
        for (suite, (tests, failures, errors)) in zip(suites, expected) {
            #expect(suite.attributes["tests"] == tests)
            #expect(suite.attributes["failures"] == failures)
            #expect(suite.attributes["errors"] == errors)
            #expect(suite.attributes["skipped"] == "0")
            #expect(suite.attributes["timestamp"] == "2025-01-01T00:00:00Z")
            let cases = tree.children(of: suite, "testcase")
            #expect(String(cases.count) == tests)
            #expect(String(cases.reduce(0) { $0 + tree.children(of: $1, "failure").count }) == failures)
            #expect(String(cases.reduce(0) { $0 + tree.children(of: $1, "error").count }) == errors)
            for testcase in cases {
                #expect(tree.children(of: testcase, "system-out").count == 1)
                #expect(testcase.attributes["classname"] == "ordeal." + (suite.attributes["name"] ?? ""))
            }
        }
        let names = tree.all("testcase").map { $0.attributes["name"] ?? "" }
        #expect(names.contains("threshold put p99 <= 50.0 ms"))
        #expect(names.filter { $0 == "harness" }.count == 1)
        let harness = try #require(tree.all("error").first { $0.attributes["type"] == "harness" })
        #expect(harness.text.contains("the reader crashed: <signal 9>"))
        #expect(harness.text.contains("history ended early"))
    }

    @Test func timesUseDotDecimals() throws {
        let xml = string(try JUnitExporter().serialize(sampleReport()))
        let tree = try #require(XMLTree.parse(xml))
        let times = tree.elements.compactMap { $0.attributes["time"] }
        #expect(times.count == 1 + 3 + 10)
        for time in times { #expect(time.wholeMatch(of: /[0-9]+\.[0-9]{3}/) != nil, "time \(time)") }
        #expect(tree.elements.first?.attributes["time"] == "61.235")
        #expect(tree.all("testsuite").first?.attributes["time"] == "2.346")
        #expect(Format.seconds(millis: 0.4) == "0.000")
        #expect(Format.fixed(-2.5, 1) == "-2.5")
        #expect(Format.fixed(1e20, 1).allSatisfy { $0 != "," && $0 != "e" })
    }

    /// Each case takes its own time (the run's wall time, each check's judging), so a suite's
    /// cases add up to its time; an expected failure is a skip that says so; property names are
    /// unique in the file.
    @Test func casesCarryTheirTimesExpectedFailuresShowAsSkipsAndPropertiesAreUnique() throws {
        var judged = CheckResult(name: "acked-durable", verdict: .pass, detail: "all 9 acknowledged writes are in the final state")
        judged.elapsedMillis = 12
        var limitation = CheckResult(name: "acked-durable", verdict: .pass, detail: "failed as declared (known limitation: normal loses)")
        limitation.expectedFailure = "normal loses"
        limitation.elapsedMillis = 8
        let a = scenarioResult("a", checks: [judged], durationMillis: 1_500)
        let b = scenarioResult("b", checks: [limitation], durationMillis: 700)
        let report = RunReport(
            runID: "r", startedAt: "2025-01-01T00:00:00Z", seedOverride: nil, scenarios: [a, b], durationMillis: 2_300,
            replayCommand: "ordeal run")
        let tree = try #require(XMLTree.parse(string(try JUnitExporter().serialize(report))))
        let suites = tree.all("testsuite")
        for suite in suites {
            let cases = tree.children(of: suite, "testcase")
            #expect(cases.first?.attributes["name"] == "run")
            let sum = cases.compactMap { Double($0.attributes["time"] ?? "") }.reduce(0, +)
            #expect(abs(sum - (Double(suite.attributes["time"] ?? "") ?? -1)) < 0.0015, "cases add up to the suite")
        }
        #expect(tree.all("testcase").first { $0.attributes["name"] == "acked-durable" }?.attributes["time"] == "0.012")
        #expect(tree.all("testcase").first { $0.attributes["name"] == "run" }?.attributes["time"] == "1.488")
        let skipped = try #require(tree.all("skipped").first)
        #expect(skipped.attributes["type"] == "expected-failure" && skipped.attributes["message"] == "expected failure: normal loses")
        #expect(tree.all("testcase").contains { $0.attributes["name"] == "acked-durable [expected failure]" })
        #expect(suites.last?.attributes["skipped"] == "1" && tree.elements.first?.attributes["skipped"] == nil)
        let properties = tree.all("property").compactMap { $0.attributes["name"] }
        #expect(Set(properties).count == properties.count && properties.contains("a.seed") && properties.contains("b.seed"))
    }

    /// The run case says what each fault did, so a CI reader sees a network toxic's effects.
    @Test func theRunCaseListsEachFaultWithItsWindowAndEffects() throws {
        var a = scenarioResult("a", checks: [CheckResult(name: "acked-durable", verdict: .pass, detail: "ok")], durationMillis: 900)
        a.faults = [
            FaultRecord(
                index: 0, kind: .network, target: "writer-0", atMillis: 364.3, healedAtMillis: 764.4,
                effects: ["bytes_dropped": 58, "bytes_passed": 661, "connections_reset": 0]),
        ]
        let report = RunReport(
            runID: "r", startedAt: "2025-01-01T00:00:00Z", seedOverride: nil, scenarios: [a], durationMillis: 900, replayCommand: "ordeal run")
        let xml = string(try JUnitExporter().serialize(report))
        #expect(xml.contains("fault 0: network on writer-0, from 364.3 ms to 764.4 ms: bytes_dropped = 58, bytes_passed = 661, connections_reset = 0"), "\(xml)")
    }

    @Test func escapesXMLSpecialCharacters() throws {
        let xml = string(try JUnitExporter().serialize(sampleReport()))
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        #expect(!xml.unicodeScalars.contains { $0.value == 0x7F })
        #expect(xml.contains("a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;"))
        let tree = try #require(XMLTree.parse(xml))
        let failure = try #require(tree.all("failure").first)
        #expect(failure.attributes["message"] == "a < b && c > \"d\" 'e'\nsecond\tline")
        #expect(failure.attributes["type"] == "lease-safety")
        #expect(failure.text == "{\"key\":\"k<1>&\",\"rule\":\"two holders\"}\n{\"rule\":\"fence\",\"token\":3}")
        let out = tree.all("system-out").map(\.text)
        #expect(out.contains { $0.contains("holders = 2") && $0.hasPrefix("fail: a < b") })
        #expect(out.contains { $0.contains("limit_us = 50 ms") })
    }
}

// MARK: - HTML and plots

@Suite struct ReportExporterHTMLTests {
    @Test func isWellFormedAndSelfContainedWithOneSVGPerPlot() throws {
        let report = sampleReport()
        let html = string(try HTMLExporter().serialize(report))
        let tree = try #require(XMLTree.parse(html))
        #expect(tree.elements.first?.name == "html")
        #expect(tree.all("svg").count == report.scenarios.count * ReportPlots.Kind.allCases.count)
        #expect(tree.all("style").count == 1)
        #expect(tree.all("script").isEmpty && tree.all("link").isEmpty && tree.all("img").isEmpty)
        #expect(!html.contains("@import") && !html.contains("url("))
        for element in tree.elements {
            if let href = element.attributes["href"] { #expect(href.hasPrefix("#"), "external link \(href)") }
            #expect(element.attributes["src"] == nil)
        }
        // Verdict first, then the table of scenarios, then the sections in order.
        let h1 = try #require(tree.all("h1").first)
        #expect(h1.text.contains("FAIL"))
        let verdictAt = try #require(html.range(of: "<h1>")).lowerBound
        let tableAt = try #require(html.range(of: "<table>")).lowerBound
        #expect(verdictAt < tableAt)
        #expect(tree.all("h2").map(\.text) == ["Verify this run", "alpha: FAIL", "beta & co: UNKNOWN", "gamma: PASS"])
        // The failed check's counterexample, the faults, latencies and replay commands.
        #expect(tree.all("pre").contains { $0.text.contains("{\"key\":\"k<1>&\",\"rule\":\"two holders\"}") })
        #expect(tree.all("pre").contains { $0.text == "ordeal run Scenarios/alpha.yaml --seed 42" })
        #expect(tree.all("pre").contains { $0.text == "ordeal run Scenarios/alpha.yaml 'Scenarios/beta & co.yaml'" })
        #expect(tree.all("td").contains { $0.text == "recovery (kill to first ack)" })
        #expect(tree.all("td").contains { $0.text == "810 ms" })
        #expect(tree.all("li").contains { $0.text.contains("the reader crashed: <signal 9>") })
    }

    @Test func plotFilesAreWellFormedSVG() throws {
        let report = sampleReport()
        let files = ReportPlots.files(for: report)
        #expect(files.count == 9)
        #expect(Set(files.map(\.path)).count == files.count)
        #expect(files.map(\.path).prefix(3) == ["plots/alpha-latency.svg", "plots/alpha-throughput.svg", "plots/alpha-phases.svg"])
        #expect(files[3].path == "plots/beta---co-latency.svg")
        for file in files {
            let tree = try #require(XMLTree.parse(file.svg))
            #expect(tree.elements.first?.name == "svg", "\(file.path)")
            #expect(file.svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" "))
            for element in tree.elements {
                for key in ["x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy", "r"] {
                    if let value = element.attributes[key] { #expect(isDotDecimal(value), "\(file.path) \(key)=\(value)") }
                }
                if let points = element.attributes["points"] {
                    for pair in points.split(separator: " ") {
                        #expect(pair.split(separator: ",").count == 2 && pair.split(separator: ",").allSatisfy { isDotDecimal(String($0)) })
                    }
                }
            }
        }
        let latency = try #require(XMLTree.parse(ReportPlots.latencyOverTime(report.scenarios[0])))
        // put has a gap (no op from 0.8 s to 1.3 s): two lines; get one; the faults two bands.
        #expect(latency.all("polyline").count == 3)
        #expect(latency.all("rect").filter { $0.attributes["fill-opacity"] == "0.15" }.count == 2)
        #expect(latency.all("text").contains { $0.text == "kill writer-0" })
        #expect(latency.all("text").contains { $0.text == "1 ms" })  // log scale: 40 µs to 2.5 ms
        let throughput = try #require(XMLTree.parse(ReportPlots.throughputOverTime(report.scenarios[0])))
        #expect(throughput.all("polyline").count == 1)
        let phases = try #require(XMLTree.parse(ReportPlots.latencyByPhase(report.scenarios[0])))
        // put before/after, get before/during/after: 5 groups of p50, p95, p99 bars.
        for p in ["p50", "p95", "p99"] { #expect(phases.all("title").filter { $0.text.hasPrefix(p + ": ") }.count == 5) }
        #expect(phases.all("text").contains { $0.text == "during-fault" })
        let empty = try #require(XMLTree.parse(ReportPlots.latencyOverTime(report.scenarios[2])))
        #expect(empty.all("text").contains { $0.text == "no data" })
    }

    @Test func exportersListWritesEveryFormat() throws {
        let report = sampleReport()
        #expect(ReportExporters.all.map(\.fileName) == ["report.json", "report.md", "junit.xml", "report.html"])
        let json = try JSONParser.parse(try JSONExporter().serialize(report))
        #expect(json["run_id"]?.stringValue == "20250101T000000Z-abc")
        let md = string(try MarkdownExporter().serialize(report))
        #expect(md.hasPrefix(MarkdownReport.render(report)))
        #expect(md.contains("(plots/alpha-latency.svg)"))
        #expect(string(try MarkdownExporter(linkPlots: false).serialize(report)) == MarkdownReport.render(report))
    }
}

// MARK: - GitHub

@Suite struct ReportExporterGitHubTests {
    @Test func summaryIsCompactAndComplete() {
        let md = GitHubSummary.markdown(sampleReport())
        #expect(md.contains("**FAIL**"))
        #expect(md.contains("| beta &amp; co | ⚠️ unknown | 1/2 |"))
        #expect(md.contains("harness problem: the reader crashed: &lt;signal 9&gt;"))  // not an HTML tag
        #expect(md.contains("  {\"key\":\"k<1>&\",\"rule\":\"two holders\"}"))  // verbatim in a code block
        #expect(!md.unicodeScalars.contains { $0.value == 0x01 || $0.value == 0x1B })
        #expect(md.contains("lease-safety"))
        #expect(!md.contains("Summary truncated"))
    }

    @Test func summaryStaysUnderOneMebibyteForAHugeReport() {
        var report = sampleReport()
        let long = String(repeating: "x", count: 3_000)
        let big = scenarioResult(
            "big",
            checks: (0..<20).map {
                CheckResult(name: "check-\($0)", verdict: .fail, detail: long, counterexample: [["blob": .string(long)]])
            })
        report.scenarios = Array(repeating: big, count: 100)  // about 2 MB of summary
        let md = GitHubSummary.markdown(report)
        #expect(md.utf8.count <= GitHubSummary.maxBytes)
        #expect(md.utf8.count > GitHubSummary.maxBytes / 2)
        #expect(md.contains("Summary truncated"))
        // Cut at a line boundary: every line but the note is a whole line of the untruncated summary.
        let full = Set(GitHubSummary.markdown(report, maxBytes: .max).split(separator: "\n", omittingEmptySubsequences: false))
        let kept = md.split(separator: "\n").filter { !$0.contains("Summary truncated") && $0 != "  ```" }
        #expect(kept.allSatisfy { full.contains($0) })
        #expect(md.components(separatedBy: "```").count % 2 == 1)  // fences are closed
        let small = GitHubSummary.markdown(report, maxBytes: 10_000)
        #expect(small.utf8.count <= 10_000)
    }

    @Test func annotationsAreAtMostTenAndEncoded() {
        var report = sampleReport()
        let odd = scenarioResult(
            "odd:name,1",
            checks: [CheckResult(name: "check:a,b", verdict: .fail, detail: "50% lost\r\nnext: a,b")])
        report.scenarios.insert(odd, at: 0)
        let few = GitHubSummary.annotations(report)
        // odd's failure, alpha's failure, then beta's harness problems and unknown check.
        #expect(few.count == 4)
        #expect(few[0] == "::error title=ordeal odd%3Aname%2C1%3A check%3Aa%2Cb::fail: 50%25 lost%0D%0Anext: a,b%0Areplay: ordeal run Scenarios/odd:name,1.yaml --seed 42")
        for line in few {
            #expect(line.hasPrefix("::error title="))
            let afterTitle = line.dropFirst("::error title=".count)
            let title = afterTitle.prefix { $0 != ":" }
            #expect(!title.contains(",") && !title.contains("\n"))
            #expect(afterTitle.dropFirst(title.count).hasPrefix("::"))
            #expect(!line.contains("\n") && !line.contains("\r"))
        }
        #expect(few[1].contains("::fail: a < b && c > \"d\" 'e'%0Asecond\tline%0A"))  // control characters left out

        report.scenarios = (0..<30).map { i in
            scenarioResult("s\(i)", checks: [CheckResult(name: "c", verdict: i % 2 == 0 ? .unknown : .fail, detail: "d")])
        }
        let many = GitHubSummary.annotations(report)
        #expect(many.count == GitHubSummary.maxAnnotations)
        #expect(many.prefix(9).allSatisfy { $0.contains("::fail: d") })  // failures first
        #expect(many[9].contains("21 more checks did not pass"))
    }
}
