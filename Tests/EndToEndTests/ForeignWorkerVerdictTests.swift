import Foundation
import OrdealModel
import OrdealSupport
import OrdealRunner
import Testing

/// A worker of the user's own through `ordeal run --worker`: a sloppy one never passes, a
/// scenario it cannot play is not applicable (never a pass, never a failure), and the report
/// names the worker it judged.
@Suite struct ForeignWorkerVerdictTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sloppy = root.appendingPathComponent("Tests/Fixtures/sloppy_worker.py").path
    static let scenarios = root.appendingPathComponent("Scenarios").path

    struct Run {
        var result: Binaries.Result
        var report: JSONValue
        var folder: String
        var scenarios: [JSONValue] { report["scenarios"]?.arrayValue ?? [] }
    }

    static func run(_ defect: String, _ files: [String], _ extra: [String] = []) throws -> Run {
        let out = try Binaries.temporaryDirectory() + "/run"
        let result = try Binaries.run(
            Binaries.ordeal, ["run"] + files.map { scenarios + "/" + $0 } + ["--out", out, "--worker", "python3 \(sloppy) \(defect)"] + extra)
        let report = try JSONParser.parse(String(contentsOfFile: out + "/report.json", encoding: .utf8))
        return Run(result: result, report: report, folder: out)
    }

    /// A worker whose process starts a child (as a library's import may) still takes the
    /// shim's faults: the child, which inherits LD_PRELOAD, does not pass for the worker.
    @Test func aWorkerThatStartsAChildProcessStillTakesPowerLoss() throws {
        let out = try Binaries.temporaryDirectory() + "/run"
        let spawning = Self.root.appendingPathComponent("Tests/Fixtures/spawning_worker.py").path
        let result = try Binaries.run(
            Binaries.ordeal, ["run", Self.scenarios + "/power-loss-full.yaml", "--out", out, "--worker", "python3 \(spawning)"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(!result.stdout.contains("not loaded"), "\(result.stdout)")
    }

    @Test func anHonestForeignWorkerPassesAndTheReportNamesIt() throws {
        let run = try Self.run("none", ["concurrent-checkpoints.yaml"])
        #expect(run.result.status == 0, "\(run.result.stdout)")
        #expect(run.scenarios.first?["verdict"]?.stringValue == "pass")
        #expect(run.report["worker"]?["command"]?.arrayValue?.first?.stringValue == "python3")
        let work = run.scenarios.first?["checks"]?.arrayValue?.first { $0["name"]?.stringValue == "expected-work" }
        #expect(work?["verdict"]?.stringValue == "pass", "\(String(describing: work))")
    }

    /// Each defect: the verdict is never a pass, and the output names what went wrong.
    @Test(arguments: [
        ("misspelled-op", "unknown op \"checkpoint.comit\""),
        ("wrong-case-outcome", "$.outcome"),
        ("missing-value-field", "lacks the required property 'sha256'"),
        ("unknown-event", "unknown event \"progress\""),
        ("acknowledges-nothing", "0 of 100 checkpoint.commit"),
        ("never-performs", "0 of 100 checkpoint.commit"),
        ("wrong-done-count", "its done event counts 11 ops, but it wrote 10 op lines"),
    ])
    func aSloppyWorkerNeverPasses(defect: String, named: String) throws {
        let run = try Self.run(defect, ["concurrent-checkpoints.yaml"])
        let verdict = run.scenarios.first?["verdict"]?.stringValue
        #expect(verdict == "unknown" || verdict == "fail", "\(defect): \(verdict ?? "?")")
        #expect(run.result.status == 1 || run.result.status == 3)
        #expect(run.result.stdout.contains(named), "\(defect): \(run.result.stdout)")
    }

    /// The end-of-run reader's lines go through the same validation: a state that is not an
    /// object gives nothing to judge, so the scenario is unknown.
    @Test func aReaderThatBreaksTheProtocolMakesTheScenarioUnknown() throws {
        let run = try Self.run("reader-bad-state", ["concurrent-checkpoints.yaml"])
        #expect(run.scenarios.first?["verdict"]?.stringValue == "unknown", "\(run.result.stdout)")
        #expect(run.result.stdout.contains("worker reader broke the worker protocol at line 2"), "\(run.result.stdout)")
    }

    @Test func anUnclosedQuoteInTheWorkerCommandIsBadInput() throws {
        let result = try Binaries.run(Binaries.ordeal, ["run", Self.scenarios + "/concurrent-checkpoints.yaml", "--worker", "python3 'a.py"])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("--worker: the quote ' in `python3 'a.py` is not closed"), "\(result.stderr)")
    }

    @Test func aScenarioNeedingARoleTheWorkerDoesNotDeclareIsNotApplicable() throws {
        let run = try Self.run("checkpoints-only", ["concurrent-checkpoints.yaml", "stress-lease-contention.yaml"])
        #expect(run.result.status == 0, "one scenario judged the worker and passed: \(run.result.stdout)")
        let verdicts = Dictionary(uniqueKeysWithValues: run.scenarios.map { ($0["name"]?.stringValue ?? "", $0) })
        #expect(verdicts["concurrent-checkpoints"]?["verdict"]?.stringValue == "pass")
        let lease = try #require(verdicts["stress-lease-contention"])
        #expect(lease["verdict"]?.stringValue == "not-applicable")
        #expect(lease["not_applicable"]?.stringValue?.contains("role lease-worker") == true, "\(lease)")
        #expect(run.report["counts"]?["not-applicable"]?.intValue == 1)
        #expect(run.report["worker"]?["core"]?["name"]?.stringValue == "sloppy-fixture")
        #expect(run.result.stdout.contains("NOT-APPLICABLE"))
        let markdown = try String(contentsOfFile: run.folder + "/report.md", encoding: .utf8)
        #expect(markdown.contains("1 not applicable (1 judged the worker)"), "\(markdown.prefix(400))")
        #expect(markdown.contains("Judged: core sloppy-fixture 1"))
        let junit = try String(contentsOfFile: run.folder + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<skipped message=\"not applicable: the worker does not declare role lease-worker"))
    }

    @Test func requireAllMakesANotApplicableScenarioFailTheRun() throws {
        let run = try Self.run("checkpoints-only", ["stress-lease-contention.yaml"], ["--require-all"])
        #expect(run.result.status == ExitStatus.failed.rawValue, "\(run.result.stdout)")
        #expect(run.report["verdict"]?.stringValue == "fail")
    }

    @Test func aRunWhereNoScenarioJudgedTheWorkerIsUnknown() throws {
        let run = try Self.run("checkpoints-only", ["stress-lease-contention.yaml"])
        #expect(run.result.status == ExitStatus.unknown.rawValue, "\(run.result.stdout)")
        #expect(run.report["verdict"]?.stringValue == "unknown")
    }
}

