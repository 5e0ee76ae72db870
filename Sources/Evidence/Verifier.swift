import OrdealSupport

/// What `Verifier.verify` found: one line per problem, each naming the file and the cause.
public struct VerificationResult: Sendable, Equatable {
    /// One sentence per problem, `<file>: <cause>`, e.g.
    /// `scenarios/a/history.jsonl: CHANGED: sha256 is 3f…, manifest.json lists 9c…`.
    /// Files are named relative to the run folder; the causes are `CHANGED`, `MISSING`, `ADDED`,
    /// and for `manifest.json` and `attestation.dsse.json` a sentence.
    public var problems: [String]
    /// Lines that are not problems but limit what was shown, e.g. that the signature was not
    /// checked because no public key was given.
    public var notes: [String]
    /// How many files listed in the manifest were read and compared with it.
    public var checkedFiles: Int
    /// True when a public key was given and the attestation's signature was checked with it
    /// (whether or not it verified: see `problems`).
    public var signatureChecked: Bool

    /// True when there is no problem.
    public var ok: Bool { problems.isEmpty }
}

/// Checks a run folder against its `manifest.json` and, when there is one, its
/// `attestation.dsse.json`. Never throws: every failure is a line in `problems`.
public enum Verifier {
    /// Verifies the run folder `directory`:
    ///
    /// 1. `manifest.json` parses, has the documented shape (`Manifest.decode`), is in canonical
    ///    form, and its `self_digest` matches its content.
    /// 2. Every listed file exists and has the listed size and SHA-256 (else `CHANGED` or
    ///    `MISSING`); every other file in the folder is `ADDED` (only `manifest.json` and
    ///    `attestation.dsse.json` at the top are exempt; a leftover `*.tmp` counts as added).
    /// 3. If `attestation.dsse.json` exists: it is a well-formed DSSE envelope holding an in-toto
    ///    statement whose subjects equal the manifest's artifacts plus `manifest.json`'s digest;
    ///    with `publicKey`, some signature carries the key's id and verifies over the PAE.
    ///    Without `publicKey`, `signatureChecked` is false and `notes` says so.
    ///    With `publicKey` but no attestation, "the run is not signed" is a problem.
    /// 4. With `schemaCheck`, `schemaFile` (report.json of a run, results.json of a bench run)
    ///    is parsed and the closure's problems are added, prefixed with the file's name.
    public static func verify(
        directory: String, publicKey: VerifyingKey? = nil, schemaFile: String = "report.json",
        schemaCheck: ((JSONValue) -> [String])? = nil
    ) -> VerificationResult {
        var result = VerificationResult(problems: [], notes: [], checkedFiles: 0, signatureChecked: false)
        guard Files.kind(directory) == .directory else {
            result.problems.append("\(directory): not a directory, so there is no run to verify")
            return result
        }
        let entries: [String: Files.EntryKind]
        do {
            entries = Dictionary(try Files.walk(directory).map { ($0.path, $0.kind) }, uniquingKeysWith: { a, _ in a })
        } catch {
            result.problems.append("\(directory): the folder cannot be listed (\(error))")
            return result
        }
        let manifestBytes = readReserved(Manifest.fileName, in: directory, entries: entries, into: &result)
        let manifest = manifestBytes.flatMap { checkManifest($0, into: &result) }
        if let manifest { checkFiles(manifest, directory: directory, entries: entries, into: &result) }
        checkAttestation(
            directory: directory, entries: entries, manifest: manifest, manifestBytes: manifestBytes,
            publicKey: publicKey, into: &result)
        if let schemaCheck { checkReport(directory: directory, file: schemaFile, schemaCheck, into: &result) }
        return result
    }

    /// The bytes of `manifest.json`, or nil with the problem recorded.
    private static func readReserved(
        _ name: String, in directory: String, entries: [String: Files.EntryKind], into result: inout VerificationResult
    ) -> [UInt8]? {
        guard let kind = entries[name] else {
            result.problems.append("\(name): MISSING: the run folder has no manifest, so no file can be checked")
            return nil
        }
        guard kind == .file else {
            result.problems.append("\(name): not a regular file, so it cannot be trusted")
            return nil
        }
        do { return try Files.readAll(directory + "/" + name) } catch {
            result.problems.append("\(name): cannot be read (\(error))")
            return nil
        }
    }

    private static func checkManifest(_ bytes: [UInt8], into result: inout VerificationResult) -> Manifest? {
        let decoded: (manifest: Manifest, recordedSelfDigest: String)
        do { decoded = try Manifest.decode(bytes) } catch {
            result.problems.append("\(Manifest.fileName): malformed: \(error.message)")
            return nil
        }
        let manifest = decoded.manifest
        if decoded.recordedSelfDigest != manifest.selfDigest {
            result.problems.append(
                "\(Manifest.fileName): self_digest is \(decoded.recordedSelfDigest), but its content hashes to "
                    + "\(manifest.selfDigest): the manifest was edited")
        } else if manifest.encoded() != bytes {
            result.problems.append("\(Manifest.fileName): not in canonical JSON form: the manifest was edited")
        }
        return manifest
    }

