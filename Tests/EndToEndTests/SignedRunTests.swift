import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Foundation
import OrdealSupport
import Testing

/// A run signed with `ordeal keygen`'s key verifies with `ordeal verify` and with an
/// independent implementation (Python's `cryptography`), and any change to it is caught.
@Suite(.serialized) struct SignedRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// One signed run of a small scenario; returns (run folder, key prefix).
    func signedRun() throws -> (String, String) {
        let dir = try Binaries.temporaryDirectory()
        let keys = try Binaries.run(Binaries.ordeal, ["keygen", "--out", dir + "/key"])
        #expect(keys.status == 0, "\(keys.stderr)")
        let file = dir + "/small.yaml"
        try """
            name: small
            workers:
              - role: checkpoint-writer
                params: {task: t, count: 400}
            faults:
              - kind: kill
                target: checkpoint-writer
                after_ops: 5
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/run", "--sign-key", dir + "/key.key"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        return (dir + "/run", dir + "/key")
    }

    @Test func aSignedRunVerifiesAndItsReportMatchesTheSchema() throws {
        let (run, key) = try signedRun()
        let verify = try Binaries.run(Binaries.ordeal, ["verify", run, "--pubkey", key + ".pub"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("signature checked"))
        let schema = try JSONSchema(JSONParser.parse(ReportSchema.text))
        let report = try JSONParser.parse(String(contentsOfFile: run + "/report.json", encoding: .utf8))
        #expect(schema.validate(report) == [])
        for file in ["report.md", "report.html", "junit.xml", "manifest.json", "attestation.dsse.json"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + file), "the run folder lacks \(file)")
        }
        let artifacts = (report["artifacts"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(artifacts.contains("scenarios/small/history.jsonl"))
        #expect(artifacts.contains("scenarios/small/scenario.yaml"))
        #expect(artifacts.contains { $0.hasSuffix("/ordeal-worker") })
    }

    @Test func anIndependentImplementationVerifiesTheSignature() throws {
        let (run, key) = try signedRun()
        let python = try Binaries.run("/usr/bin/env", ["python3", Self.repository + "/ci/verify_dsse.py", run, key + ".pub"])
        #expect(python.status == 0, "\(python.stdout)\n\(python.stderr)")
    }

    @Test func verifyNamesAChangedAMissingAndAnAddedFileAndAnotherKey() throws {
        let (run, key) = try signedRun()
        let history = run + "/scenarios/small/history.jsonl"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: history))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: history))
        try FileManager.default.removeItem(atPath: run + "/report.md")
        try "x".write(toFile: run + "/added.txt", atomically: true, encoding: .utf8)
        let verify = try Binaries.run(Binaries.ordeal, ["verify", run, "--pubkey", key + ".pub"])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("scenarios/small/history.jsonl: CHANGED"))
        #expect(verify.stdout.contains("report.md: MISSING"))
        #expect(verify.stdout.contains("added.txt: ADDED"))
        let other = try Binaries.temporaryDirectory() + "/other"
        _ = try Binaries.run(Binaries.ordeal, ["keygen", "--out", other])
        let wrongKey = try Binaries.run(Binaries.ordeal, ["verify", run, "--pubkey", other + ".pub"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stdout.contains("KEY MISMATCH"))
    }

    @Test func reportRebuildsEveryFileFromTheHistoryAndTheRunStillVerifies() throws {
        let (run, key) = try signedRun()
        let before = try JSONParser.parse(String(contentsOfFile: run + "/report.json", encoding: .utf8))
        try FileManager.default.removeItem(atPath: run + "/report.md")
        try FileManager.default.removeItem(atPath: run + "/junit.xml")
        let rebuild = try Binaries.run(Binaries.ordeal, ["report", run, "--sign-key", key + ".key"])
        #expect(rebuild.status == 0, "\(rebuild.stdout)\n\(rebuild.stderr)")
        let after = try JSONParser.parse(String(contentsOfFile: run + "/report.json", encoding: .utf8))
        #expect(after["verdict"] == before["verdict"])
        let checks = { (r: JSONValue) in r["scenarios"]?.arrayValue?.first?["checks"] }
        #expect(checks(after) == checks(before))
        #expect(FileManager.default.fileExists(atPath: run + "/report.md"))
        #expect(FileManager.default.fileExists(atPath: run + "/junit.xml"))
        let verify = try Binaries.run(Binaries.ordeal, ["verify", run, "--pubkey", key + ".pub"])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func keygenRefusesToOverwriteAKey() throws {
        let prefix = try Binaries.temporaryDirectory() + "/k"
        #expect(try Binaries.run(Binaries.ordeal, ["keygen", "--out", prefix]).status == 0)
        let again = try Binaries.run(Binaries.ordeal, ["keygen", "--out", prefix])
        #expect(again.status == ExitStatus.badInput.rawValue)
        #expect(again.stderr.contains(prefix + "."), "the error should name the file: \(again.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: prefix + ".key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