/// `ordeal worker check`: clean for Ordeal's own worker, each defect named for a sloppy one,
/// undeclared roles skipped and said so.
@Suite struct WorkerCheckTests {
    static func check(_ command: String) throws -> Binaries.Result {
        try Binaries.run(Binaries.ordeal, ["worker", "check", command, "--out", try Binaries.temporaryDirectory() + "/check"])
    }

    @Test func ordealsOwnWorkerIsCleanInEveryRole() throws {
        let result = try Self.check(Binaries.worker)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        for role in ["checkpoint-writer", "task-runner", "lease-worker", "sweeper", "cache-client", "tool-client"] {
            #expect(result.stdout.contains("PASS  \(role)"), "\(result.stdout)")
        }
        #expect(result.stdout.contains("protocol 2"))
    }

    @Test func theKitsReferenceWorkerIsCleanInTheRolesItDeclares() throws {
        let foreign = ForeignWorkerVerdictTests.root.appendingPathComponent("Tests/Fixtures/foreign_worker.py").path
        let result = try Self.check("python3 \(foreign)")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("core foreign-python-sqlite 1.0, protocol 2"))
        #expect(result.stdout.contains("PASS  checkpoint-writer"))
        #expect(result.stdout.contains("SKIP  task-runner"))
    }

    @Test func aMisspelledOpIsNamedWithItsLine() throws {
        let result = try Self.check("python3 \(ForeignWorkerVerdictTests.sloppy) misspelled-op")
        #expect(result.status == ExitStatus.failed.rawValue, "\(result.stdout)")
        #expect(result.stdout.contains("FAIL  checkpoint-writer"))
        #expect(result.stdout.contains("at line 2 of its output: unknown op \"checkpoint.comit\""), "\(result.stdout)")
        #expect(result.stdout.contains("NOT CLEAN"))
    }

    @Test func rolesTheWorkerDoesNotDeclareAreSkippedAndSaidSo() throws {
        let result = try Self.check("python3 \(ForeignWorkerVerdictTests.sloppy) checkpoints-only")
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("PASS  checkpoint-writer"))
        #expect(result.stdout.contains("SKIP  lease-worker"))
        #expect(result.stdout.contains("does not declare role lease-worker"))
    }
}

/// What an adapter author reads: `ordeal-worker --help` and docs/worker-protocol.md name every
/// option the standard roles take, and the published schema is the one the runner validates with.
@Suite struct WorkerDocumentationTests {
    static let doc = ForeignWorkerVerdictTests.root.appendingPathComponent("docs/worker-protocol.md").path

    @Test func theWorkerHelpAndTheProtocolDocNameEveryOption() throws {
        let help = try Binaries.run(Binaries.worker, ["--help"])
        #expect(help.status == 0)
        let doc = try String(contentsOfFile: Self.doc, encoding: .utf8)
        let options = help.stdout.split(separator: "\n").filter { $0.hasPrefix("  --") }.map { String($0.dropFirst(2).split(separator: " ")[0]) }
        #expect(options.count >= 20, "\(help.stdout)")
        for option in options { #expect(doc.contains("| `\(option)` |"), "docs/worker-protocol.md lacks \(option)") }
        #expect(help.stdout.contains("roles: cache-client, checkpoint-writer, lease-worker, reader, retention, sweeper, task-runner, tool-client"))
    }

    @Test func thePublishedSchemaIsTheOneTheRunnerValidatesWith() throws {
        let published = try String(
            contentsOfFile: ForeignWorkerVerdictTests.root.appendingPathComponent("docs/worker-protocol.schema.json").path, encoding: .utf8)
        #expect(published == WorkerProtocol.schemaText)
        #expect(WorkerProtocol.knownOps.count == 14)
    }

    @Test func theProtocolDocListsWhatEveryBuiltInScenarioPasses() throws {
        let doc = try String(contentsOfFile: Self.doc, encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: ForeignWorkerVerdictTests.scenarios).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 20)
        for file in files {
            let text = try String(contentsOfFile: ForeignWorkerVerdictTests.scenarios + "/" + file, encoding: .utf8)
            let name = String(file.dropLast(".yaml".count))
            var role = "?"
            for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if line.hasPrefix("role:") || line.hasPrefix("- role:") { role = String(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
                guard line.hasPrefix("params:") else { continue }
                let params = line.dropFirst("params:".count).trimmingCharacters(in: .whitespaces)
                #expect(doc.contains("| `\(name)` | \(role) | `\(params)` |"), "docs/worker-protocol.md lacks \(name)'s \(role) params \(params)")
            }
        }
    }
}
