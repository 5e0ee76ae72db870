import Foundation
import OrdealSupport
import Testing

/// The worked example of Examples/custom-backend: a worker of the user's own on a backend of
/// the user's own runs scenarios of the suite and is judged by the same checkers.
@Suite(.serialized) struct CustomBackendExampleTests {
    static var worker: String { Binaries.directory.appendingPathComponent("custom-backend-worker").path }

    /// A scenario of `Scenarios/` whose workers are all the example's worker.
    static func onExampleWorker(_ name: String) throws -> String {
        var text = try String(contentsOfFile: "\(FaultScenarioTests.scenarios)/\(name).yaml", encoding: .utf8)
        for role in ["checkpoint-writer", "lease-worker", "sweeper"] {
            text = text.replacingOccurrences(
                of: "    role: \(role)\n", with: "    role: \(role)\n    command: [\(CheckersCatchFaultyWorkersTests.quoted(worker))]\n")
        }
        // The ready threshold measures the exec trampoline every `command:` worker starts behind,
        // not the backend.
        if let cut = text.range(of: "\nthresholds:") { text = String(text[..<cut.lowerBound]) + "\n" }
        let file = try Binaries.temporaryDirectory() + "/\(name).yaml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test(arguments: ["kill9-recovery", "concurrent-checkpoints", "lease-expiry-takeover"])
    func theExampleBackendPassesSuiteScenarios(_ name: String) throws {
        let run = try FaultScenarioTests.run([try Self.onExampleWorker(name), "--backend", "traced:{data}/store.sqlite"])
        #expect(run.result.status == ExitStatus.passed.rawValue, "\(run.summary)")
        let ready = try run.history().filter { $0["type"]?.stringValue == "ready" }
        #expect(!ready.isEmpty && ready.allSatisfy { $0["backend"]?.stringValue?.hasPrefix("traced:") == true })
        #expect(run.scenarios.first?["backend"]?.stringValue == "traced")
    }

    @Test func theExampleBackendKeepsItsTraceAndAnUnknownSchemeIsAClearError() throws {
        let dir = try Binaries.temporaryDirectory()
        let ok = try Binaries.run(Self.worker, ["checkpoint-writer", "--backend", "traced:\(dir)/s.sqlite", "--count", "3", "--task", "t"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let trace = try String(contentsOfFile: "\(dir)/s.sqlite.trace", encoding: .utf8)
        #expect(trace == "checkpoint t#1\ncheckpoint t#2\ncheckpoint t#3\n")
        let unknown = try Binaries.run(Self.worker, ["checkpoint-writer", "--backend", "nosuch:x", "--count", "1"])
        #expect(unknown.status == 2 || unknown.status == 1)
        #expect(unknown.stderr.contains("no backend is registered for scheme 'nosuch'") && unknown.stderr.contains("traced"))
    }
}