    private static func checkFiles(
        _ manifest: Manifest, directory: String, entries: [String: Files.EntryKind], into result: inout VerificationResult
    ) {
        var listed: Set<String> = []
        for artifact in manifest.artifacts {
            listed.insert(artifact.path)
            let path = artifact.path
            guard let kind = entries[path] else {
                result.problems.append("\(path): MISSING: listed in manifest.json but not in the run folder")
                continue
            }
            guard kind == .file else {
                result.problems.append("\(path): CHANGED: \(describe(kind)), no longer a regular file")
                continue
            }
            let actual: (bytes: Int64, sha256: String)
            do { actual = try Manifest.hash(file: directory + "/" + path) } catch {
                result.problems.append("\(path): cannot be read (\(error))")
                continue
            }
            result.checkedFiles += 1
            if actual.bytes != artifact.bytes {
                result.problems.append("\(path): CHANGED: \(actual.bytes) bytes, manifest.json lists \(artifact.bytes)")
            } else if actual.sha256 != artifact.sha256 {
                result.problems.append("\(path): CHANGED: sha256 is \(actual.sha256), manifest.json lists \(artifact.sha256)")
            }
        }
        let added = entries.keys.filter { !listed.contains($0) && !Manifest.reservedNames.contains($0) }
        for path in added.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let what = entries[path] == .file ? "" : " (\(describe(entries[path]!)))"
            result.problems.append("\(path): ADDED: present in the run folder\(what) but not listed in manifest.json")
        }
    }

    private static func describe(_ kind: Files.EntryKind) -> String {
        switch kind {
        case .file: "a regular file"
        case .directory: "a directory"
        case .other(let name): "a \(name)"
        }
    }

    private static func checkAttestation(
        directory: String, entries: [String: Files.EntryKind], manifest: Manifest?, manifestBytes: [UInt8]?,
        publicKey: VerifyingKey?, into result: inout VerificationResult
    ) {
        let name = Attestation.fileName
        guard entries[name] != nil else {
            if let publicKey {
                result.problems.append(
                    "\(name): MISSING: the run is not signed, so it cannot be checked against the public key \(publicKey.keyID)")
            } else {
                result.notes.append("\(name): absent: the run is not signed")
            }
            return
        }
        let envelope: DSSE.Envelope
        do throws(EvidenceError) {
            guard entries[name] == .file else { throw EvidenceError(.malformedEnvelope, "it is not a regular file") }
            envelope = try DSSE.Envelope(decoding: try Files.readAll(directory + "/" + name))
        } catch {
            result.problems.append("\(name): malformed: \(error.message)")
            return
        }
        if let publicKey {
            result.signatureChecked = true
            let mine = envelope.signatures.filter { $0.keyID == publicKey.keyID }
            if mine.isEmpty {
                let ids = envelope.signatures.map(\.keyID).joined(separator: ", ")
                result.problems.append(
                    "\(name): KEY MISMATCH: signed by keyid \(ids), not by the given public key (keyid \(publicKey.keyID))")
            } else if !mine.contains(where: { publicKey.isValidSignature($0.sig, for: envelope.pae) }) {
                result.problems.append(
                    "\(name): BAD SIGNATURE: the signature does not verify with the public key (keyid \(publicKey.keyID)) "
                        + "over the DSSE PAE: the payload or the signature was altered after signing")
            }
        } else {
            result.notes.append("\(name): the signature was not checked because no public key was given")
        }
        guard envelope.payloadType == DSSE.inTotoPayloadType else {
            result.problems.append("\(name): payloadType is '\(envelope.payloadType)', expected '\(DSSE.inTotoPayloadType)'")
            return
        }
        let subjects: [Attestation.Subject]
        do { subjects = try Attestation.decodeStatement(envelope.payload).subjects } catch {
            result.problems.append("\(name): malformed: \(error.message)")
            return
        }
        checkSubjects(subjects, manifest: manifest, manifestBytes: manifestBytes, into: &result)
    }

    /// Compares the statement's subjects with the manifest's artifacts plus `manifest.json`.
    private static func checkSubjects(
        _ subjects: [Attestation.Subject], manifest: Manifest?, manifestBytes: [UInt8]?, into result: inout VerificationResult
    ) {
        let name = Attestation.fileName
        var signed: [String: String] = [:]
        for subject in subjects {
            if signed.updateValue(subject.sha256, forKey: subject.name) != nil {
                result.problems.append("\(name): subject '\(subject.name)' appears more than once")
            }
        }
        if let manifestBytes {
            let actual = Digest.sha256Hex(manifestBytes)
            if let recorded = signed[Manifest.fileName], recorded != actual {
                result.problems.append(
                    "\(name): subject 'manifest.json' has sha256 \(recorded), but manifest.json hashes to \(actual): "
                        + "the manifest was changed after signing")
            } else if signed[Manifest.fileName] == nil {
                result.problems.append("\(name): no subject for 'manifest.json', so the manifest is not covered by the signature")
            }
        }
        guard let manifest else { return }  // its problem is already reported
        var expected: Set<String> = [Manifest.fileName]
        for artifact in manifest.artifacts {
            expected.insert(artifact.path)
            guard let recorded = signed[artifact.path] else {
                result.problems.append("\(name): no subject for '\(artifact.path)', which manifest.json lists")
                continue
            }
            if recorded != artifact.sha256 {
                result.problems.append(
                    "\(name): subject '\(artifact.path)' has sha256 \(recorded), but manifest.json lists \(artifact.sha256)")
            }
        }
        for subject in subjects where !expected.contains(subject.name) {
            result.problems.append("\(name): subject '\(subject.name)' is not listed in manifest.json")
        }
    }

    private static func checkReport(
        directory: String, file: String, _ schemaCheck: (JSONValue) -> [String], into result: inout VerificationResult
    ) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(try Files.readAll(directory + "/" + file))
        } catch let error as EvidenceError {
            result.problems.append("\(file): cannot be read for the schema check (\(error))")
            return
        } catch {
            result.problems.append("\(file): \(error)")
            return
        }
        result.problems += schemaCheck(value).map { "\(file): \($0)" }
    }
}
