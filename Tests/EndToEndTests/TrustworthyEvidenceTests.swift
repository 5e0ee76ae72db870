import Foundation
import OrdealModel
import OrdealSupport
import Testing

/// Evidence that cannot mislead (issue #12, points 1 to 4), through the real `ordeal` binary:
/// a run folder holds only its own run's files, verification fails closed without a key, a
/// rebuilt signed run says it is no longer signed, and a seed in report.json replays.
@Suite struct TrustworthyEvidenceTests {
    static let small = """
        name: small
        workers:
          - role: checkpoint-writer
            params: {task: t, count: 1500}
        faults:
          - {kind: kill, target: checkpoint-writer, after_ops: 5}
        """

    func scenario(_ dir: String, _ name: String = "small") throws -> String {
        let file = "\(dir)/\(name).yaml"
        try Self.small.replacingOccurrences(of: "name: small", with: "name: \(name)").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func aRunIntoAFolderHoldingAnotherRunIsRefusedUnlessReplacedAndNothingStaleIsSigned() throws {
        let dir = try Binaries.temporaryDirectory()
        _ = try Binaries.run(Binaries.ordeal, ["keygen", "--out", dir + "/k"])
        let a = try scenario(dir, "a"), b = try scenario(dir, "b"), c = try scenario(dir, "c")
        let first = try Binaries.run(Binaries.ordeal, ["run", a, b, "--out", dir + "/D", "--sign-key", dir + "/k.key"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let refused = try Binaries.run(Binaries.ordeal, ["run", c, "--out", dir + "/D", "--sign-key", dir + "/k.key"])
        #expect(refused.status == ExitStatus.badInput.rawValue)
        #expect(refused.stderr.contains("already holds") && refused.stderr.contains("--replace"), "\(refused.stderr)")
        // Refused without touching the earlier run: it still verifies.
        #expect(try Binaries.run(Binaries.ordeal, ["verify", dir + "/D", "--pubkey", dir + "/k.pub"]).status == 0)
        let replaced = try Binaries.run(Binaries.ordeal, ["run", c, "--out", dir + "/D", "--sign-key", dir + "/k.key", "--replace"])
        #expect(replaced.status == 0, "\(replaced.stdout)\(replaced.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/D/scenarios")
        #expect(names == ["c"], "\(names)")
        let envelope = try JSONParser.parse(String(contentsOfFile: dir + "/D/attestation.dsse.json", encoding: .utf8))
        let payload = try JSONParser.parse(String(decoding: Data(base64Encoded: envelope["payload"]?.stringValue ?? "") ?? Data(), as: UTF8.self))
        let subjects = (payload["subject"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(subjects.contains { $0.hasPrefix("scenarios/c/") } && subjects.allSatisfy { !$0.hasPrefix("scenarios/a/") && !$0.hasPrefix("scenarios/b/") }, "\(subjects)")
        // A folder holding something that is no run is never deleted.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try "keep".write(toFile: dir + "/mine/notes.txt", atomically: true, encoding: .utf8)
        let foreign = try Binaries.run(Binaries.ordeal, ["run", c, "--out", dir + "/mine", "--replace"])
        #expect(foreign.status == ExitStatus.badInput.rawValue && FileManager.default.fileExists(atPath: dir + "/mine/notes.txt"))
    }

    @Test func verifyWithoutAKeyFailsUnlessIntegrityAloneIsAskedForAndSaysWhatWasNotProven() throws {
        let dir = try Binaries.temporaryDirectory()
        _ = try Binaries.run(Binaries.ordeal, ["keygen", "--out", dir + "/k"])
        let run = try Binaries.run(Binaries.ordeal, ["run", try scenario(dir), "--out", dir + "/D", "--sign-key", dir + "/k.key"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let keyless = try Binaries.run(Binaries.ordeal, ["verify", dir + "/D"])
        #expect(keyless.status == ExitStatus.failed.rawValue)
        #expect(keyless.stdout.contains("FAILED") && keyless.stdout.contains("--integrity-only"), "\(keyless.stdout)")
        let integrity = try Binaries.run(Binaries.ordeal, ["verify", dir + "/D", "--integrity-only"])
        #expect(integrity.status == 0, "\(integrity.stdout)")
        #expect(integrity.stdout.contains("OK (integrity only)") && integrity.stdout.contains("NOT proven"), "\(integrity.stdout)")
        // A forged verdict, the envelope re-encoded consistently: integrity alone cannot tell,
        // the key can.
        let path = dir + "/D/attestation.dsse.json"
        var envelope = try #require(try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8)).objectValue)
        let payload = String(decoding: Data(base64Encoded: envelope["payload"]?.stringValue ?? "") ?? Data(), as: UTF8.self)
        let forged = payload.replacingOccurrences(of: "\"verdict\":\"pass\"", with: "\"verdict\":\"fail\"")
        #expect(forged != payload)
        envelope["payload"] = .string(Data(forged.utf8).base64EncodedString())
        try PrettyJSON.string(.object(envelope)).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Binaries.run(Binaries.ordeal, ["verify", dir + "/D"]).status == ExitStatus.failed.rawValue)
        #expect(try Binaries.run(Binaries.ordeal, ["verify", dir + "/D", "--pubkey", dir + "/k.pub"]).status == ExitStatus.failed.rawValue)
        // A folder that holds no run is bad input, said so.
        let notRun = try Binaries.run(Binaries.ordeal, ["verify", dir])
        #expect(notRun.status == ExitStatus.badInput.rawValue && notRun.stderr.contains("not an Ordeal run folder"), "\(notRun.stderr)")
    }

    @Test func rebuildingASignedRunWithoutAKeySaysItIsNoLongerSignedAndWithAKeySignsAgain() throws {
        let dir = try Binaries.temporaryDirectory()
        _ = try Binaries.run(Binaries.ordeal, ["keygen", "--out", dir + "/k"])
        _ = try Binaries.run(Binaries.ordeal, ["run", try scenario(dir), "--out", dir + "/D", "--sign-key", dir + "/k.key"])
        let resigned = try Binaries.run(Binaries.ordeal, ["report", dir + "/D", "--sign-key", dir + "/k.key"])
        #expect(resigned.status == 0 && resigned.stdout.contains("signed again"), "\(resigned.stdout)\(resigned.stderr)")
        #expect(try Binaries.run(Binaries.ordeal, ["verify", dir + "/D", "--pubkey", dir + "/k.pub"]).status == 0)
        let unsigned = try Binaries.run(Binaries.ordeal, ["report", dir + "/D"])
        #expect(unsigned.stderr.contains("WARNING") && unsigned.stderr.contains("no longer the signed one"), "\(unsigned.stderr)")
        #expect(unsigned.stdout.contains("no longer the signed one"))
    }

    @Test func aScenarioReplaysFromTheSeedInReportJSON() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = try scenario(dir)
        _ = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/first"])
        let report = try JSONParser.parse(String(contentsOfFile: dir + "/first/report.json", encoding: .utf8))
        // The run's id is its own, not the name of the folder it was written to.
        #expect(report["run_id"]?.stringValue?.wholeMatch(of: /[0-9]{8}T[0-9]{6}Z-[0-9a-f]+/) != nil, "\(report["run_id"] ?? "")")
        let seed = try #require(report["scenarios"]?.arrayValue?.first?["seed"]?.intValue)
        #expect(seed >= 0)
        let replay = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/again", "--seed", String(seed)])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("(seed \(seed))"), "the terminal prints the seed report.json holds: \(replay.stdout)")
        let again = try JSONParser.parse(String(contentsOfFile: dir + "/again/report.json", encoding: .utf8))
        #expect(again["scenarios"]?.arrayValue?.first?["seed"]?.intValue == seed)
        let tooBig = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/big", "--seed", "9223372036854775808"])
        #expect(tooBig.status == ExitStatus.badInput.rawValue && tooBig.stderr.contains("from 0 to 9223372036854775807"))
    }
}

/// Each documented exit code of `ordeal report` and the bare `ordeal`, through the binary
/// (issue #12, point 6; run, verify and bench have theirs in their own suites).
@Suite struct ExitCodeContractTests {
    @Test func reportExitsWithTheRebuiltVerdictAndTwoOnAFolderThatHoldsNoRun() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/lost.yaml"
        try """
            name: lost
            workers:
              - {role: checkpoint-writer, params: {task: t, count: 30}}
            checks: [acked-durable]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let failing = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/fail", "--worker", "\(Binaries.faultyWorker) --fault lost-ack"])
        #expect(failing.status == ExitStatus.failed.rawValue, "\(failing.stdout)\(failing.stderr)")
        #expect(try Binaries.run(Binaries.ordeal, ["report", dir + "/fail"]).status == ExitStatus.failed.rawValue)
        let passing = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/pass"])
        #expect(passing.status == 0)
        #expect(try Binaries.run(Binaries.ordeal, ["report", dir + "/pass"]).status == 0)
        let missing = try Binaries.run(Binaries.ordeal, ["report", dir + "/nowhere"])
        #expect(missing.status == ExitStatus.badInput.rawValue && missing.stderr.contains("not an Ordeal run folder"), "\(missing.stderr)")
    }

    @Test func aKeyFileThatCannotBeReadIsOneSentenceNamingTheOptionThePathAndTheFix() throws {
        let dir = try Binaries.temporaryDirectory()
        let run = try Binaries.run(Binaries.ordeal, ["run", dir + "/none.yaml", "--sign-key", dir + "/missing.key"])
        #expect(run.status == ExitStatus.badInput.rawValue)
        #expect(run.stderr.contains("--sign-key \(dir)/missing.key: cannot read the key file: No such file or directory (errno 2); give a private key"), "\(run.stderr)")
        #expect(!run.stderr.contains("[io]"))
    }

    @Test func reportOfARunWhosePremiseDidNotHappenExitsThree() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/nothing.yaml"
        try """
            name: nothing
            workers:
              - {role: checkpoint-writer, params: {task: t, count: 10}}
            premises: [takeover]
            checks: [acked-durable]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/run"]).status == ExitStatus.unknown.rawValue)
        #expect(try Binaries.run(Binaries.ordeal, ["report", dir + "/run"]).status == ExitStatus.unknown.rawValue)
    }

    @Test func anOutFolderThatCannotBeMadeNamesThePathAndTheReason() throws {
        let dir = try Binaries.temporaryDirectory()
        try Binaries.writeWriterScenarios(dir, [("small", 5)])
        let result = try Binaries.run(Binaries.ordeal, ["run", dir + "/small.yaml", "--out", "/proc/ordeal-x"])
        #expect(result.status == ExitStatus.badInput.rawValue)
        #expect(result.stderr.contains("--out /proc/ordeal-x: cannot create the folder:") && result.stderr.contains("errno"), "\(result.stderr)")
    }

    @Test func theBenchHelpsPostgreSQLExampleIsACommandThatPastes() throws {
        let help = try Binaries.run(Binaries.ordeal, ["bench", "--help"])
        #expect(help.stdout.contains("url=$(bash ci/postgres.sh start | tail -n 1)") && help.stdout.contains("--backend \"sqlite:normal,$url\""))
    }

    @Test func ordealAloneIsAUsageErrorThatPrintsTheHelp() throws {
        let bare = try Binaries.run(Binaries.ordeal, [])
        #expect(bare.status == ExitStatus.badInput.rawValue)
        #expect(bare.stderr.contains("ordeal run") && bare.stderr.contains("ordeal shim") && bare.stderr.contains("ordeal worker"))
        let help = try Binaries.run(Binaries.ordeal, ["run", "--help"])
        #expect(help.status == 0 && FaultKind.allCases.allSatisfy { help.stdout.contains($0.rawValue) }, "\(help.stdout)")
    }
}
