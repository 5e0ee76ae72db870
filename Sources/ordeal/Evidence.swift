import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import OrdealRunner
import Evidence
import Foundation
import OrdealSupport

extension SignatureAlgorithm: ExpressibleByArgument {}

extension Ordeal {
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key pair for signing runs: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).",
            discussion: """
                ECDSA P-256 by default (cosign and other DSSE tools verify it); --algorithm
                ed25519 as an option. Keep PREFIX.key secret (in CI, as a secret holding the
                PEM: pass it to `ordeal run` in ORDEAL_SIGNING_KEY); hand PREFIX.pub to
                whoever verifies your runs. An existing file is never overwritten.
                """)

        @Option(help: "Path prefix of the two files.")
        var out: String

        @Option(help: "ecdsa-p256 or ed25519.")
        var algorithm: SignatureAlgorithm = .ecdsaP256

        func run() throws {
            let files = try KeyGen.write(prefix: out, algorithm: algorithm)
            print("wrote \(files.privateKeyPath) (private, mode 0600) and \(files.publicKeyPath); key id \(files.keyID)")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a run folder: every digest, the manifest, the signature and report.json's schema.",
            discussion: """
                Recomputes the SHA-256 of every file and compares it with manifest.json;
                names each file that changed, is missing or was added; checks the manifest's
                own digest; checks attestation.dsse.json (a DSSE envelope around an in-toto
                statement whose subjects are the files) and, with --pubkey, its signature;
                and validates report.json against the report schema
                (docs/report.schema.json). Without --pubkey the signature is not checked,
                and the output says so.

                EXIT CODES
                  0  everything holds
                  1  something does not (each problem is printed)
                  2  bad input (no such folder, unreadable key)
                """)

        @Argument(help: "The run folder (e.g. Reports/latest).")
        var directory: String

        @Option(help: "The signer's public key (SPKI PEM), to check the signature.")
        var pubkey: String?

        func run() throws {
            // `Reports/latest` is a link to the run folder: verify the folder it names.
            let directory = URL(fileURLWithPath: self.directory).resolvingSymlinksInPath().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw BadInput("\(directory) is not a folder: name a run folder, e.g. Reports/latest")
            }
            let key: VerifyingKey?
            do { key = try pubkey.map { try VerifyingKey(pemFile: $0) } } catch { throw BadInput("--pubkey: \(error)") }
            let schema = try JSONSchema(JSONParser.parse(ReportSchema.text))
            let result = Verifier.verify(directory: directory, publicKey: key, schemaCheck: { schema.validate($0) })
            for problem in result.problems { print("FAIL: \(problem)") }
            for note in result.notes { print("note: \(note)") }
            let signature = result.signatureChecked ? "signature checked" : "signature NOT checked"
            print("\(result.ok ? "OK" : "FAILED"): \(result.checkedFiles) files checked, \(signature), \(result.problems.count) problems")
            throw ExitCode(result.ok ? ExitStatus.passed : .failed)
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild every report file of a run folder from its recorded history, running nothing.",
            discussion: """
                Re-reads each scenario's scenario.yaml, history.jsonl, final-state.json and
                outcome.json, runs today's checkers and analysis on them, and rewrites
                report.json, report.md, report.html, junit.xml, the plots and manifest.json.
                A signed run's attestation no longer matches the rebuilt files: pass
                --sign-key (or ORDEAL_SIGNING_KEY) to sign again.
                """)

        @Argument(help: "The run folder (e.g. Reports/latest).")
        var directory: String

        @Option(name: .customLong("sign-key"), help: "Sign the rebuilt run with this private key (PKCS#8 PEM file).")
        var signKey: String?

        func run() throws {
            let key = try Sealing.signingKey(file: signKey)
            let directory = URL(fileURLWithPath: self.directory).resolvingSymlinksInPath().path
            let report = try ReportRebuilder.rebuild(runDirectory: directory, workerPath: try Tools.workerPath())
            try Sealing.seal(report, directory: directory, key: key)
            print("\(report.verdict.rawValue.uppercased()): rebuilt \(report.scenarios.count) scenarios in \(directory)")
            throw ExitCode(report.exitStatus)
        }
    }
}

/// Seals a run folder: manifest.json over every file, and a signed attestation when a key is given.
enum Sealing {
    /// The key from `--sign-key FILE`, else from the PEM in `$ORDEAL_SIGNING_KEY`, else none.
    static func signingKey(file: String?) throws -> SigningKey? {
        do {
            if let file { return try SigningKey(pemFile: file) }
            if let pem = ProcessInfo.processInfo.environment["ORDEAL_SIGNING_KEY"], !pem.isEmpty {
                return try SigningKey(pemRepresentation: pem)
            }
            return nil
        } catch {
            throw BadInput("signing key (\(file ?? "ORDEAL_SIGNING_KEY")): \(error)")
        }
    }

    static func seal(_ report: RunReport, directory: String, key: SigningKey?) throws {
        let stale = directory + "/" + Attestation.fileName
        if key == nil, FileManager.default.fileExists(atPath: stale) { try FileManager.default.removeItem(atPath: stale) }
        _ = try Manifest.write(directory: directory)
        guard let key else { return }
        let counts = Dictionary(grouping: report.scenarios, by: \.verdict).mapValues(\.count)
        let predicate: JSONValue = [
            "verdict": .string(report.verdict.rawValue), "run_id": .string(report.runID),
            "tool": ["name": "ordeal", "version": .string(OrdealVersion.current)],
            "summary": [
                "scenarios": .int(Int64(report.scenarios.count)), "passed": .int(Int64(counts[.pass] ?? 0)),
                "failed": .int(Int64(counts[.fail] ?? 0)), "unknown": .int(Int64(counts[.unknown] ?? 0)),
            ],
            "started_at": .string(report.startedAt), "ended_at": .string(report.endedAt),
        ]
        _ = try Attestation.sign(directory: directory, key: key, predicate: predicate)
    }
}

/// Under GitHub Actions: the run's summary appended to the step summary, failures as annotations.
enum GitHubActions {
    static func publish(_ report: RunReport) {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(GitHubSummary.markdown(report).utf8))
            try? handle.close()
        } else {
            Tools.warn("warning: cannot append to GITHUB_STEP_SUMMARY (\(path)); the step summary was not written")
        }
        for line in GitHubSummary.annotations(report) { print(line) }
    }
}
