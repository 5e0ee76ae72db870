import OrdealModel
import OrdealSupport

/// `junit.xml`: the run as JUnit XML, the dialect the GitHub, GitLab and Jenkins test
/// reporters read. One `<testsuite>` per scenario: a `run` test case first, the scenario's own
/// run (workers, faults, the final state read), then one `<testcase>` per check (thresholds
/// included); a failed check carries a `<failure>` with its counterexample, an unknown one an
/// `<error>`, and a scenario with harness problems gets an extra `harness` test case that errs.
/// A check declared an expected failure that failed as declared is `<skipped
/// type="expected-failure">` with the reason, as pytest writes an xfail, and its name says so.
/// Each case's `time` is what it took (the run's wall time, each check's judging time), so a
/// suite's cases add up to its time. Property names carry the scenario's name, unique in the
/// file. Times are in seconds with a `.` decimal whatever the machine's locale.
public struct JUnitExporter: ReportExporter {
    public var fileName: String { "junit.xml" }
    /// Counterexample items written into a `<failure>` (the rest are in `report.json`).
    public var maxCounterexampleItems: Int

    public init(maxCounterexampleItems: Int = 50) { self.maxCounterexampleItems = maxCounterexampleItems }

    public func serialize(_ report: RunReport) throws -> [UInt8] { Array(render(report).utf8) }

    /// A performance check of a scenario whose performance checks are advisory.
    static func isAdvisory(_ check: CheckResult, in s: ScenarioResult) -> Bool { check.isPerformance && s.performanceAdvisory }

    struct Counts: Equatable {
        var tests = 0, failures = 0, errors = 0, skipped = 0
    }

    /// What a scenario adds up to: a test per check, plus the harness test when it has problems.
    static func counts(_ s: ScenarioResult) -> Counts {
        var c = Counts(tests: s.notApplicable == nil ? 1 : 0)
        for check in s.checks {
            c.tests += 1
            if Self.isAdvisory(check, in: s) { continue }
            if check.failedAsDeclared {
                c.skipped += 1
                continue
            }
            switch check.verdict {
            case .pass: break
            case .fail: c.failures += 1
            case .unknown: c.errors += 1
            case .notApplicable: c.skipped += 1
            }
        }
        if s.notApplicable != nil {
            c.tests += 1
            c.skipped += 1
        }
        if !s.problems.isEmpty {
            c.tests += 1
            c.errors += 1
        }
        return c
    }

    /// The wall time of the scenario's run itself: its duration less the checks' judging.
    static func runMillis(_ s: ScenarioResult) -> Double {
        max(s.durationMillis - s.checks.reduce(0) { $0 + ($1.elapsedMillis ?? 0) }, 0)
    }

    public func render(_ report: RunReport) -> String {
        let all = report.scenarios.map(Self.counts)
        let tests = all.reduce(0) { $0 + $1.tests }
        let failures = all.reduce(0) { $0 + $1.failures }
        let errors = all.reduce(0) { $0 + $1.errors }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        // No `skipped` on the root: the JUnit XSD (Jenkins' junit-10.xsd) has none there. Each
        // suite carries its own, and readers that recount (junitparser) sum the cases' times.
        xml += "<testsuites name=\"ordeal\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\""
        xml += " time=\"\(Format.seconds(millis: report.durationMillis))\">\n"
        for (s, c) in zip(report.scenarios, all) { xml += suite(s, c, report) }
        xml += "</testsuites>\n"
        return xml
    }

