import Evidence
import Foundation
import OrdealSupport
import Testing

/// A signed sample run in a temporary folder.
private struct SignedRun {
    let dir: TemporaryDirectory
    let key: SigningKey
    let manifest: Manifest

    init(algorithm: SignatureAlgorithm = .ecdsaP256) throws {
        dir = try TemporaryDirectory()
        try makeSampleRun(in: dir)
        key = SigningKey(generating: algorithm)
        try Attestation.sign(directory: dir.path, key: key, predicate: samplePredicate)
        manifest = try Manifest.decode(dir.read("manifest.json")).manifest
    }

    func verify(_ publicKey: VerifyingKey? = nil) -> VerificationResult {
        Verifier.verify(directory: dir.path, publicKey: publicKey ?? key.publicKey)
    }

    func envelope() throws -> DSSE.Envelope { try DSSE.Envelope(decoding: dir.read(Attestation.fileName)) }

    func replaceEnvelope(_ envelope: DSSE.Envelope) throws { try dir.write(Attestation.fileName, envelope.encoded()) }
}

private func hasProblem(_ result: VerificationResult, _ prefix: String, _ cause: String) -> Bool {
    result.problems.contains { $0.hasPrefix(prefix) && $0.contains(cause) }
}

@Suite struct VerifierTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func untouchedSignedRunPasses(algorithm: SignatureAlgorithm) throws {
        let run = try SignedRun(algorithm: algorithm)
        defer { run.dir.remove() }
        let result = run.verify()
        #expect(result.ok, "\(result.problems)")
        #expect(result.signatureChecked)
        #expect(result.checkedFiles == 7)
        #expect(result.problems.isEmpty && result.notes.isEmpty)
    }

    @Test func withoutAPublicKeyTheSignatureIsNotCheckedAndSaysSo() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        let result = Verifier.verify(directory: run.dir.path, publicKey: nil)
        #expect(result.ok)
        #expect(!result.signatureChecked)
        #expect(result.notes == ["attestation.dsse.json: the signature was not checked because no public key was given"])
    }

    @Test func oneByteChangedInAnyFileIsNamed() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        for artifact in run.manifest.artifacts {
            let original = try run.dir.read(artifact.path)
            var changed = original
            changed[changed.count / 2] ^= 0x20
            try run.dir.write(artifact.path, changed)
            let result = run.verify()
            #expect(!result.ok)
            #expect(result.problems == ["\(artifact.path): CHANGED: sha256 is \(Digest.sha256Hex(changed)), manifest.json lists \(artifact.sha256)"])
            try run.dir.write(artifact.path, original)
        }
        #expect(run.verify().ok)
    }

    @Test func aFileOfAnotherSizeIsNamedWithBothSizes() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        try run.dir.write("report.md", "short")
        #expect(run.verify().problems == ["report.md: CHANGED: 5 bytes, manifest.json lists \(run.manifest.artifacts[1].bytes)"])
    }

    @Test func aRemovedFileIsMissing() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        try run.dir.delete("scenarios/lease-expiry/history.jsonl")
        let result = run.verify()
        #expect(result.problems == ["scenarios/lease-expiry/history.jsonl: MISSING: listed in manifest.json but not in the run folder"])
        #expect(result.checkedFiles == 6)
    }

    @Test func anAddedFileIsNamedEvenATemporaryOne() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        try run.dir.write("scenarios/extra.txt", "late")
        try run.dir.write(".report.json.1.tmp", "half")
        #expect(run.verify().problems == [
            ".report.json.1.tmp: ADDED: present in the run folder but not listed in manifest.json",
            "scenarios/extra.txt: ADDED: present in the run folder but not listed in manifest.json",
        ])
    }

    @Test func aSwappedPublicKeyIsAKeyMismatch() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        let other = SigningKey(generating: .ecdsaP256).publicKey
        let result = run.verify(other)
        #expect(result.signatureChecked)
        #expect(result.problems == [
            "attestation.dsse.json: KEY MISMATCH: signed by keyid \(run.key.publicKey.keyID), not by the given public key (keyid \(other.keyID))"
        ])
    }

    @Test func anAlteredPayloadIsABadSignature() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        var envelope = try run.envelope()
        let text = String(decoding: envelope.payload, as: UTF8.self)
        envelope.payload = Array(text.replacingOccurrences(of: "\"pass\"", with: "\"PASS\"").utf8)
        #expect(envelope.payload != (try run.envelope().payload))
        try run.replaceEnvelope(envelope)
        let result = run.verify()
        #expect(result.problems.count == 1)
        #expect(hasProblem(result, "attestation.dsse.json: BAD SIGNATURE", "the payload or the signature was altered"))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func anAlteredSignatureIsABadSignature(algorithm: SignatureAlgorithm) throws {
        let run = try SignedRun(algorithm: algorithm)
        defer { run.dir.remove() }
        var envelope = try run.envelope()
        envelope.signatures[0].sig[envelope.signatures[0].sig.count - 3] ^= 0x01
        try run.replaceEnvelope(envelope)
        let result = run.verify()
        #expect(result.problems.count == 1)
        #expect(hasProblem(result, "attestation.dsse.json: BAD SIGNATURE", "does not verify"))
    }

    @Test func anEditedManifestIsNamed() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        let original = try run.dir.read("manifest.json")
        // Someone "fixes" a digest by hand: the self digest no longer matches.
        let text = String(decoding: original, as: UTF8.self)
        let edited = text.replacingOccurrences(of: run.manifest.artifacts[0].sha256, with: String(repeating: "0", count: 64))
        try run.dir.write("manifest.json", edited)
        let result = run.verify()
        #expect(hasProblem(result, "manifest.json: self_digest is", "the manifest was edited"))
        #expect(hasProblem(result, "report.json: CHANGED", "manifest.json lists 0000"))
        #expect(hasProblem(result, "attestation.dsse.json: subject 'manifest.json'", "changed after signing"))
    }

    @Test func aForgedButConsistentManifestIsCaughtByTheSignature() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        try run.dir.write("report.json", "{\"verdict\":\"pass\",\"forged\":true}")
        try Manifest.write(directory: run.dir.path)  // a consistent manifest over the forged file
        let result = run.verify()
        #expect(result.problems.count == 2, "\(result.problems)")
        #expect(hasProblem(result, "attestation.dsse.json: subject 'manifest.json'", "changed after signing"))
        #expect(hasProblem(result, "attestation.dsse.json: subject 'report.json' has sha256", "manifest.json lists"))
    }

    @Test func malformedOrMissingManifestIsAProblem() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        try run.dir.write("manifest.json", "{\"artifacts\":")
        #expect(hasProblem(run.verify(), "manifest.json: malformed", "not valid JSON"))
        try run.dir.delete("manifest.json")
        #expect(hasProblem(run.verify(), "manifest.json: MISSING", "no manifest"))
    }

    @Test func aKeyButNoAttestationMeansTheRunIsNotSigned() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeSampleRun(in: dir)
        try Manifest.write(directory: dir.path)
        let key = SigningKey(generating: .ed25519).publicKey
        let result = Verifier.verify(directory: dir.path, publicKey: key)
        #expect(!result.signatureChecked)
        #expect(result.problems.count == 1 && result.problems[0].contains("the run is not signed"))
        #expect(Verifier.verify(directory: dir.path).ok)
    }

    @Test func aMalformedEnvelopeIsNamed() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        try run.dir.write("attestation.dsse.json", "{\"payload\":\"%%%\",\"payloadType\":\"x\",\"signatures\":[]}")
        #expect(hasProblem(run.verify(), "attestation.dsse.json: malformed", "payload that is not base64"))
    }

    @Test func theSchemaHookSeesReportJSONAndItsProblemsArePrefixed() throws {
        let run = try SignedRun()
        defer { run.dir.remove() }
        var seen: JSONValue?
        let result = Verifier.verify(directory: run.dir.path, publicKey: run.key.publicKey) { report in
            seen = report
            return report["verdict"] == "pass" ? ["schemaVersion 1 is too old"] : []
        }
        #expect(seen?["summary"] == "2 scenarios")
        #expect(result.problems == ["report.json: schemaVersion 1 is too old"])
        try run.dir.write("report.json", "{oops")
        let broken = Verifier.verify(directory: run.dir.path, schemaCheck: { _ in [] })
        #expect(broken.problems.contains { $0.hasPrefix("report.json: invalid JSON at byte 1") })
    }
}
