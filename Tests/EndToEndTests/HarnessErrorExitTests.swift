import Foundation
import OrdealSystem
import Testing

/// A harness error is never a verdict: `ordeal run` exits 3 when it cannot record the history
/// and 4 when its own report write breaks, never 1 (a failed check), and says why once.
///
/// A run folder must be new or empty, so each trap is laid while the run is under way: a first
/// scenario runs for a while, and meanwhile the test breaks the path the run writes next.
@Suite struct HarnessErrorExitTests {
    struct Outcome {
        var status: TerminationStatus
        var stdout: String
        var stderr: String
    }

    /// Runs a long scenario `a-long`, then `b-short`; once `a-long`'s folder exists, `trap`
    /// breaks something under the run folder.
    func run(trap: (String) throws -> Void) throws -> Outcome {
        let dir = try Binaries.temporaryDirectory()
        try Binaries.writeWriterScenarios(dir, [("a-long", 3000), ("b-short", 20)])
        let out = dir + "/run"
        let runner = try ChildProcess([Binaries.ordeal, "run", dir + "/a-long.yaml", dir + "/b-short.yaml", "--out", out], stderrPath: dir + "/stderr")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !FileManager.default.fileExists(atPath: out + "/scenarios/a-long/history.jsonl") { usleep(2_000) }
        try trap(out)
        var stdout = ""
        while let line = try runner.readLine() { stdout += line + "\n" }
        let status = try runner.wait()
        return Outcome(status: status, stdout: stdout, stderr: (try? String(contentsOfFile: dir + "/stderr", encoding: .utf8)) ?? "")
    }

    @Test func aHistoryThatCannotBeWrittenExitsThreeNamingTheHistoryFile() throws {
        let result = try run { out in
            try FileManager.default.createDirectory(atPath: out + "/scenarios/b-short", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: out + "/scenarios/b-short/history.jsonl", withDestinationPath: "/dev/full")
        }
        #expect(result.status == .exited(3), "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("Error: cannot write the history file"), "\(result.stderr)")
        #expect(result.stderr.contains("No space left on device (errno 28)"))
    }

    @Test func aReportThatCannotBeWrittenExitsFourNamingTheCallAndThePath() throws {
        let result = try run { out in
            try FileManager.default.createDirectory(atPath: out + "/report.md/in-the-way", withIntermediateDirectories: true)
        }
        #expect(result.status == .exited(4), "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("Error: rename("), "\(result.stderr)")
        #expect(result.stderr.contains("report.md) failed: Is a directory (errno 21)"))
    }
}
