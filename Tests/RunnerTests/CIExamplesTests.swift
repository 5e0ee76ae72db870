import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation
import Testing
import Yams

/// The ready-made CI files in ci/ parse as YAML and have the keys each CI requires.
@Suite struct CIExamplesTests {
    static var ci: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ci").path
    }

    func load(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: Self.ci + "/" + name, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "\(name) is not a YAML mapping")
    }

    @Test func theGitHubActionsExampleIsAWorkflowThatRunsTheAcceptanceScriptAndPublishesJUnit() throws {
        let workflow = try load("github-actions.yml")
        #expect(workflow["name"] is String)
        // YAML 1.1 reads the key `on` as true; both spellings are accepted by GitHub.
        #expect(workflow["on"] != nil || workflow["true"] != nil)
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let job = try #require(jobs["acceptance"] as? [String: Any])
        #expect(job["runs-on"] is String)
        let steps = try #require(job["steps"] as? [[String: Any]])
        #expect(steps.allSatisfy { $0["uses"] != nil || $0["run"] != nil }, "every step needs uses or run")
        let runs = steps.compactMap { $0["run"] as? String }
        #expect(runs.contains { $0.contains("bash ci/acceptance.sh") })
        let junit = steps.first { ($0["with"] as? [String: Any])?["report_paths"] != nil }
        #expect((junit?["with"] as? [String: Any])?["report_paths"] as? String == "Reports/latest/junit.xml")
        let env = steps.compactMap { $0["env"] as? [String: Any] }.flatMap(\.keys)
        #expect(env.contains("ORDEAL_SIGNING_KEY"))
    }

    @Test func theGitLabExampleIsAJobThatRunsTheAcceptanceScriptAndReportsJUnit() throws {
        let pipeline = try load("gitlab-ci.yml")
        let job = try #require(pipeline["ordeal-acceptance"] as? [String: Any])
        let stages = try #require(pipeline["stages"] as? [String])
        #expect(stages.contains(job["stage"] as? String ?? ""))
        let script = try #require(job["script"] as? [String])
        #expect(script.contains("bash ci/acceptance.sh"))
        let artifacts = try #require(job["artifacts"] as? [String: Any])
        let reports = try #require(artifacts["reports"] as? [String: Any])
        #expect(reports["junit"] as? String == "Reports/latest/junit.xml")
        #expect((artifacts["paths"] as? [String])?.contains("Reports/") == true)
    }
}
