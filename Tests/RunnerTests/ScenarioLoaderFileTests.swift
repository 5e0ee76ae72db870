import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Foundation
import Testing

/// A fresh temporary directory holding `files` (name → contents), removed by the caller.
private func directory(_ files: [String: String]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ordeal-loader-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
    }
    return path
}

private func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

@Suite struct ScenarioLoaderFileTests {
    @Test func aDirectoryLoadsItsYamlFilesInNameOrderAndNotRecursively() throws {
        let dir = try directory([
            "b.yml": minimalWorkers, "a.yaml": minimalWorkers, "c.yaml": minimalWorkers, "notes.txt": "not yaml",
        ])
        defer { removeDirectory(dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/nested", withIntermediateDirectories: true)
        try minimalWorkers.write(toFile: "\(dir)/nested/d.yaml", atomically: true, encoding: .utf8)
        let scenarios = try ScenarioLoader.loadAll(paths: [dir])
        #expect(scenarios.map(\.name) == ["a", "b", "c"])
        #expect(scenarios.map(\.sourcePath) == ["\(dir)/a.yaml", "\(dir)/b.yml", "\(dir)/c.yaml"])
    }

    @Test func aFileNamedTwiceIsLoadedOnce() throws {
        let dir = try directory(["a.yaml": minimalWorkers])
        defer { removeDirectory(dir) }
        let scenarios = try ScenarioLoader.loadAll(paths: [dir, "\(dir)/a.yaml"])
        #expect(scenarios.map(\.name) == ["a"])
    }

    @Test func loadReadsOneFile() throws {
        let dir = try directory(["kill9.yaml": "name: kill9-recovery\n" + minimalWorkers])
        defer { removeDirectory(dir) }
        let scenario = try ScenarioLoader.load(path: "\(dir)/kill9.yaml")
        #expect(scenario.name == "kill9-recovery")
        #expect(scenario.sourcePath == "\(dir)/kill9.yaml")
    }

    @Test func loadAllReportsTheProblemsOfEveryFileTogether() throws {
        let dir = try directory([
            "one.yaml": "workers:\n  - role: sweepr\n",
            "two.yaml": minimalWorkers + "faults:\n  - {kind: kil, target: checkpoint-writer, at: 1s}\n",
            "good.yaml": minimalWorkers,
        ])
        defer { removeDirectory(dir) }
        do {
            _ = try ScenarioLoader.loadAll(paths: [dir])
            Issue.record("expected problems")
        } catch {
            #expect(error.problems.map(\.file) == ["\(dir)/one.yaml", "\(dir)/two.yaml"])
            #expect(error.problems.map(\.line) == [2, 3])
            #expect(error.description.split(separator: "\n").count == 2)
            #expect(error.description.contains("\(dir)/two.yaml:3: faults[0].kind: unknown fault kind 'kil'; valid: kill, pause"))
        }
    }

    @Test func loadAllRejectsTwoScenariosWithTheSameName() throws {
        let dir = try directory([
            "a.yaml": "name: same\n" + minimalWorkers,
            "b.yaml": "description: x\nname: same\n" + minimalWorkers,
        ])
        defer { removeDirectory(dir) }
        do {
            _ = try ScenarioLoader.loadAll(paths: [dir])
            Issue.record("expected a duplicate-name problem")
        } catch {
            #expect(error.problems.count == 1)
            let problem = error.problems.first
            #expect(problem?.file == "\(dir)/b.yaml")
            #expect(problem?.line == 2)
            #expect(problem?.field == "name")
            #expect(problem?.message.contains("is also used by \(dir)/a.yaml") == true)
        }
    }

    @Test func anEmptyDirectoryIsAnErrorNamingThePathAndTheFix() throws {
        let dir = try directory(["readme.md": "no scenarios here"])
        defer { removeDirectory(dir) }
        do {
            _ = try ScenarioLoader.loadAll(paths: [dir])
            Issue.record("expected a problem")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.file == dir)
            #expect(error.problems.first?.message.contains("no *.yaml or *.yml scenario files in this directory; add one") == true)
        }
    }

    @Test func aMissingPathIsAnErrorNamingThePathAndTheFix() {
        let missing = "/nonexistent/ordeal/Scenarios"
        do {
            _ = try ScenarioLoader.loadAll(paths: [missing, "\(missing)/x.yaml"])
            Issue.record("expected problems")
        } catch {
            #expect(error.problems.map(\.file) == [missing, "\(missing)/x.yaml"])
            #expect(error.problems.allSatisfy { $0.message.hasPrefix("no such file or directory; pass a scenario file") })
        }
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "\(missing)/x.yaml") }
    }

    @Test func loadRefusesADirectory() throws {
        let dir = try directory([:])
        defer { removeDirectory(dir) }
        do {
            _ = try ScenarioLoader.load(path: dir)
            Issue.record("expected a problem")
        } catch {
            #expect(error.problems.first?.message.contains("loadAll(paths:)") == true)
        }
    }
}
