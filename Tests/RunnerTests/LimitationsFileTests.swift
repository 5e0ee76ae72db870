import OrdealModel
import OrdealRunner
import Foundation
import Testing

/// `ordeal run --limitations FILE`: a core's documented limitations become expected failures
/// of the scenarios they name, and every malformed entry is reported with its line and fix.
@Suite struct LimitationsFileTests {
    static let scenarios: [Scenario] = {
        let takeover = try! ScenarioLoader.load(
            yaml: "name: takeover\nworkers:\n  - role: lease-worker\nchecks: [lease-safety, effects-at-most-once]\n", path: "Scenarios/takeover.yaml")
        let declared = try! ScenarioLoader.load(
            yaml: "name: declared\nworkers:\n  - role: checkpoint-writer\nchecks: [acked-durable]\nexpected_failures: [{check: acked-durable, reason: own}]\n",
            path: "Scenarios/declared.yaml")
        return [takeover, declared]
    }()

    func problems(_ yaml: String) -> [ScenarioError.Problem] {
        do {
            _ = try Limitations.parse(yaml: yaml, path: "cores/x/limitations.yaml", scenarios: Self.scenarios)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func anEntryBecomesAnExpectedFailureOfItsScenarioWithItsReason() throws {
        let entries = try Limitations.parse(
            yaml: "- scenario: takeover\n  check: lease-safety\n  reason: \"the docs promise no fencing\"\n- {scenario: elsewhere, check: integrity, reason: r}\n",
            path: "l.yaml", scenarios: Self.scenarios)
        #expect(entries.map(\.scenario) == ["takeover", "elsewhere"])
        #expect(entries[0].limitation == ExpectedFailure(check: "lease-safety", reason: "the docs promise no fencing"))
    }

    @Test func anUnknownCheckIsReportedAtItsLineWithTheValidChecks() {
        let found = problems("- scenario: takeover\n  check: lease-safty\n  reason: r\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2 && found.first?.field == "[0].check")
        #expect(found.first?.message.contains("unknown check 'lease-safty'; valid: ") == true)
    }

    @Test func aCheckTheScenarioDoesNotRunIsReported() {
        let found = problems("- {scenario: takeover, check: integrity, reason: r}\n")
        #expect(found.first?.message == "scenario 'takeover' does not run 'integrity' (its checks: lease-safety, effects-at-most-once); remove the entry or name a check it runs")
    }

    @Test func aLimitationTheScenarioFileAlreadyDeclaresIsReported() {
        let found = problems("- {scenario: declared, check: acked-durable, reason: r}\n")
        #expect(found.first?.message == "scenario 'declared' already declares 'acked-durable' an expected failure in Scenarios/declared.yaml; remove the entry")
    }

    @Test func aMissingFieldATwiceListedEntryAndANonListAreEachReported() {
        #expect(problems("- {scenario: takeover, check: lease-safety}\n").first?.message.hasPrefix("needs `scenario`, `check` and `reason`") == true)
        let twice = problems("- {scenario: takeover, check: lease-safety, reason: a}\n- {scenario: takeover, check: lease-safety, reason: b}\n")
        #expect(twice.count == 1 && twice.first?.line == 2)
        #expect(problems("scenario: takeover\n").first?.message.hasPrefix("expected a list") == true)
        #expect(problems("").first?.message.hasPrefix("the file is empty") == true)
    }

    @Test func applyingAFileAddsTheLimitationAndNamesEntriesOfScenariosLeftOut() throws {
        let path = "/tmp/ordeal-limitations-\(getpid()).yaml"
        try "- {scenario: takeover, check: effects-at-most-once, reason: at-least-once}\n- {scenario: gone, check: integrity, reason: r}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let applied = try Limitations.apply(file: path, to: Self.scenarios)
        #expect(applied.scenarios[0].expectedFailures == [ExpectedFailure(check: "effects-at-most-once", reason: "at-least-once")])
        #expect(applied.scenarios[1].expectedFailures.count == 1)
        #expect(applied.notInRun == ["gone"])
    }

    @Test func aSyntaxErrorIsReportedAtItsLineAsInScenarioFiles() {
        let found = problems("- scenario: takeover\n- {scenario: takeover, check: lease-safety\n")
        #expect(found.first?.field == "yaml" && found.first?.line == 2, "\(found)")
    }

    @Test func aMissingFileIsBadInputNamingThePath() {
        #expect(throws: ScenarioError.self) { try Limitations.apply(file: "/nonexistent/limitations.yaml", to: Self.scenarios) }
        do {
            _ = try Limitations.apply(file: "/nonexistent/limitations.yaml", to: [])
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/limitations.yaml: no such file"))
        }
    }
}