    private func suite(_ s: ScenarioResult, _ c: Counts, _ report: RunReport) -> String {
        let name = s.scenario.name
        var xml = "  <testsuite name=\(attr(name)) tests=\"\(c.tests)\" failures=\"\(c.failures)\" errors=\"\(c.errors)\""
        xml += " skipped=\"\(c.skipped)\" time=\"\(Format.seconds(millis: s.durationMillis))\" timestamp=\(attr(report.startedAt))>\n"
        xml += "    <properties>\n"
        let properties: [(String, String)] = [
            ("verdict", s.verdict.rawValue), ("file", s.scenario.sourcePath), ("seed", String(s.seed)),
            ("backend", "\(s.scenario.backend):\(s.scenario.durability)"),
            ("replay", "ordeal run \(s.scenario.sourcePath) --seed \(s.seed)"), ("history", s.folder + "/history.jsonl"),
        ]
        // Named after the scenario: readers that merge every suite (xunitparser) need them unique.
        for (key, value) in properties { xml += "      <property name=\(attr(name + "." + key)) value=\(attr(value))/>\n" }
        xml += "    </properties>\n"
        let classname = "ordeal." + name
        if s.notApplicable == nil {
            xml += "    <testcase name=\"run\" classname=\(attr(classname)) time=\"\(Format.seconds(millis: Self.runMillis(s)))\">\n"
            let summary = "\(Format.count(s.acknowledged, "acknowledged op")), \(Format.count(s.faults.count, "fault")); replay: ordeal run \(s.scenario.sourcePath) --seed \(s.seed)"
            xml += "      <system-out>" + text(([summary] + s.faults.map(Self.faultLine)).joined(separator: "\n")) + "</system-out>\n"
            xml += "    </testcase>\n"
        }
        for check in s.checks {
            let time = Format.seconds(millis: check.elapsedMillis ?? 0)
            if check.failedAsDeclared {
                xml += "    <testcase name=\(attr(check.name + " [expected failure]")) classname=\(attr(classname)) time=\"\(time)\">\n"
                xml += "      <skipped type=\"expected-failure\" message=\(attr("expected failure: " + (check.expectedFailure ?? "")))/>\n"
                xml += "      <system-out>" + text(systemOut(check)) + "</system-out>\n"
                xml += "    </testcase>\n"
                continue
            }
            xml += "    <testcase name=\(attr(check.name)) classname=\(attr(classname)) time=\"\(time)\">\n"
            if Self.isAdvisory(check, in: s) {
                // A performance result that does not decide the verdict: shown, never a failure.
                xml += "      <system-out>" + text("performance, not deciding the verdict: \(check.verdict.rawValue): \(check.detail)") + "</system-out>\n"
                xml += "    </testcase>\n"
                continue
            }
            switch check.verdict {
            case .pass: break
            case .fail:
                xml += "      <failure message=\(attr(check.detail)) type=\(attr(check.name))>"
                xml += text(counterexample(check)) + "</failure>\n"
            case .unknown:
                xml += "      <error message=\(attr(check.detail)) type=\(attr(check.name))>"
                xml += text(counterexample(check)) + "</error>\n"
            case .notApplicable:
                xml += "      <skipped message=\(attr(check.detail))/>\n"
            }
            xml += "      <system-out>" + text(systemOut(check)) + "</system-out>\n"
            xml += "    </testcase>\n"
        }
        if let reason = s.notApplicable {
            xml += "    <testcase name=\"applicable\" classname=\(attr(classname)) time=\"0.000\">\n"
            xml += "      <skipped message=\(attr("not applicable: " + reason))/>\n"
            xml += "    </testcase>\n"
        }
        if !s.problems.isEmpty {
            let message = "\(s.problems.count) harness problem\(s.problems.count == 1 ? "" : "s"): the verdict is unknown"
            xml += "    <testcase name=\"harness\" classname=\(attr(classname)) time=\"0.000\">\n"
            xml += "      <error message=\(attr(message)) type=\"harness\">"
            xml += text(s.problems.map { "- " + $0 }.joined(separator: "\n")) + "</error>\n"
            xml += "      <system-out>" + text("See \(s.folder)/workers.log and \(s.folder)/history.jsonl.") + "</system-out>\n"
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n"
        return xml
    }

    private func counterexample(_ check: CheckResult) -> String {
        var lines = check.counterexample.prefix(maxCounterexampleItems).map(ReportText.jsonLine)
        if check.counterexample.count > maxCounterexampleItems {
            lines.append("(\(check.counterexample.count - maxCounterexampleItems) more in report.json)")
        }
        return lines.isEmpty ? check.detail : lines.joined(separator: "\n")
    }

    private func systemOut(_ check: CheckResult) -> String {
        var out = "\(check.verdict.rawValue): \(check.detail)"
        let measured = ReportText.measurements(check)
        if !measured.isEmpty { out += "\n" + measured }
        return out
    }

    private func attr(_ value: String) -> String { "\"" + XMLText.escape(value, attribute: true) + "\"" }
    private func text(_ value: String) -> String { XMLText.escape(value) }

    /// One fault of the run: its window and what it did (a network toxic's bytes delayed and
    /// dropped, connections reset and refused; a shim fault's calls hit; a power cut's rollback).
    static func faultLine(_ fault: FaultRecord) -> String {
        func ms(_ value: Double?) -> String { value.map { Format.fixed($0, 1) + " ms" } ?? "never" }
        var line = "fault \(fault.index): \(fault.kind.rawValue) on \(fault.target), from \(ms(fault.atMillis)) to \(ms(fault.healedAtMillis))"
        let effects = fault.effects.keys.sorted().compactMap { key -> String? in
            guard let value = fault.effects[key] else { return nil }
            if let number = value.doubleValue { return "\(key) = \(Format.fixed(number, number.rounded() == number ? 0 : 1))" }
            if let flag = value.boolValue { return "\(key) = \(flag)" }
            if let text = value.stringValue { return "\(key) = \(text)" }
            return nil
        }
        if !effects.isEmpty { line += ": " + effects.joined(separator: ", ") }
        return line
    }
}
