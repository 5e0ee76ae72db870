import Foundation
import Testing

/// A harness error is never a verdict: `ordeal run` exits 3 when it cannot record the history
/// and 4 when its own report write breaks, never 1 (a failed check), and says why once.
@Suite struct HarnessErrorExitTests {
    static let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios/concurrent-checkpoints.yaml").path

    @Test func aHistoryThatCannotBeWrittenExitsThreeNamingTheHistoryFile() throws {
        let out = try Binaries.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: out + "/scenarios/concurrent-checkpoints", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: out + "/scenarios/concurrent-checkpoints/history.jsonl", withDestinationPath: "/dev/full")
        let result = try Binaries.run(Binaries.ordeal, ["run", Self.scenario, "--out", out])
        #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("Error: cannot write the history file"))
        #expect(result.stderr.contains("No space left on device (errno 28)"))
    }

    @Test func aReportThatCannotBeWrittenExitsFourNamingTheCallAndThePath() throws {
        let out = try Binaries.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: out + "/report.md/in-the-way", withIntermediateDirectories: true)
        let result = try Binaries.run(Binaries.ordeal, ["run", Self.scenario, "--out", out])
        #expect(result.status == 4, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("Error: rename("))
        #expect(result.stderr.contains("report.md) failed: Is a directory (errno 21)"))
    }
}
