import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import OrdealRunner
import Bench
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
                statement whose subjects are the files) and its signature with --pubkey; and
                validates report.json against the report schema (docs/report.schema.json).

                Fails closed: without a trusted key nothing says who made the run, and anyone
                who can write the folder can rewrite its files, manifest and attestation
                consistently. So without --pubkey verification fails, unless you ask for
                --integrity-only (the digests and the schema alone, said so in the output).

                EXIT CODES
                  0  everything holds (with --integrity-only: everything but the signature)
                  1  something does not (each problem is printed), or no key was given
                  2  bad input (no such folder, not an Ordeal run folder, unreadable key)
                """)

        @Argument(help: "The run folder (e.g. Reports/latest).")
        var directory: String

        @Option(help: "The signer's public key (SPKI PEM), to check the signature.")
        var pubkey: String?

        @Flag(name: .customLong("integrity-only"), help: "Without --pubkey: pass on the digests and the schema alone (proves the files match their manifest, not who made them).")
        var integrityOnly = false

        func run() throws {
            // `Reports/latest` is a link to the run folder: verify the folder it names.
            let directory = URL(fileURLWithPath: self.directory).resolvingSymlinksInPath().path
            guard Posix.kind(directory) == .directory else {
                throw BadInput("\(directory) is not a folder: name a run folder, e.g. Reports/latest")
            }
            // A run folder of `ordeal run` holds report.json; one of `ordeal bench`, results.json.
            let isBench = !Posix.exists(directory + "/report.json") && Posix.exists(directory + "/results.json")
            guard Posix.exists(directory + "/" + Manifest.fileName) || Posix.exists(directory + "/report.json") || isBench else {
                throw BadInput("\(directory) is not an Ordeal run folder (no \(Manifest.fileName), no report.json, no results.json): name the folder `ordeal run --out` or `ordeal bench --out` wrote, e.g. Reports/latest")
            }
            let key: VerifyingKey?
            do { key = try pubkey.map { try VerifyingKey(pemFile: $0) } } catch {
                throw Sealing.keyError(error, option: "--pubkey", path: pubkey ?? "", want: "the signer's public key (the PREFIX.pub `ordeal keygen --out PREFIX` wrote)")
            }
            let schema = try JSONSchema(JSONParser.parse(isBench ? BenchSchema.text : ReportSchema.text))
            let result = Verifier.verify(
                directory: directory, publicKey: key, schemaFile: isBench ? "results.json" : "report.json", schemaCheck: { schema.validate($0) })
            for problem in result.problems { print("FAIL: \(problem)") }
            for note in result.notes { print("note: \(note)") }
            let files = "\(result.checkedFiles) files checked"
            if result.signatureChecked {
                print("\(result.ok ? "OK" : "FAILED"): \(files), signature checked (key \(key?.keyID ?? "?")), \(result.problems.count) problems")
                throw ExitCode(result.ok ? ExitStatus.passed : .failed)
            }
            let notProven = "NOT proven: who made the run, or that it was not rewritten whole (no trusted key, signature not checked)"
            guard integrityOnly else {
                print("FAILED: \(files), \(result.problems.count) problems, but no trusted key was given: the signature was NOT checked, so who made the run, or that it was not rewritten whole, is not proven. Pass --pubkey KEY.pub, or --integrity-only to accept the digests alone")
                throw ExitCode(ExitStatus.failed)
            }
            print("\(result.ok ? "OK (integrity only)" : "FAILED"): \(files), \(result.problems.count) problems; the files match manifest.json and \(isBench ? "results.json" : "report.json") its schema; \(notProven)")
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
                A signed run's attestation would no longer match the rebuilt files: with
                --sign-key (or ORDEAL_SIGNING_KEY) the folder is signed again; without, the
                attestation is removed and a WARNING says the folder is no longer the
                signed one.
                """)

        @Argument(help: "The run folder (e.g. Reports/latest).")
        var directory: String

        @Option(name: .customLong("sign-key"), help: "Sign the rebuilt run with this private key (PKCS#8 PEM file).")
        var signKey: String?

        func run() throws {
            let key = try Sealing.signingKey(file: signKey)
            let directory = URL(fileURLWithPath: self.directory).resolvingSymlinksInPath().path
            let report = try ReportRebuilder.rebuild(
                runDirectory: directory, workerPath: try Tools.workerPath(), signingKeyID: key?.publicKey.keyID)
            let unsigned = try Sealing.seal(report, directory: directory, key: key)
            print("\(report.verdict.rawValue.uppercased()): rebuilt \(Format.count(report.scenarios.count, "scenario")) in \(directory)" + (key == nil ? "" : ", signed again"))
            if unsigned {
                let warning = "WARNING: \(directory) was signed; the rebuilt folder is no longer the signed one (\(Attestation.fileName) removed, `ordeal verify --pubkey` will fail). Pass --sign-key KEY (or ORDEAL_SIGNING_KEY) to sign it again"
                print(warning)
                Tools.warn(warning)
            }
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
            throw keyError(error, option: file == nil ? "ORDEAL_SIGNING_KEY" : "--sign-key", path: file ?? "", want: "a private key in PKCS#8 PEM (the PREFIX.key `ordeal keygen --out PREFIX` wrote)")
        }
    }

    /// Seals a bench run folder as a run's: manifest.json, and a signed attestation with a key.
    static func sealBench(directory: String, key: SigningKey?, backends: [String]) throws {
        _ = try sealFolder(directory, key: key) {
            ["kind": "bench", "tool": tool, "backends": .array(backends.map { .string($0) })]
        }
    }

    /// A key that cannot be read or parsed, as one sentence: the option, the path, why, the fix.
    static func keyError(_ error: any Error, option: String, path: String, want: String) -> BadInput {
        let subject = path.isEmpty ? option : "\(option) \(path)"
        guard let error = error as? EvidenceError else { return BadInput("\(subject): \(error); give \(want)") }
        if let errno = error.errno {
            return BadInput("\(subject): cannot read the key file: \(String(cString: strerror(errno))) (errno \(errno)); give \(want)")
        }
        return BadInput("\(subject): \(error.message); give \(want)")
    }

    /// Seals a run folder: manifest.json, and a signed attestation with a key. Returns true when,
    /// with no key, it removed the attestation of an earlier signing: the folder is then no
    /// longer the signed one, and the caller must say so.
    @discardableResult
    static func seal(_ report: RunReport, directory: String, key: SigningKey?) throws -> Bool {
        try sealFolder(directory, key: key) {
            let counts = Dictionary(grouping: report.scenarios, by: \.verdict).mapValues(\.count)
            return [
                "verdict": .string(report.verdict.rawValue), "run_id": .string(report.runID), "tool": tool,
                "summary": [
                    "scenarios": .int(Int64(report.scenarios.count)), "passed": .int(Int64(counts[.pass] ?? 0)),
                    "failed": .int(Int64(counts[.fail] ?? 0)), "unknown": .int(Int64(counts[.unknown] ?? 0)),
                ],
                "started_at": .string(report.startedAt), "ended_at": .string(report.endedAt),
            ]
        }
    }

    /// The attestation predicate's `tool`.
    static var tool: JSONValue { ["name": "ordeal", "version": .string(OrdealVersion.current)] }

    /// What every run folder's sealing does: a stale attestation removed when there is no key
    /// (returns true then), manifest.json written over every file, and with a key the folder
    /// signed with `predicate`.
    private static func sealFolder(_ directory: String, key: SigningKey?, predicate: () -> JSONValue) throws -> Bool {
        let stale = directory + "/" + Attestation.fileName
        let removed = key == nil && FileManager.default.fileExists(atPath: stale)
        if removed { try FileManager.default.removeItem(atPath: stale) }
        _ = try Manifest.write(directory: directory)
        guard let key else { return removed }
        _ = try Attestation.sign(directory: directory, key: key, predicate: predicate())
        return false
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
