import OrdealSupport

/// A signed in-toto statement about a run folder: `attestation.dsse.json`.
///
/// ## File format
///
/// `attestation.dsse.json` is a `DSSE.Envelope` (canonical JSON, no trailing newline) with
/// `payloadType` `application/vnd.in-toto+json`, one signature per signer, and as payload the
/// canonical JSON bytes of an in-toto Statement v1:
///
/// ```json
/// {"_type":"https://in-toto.io/Statement/v1",
///  "predicate":{ ...caller's JSON: verdict, summary... },
///  "predicateType":"https://ordeal.dev/attestation/run/v1",
///  "subject":[{"digest":{"sha256":"<hex>"},"name":"<artifact path>"}, ...,
///             {"digest":{"sha256":"<hex of manifest.json's bytes>"},"name":"manifest.json"}]}
/// ```
///
/// The subjects are every manifest artifact in manifest order, then `manifest.json` itself, so
/// the signature covers the manifest's exact bytes and, through it, every file.
/// The signature (ECDSA P-256 DER over SHA-256, or Ed25519) is over
/// `DSSE.pae(payloadType:payload:)`, as cosign and sigstore verify DSSE.
public enum Attestation {
    /// `attestation.dsse.json`.
    public static let fileName = "attestation.dsse.json"
    /// The in-toto statement type.
    public static let statementType = "https://in-toto.io/Statement/v1"
    /// The predicate type of an Ordeal run attestation.
    public static let predicateType = "https://ordeal.dev/attestation/run/v1"

    /// One subject of the statement: a file name and its SHA-256.
    public struct Subject: Sendable, Hashable {
        /// The path relative to the run folder.
        public var name: String
        /// Lower-case hex SHA-256 of the file's bytes.
        public var sha256: String

        /// A subject entry.
        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    /// The subjects that attest `manifest` whose file bytes are `manifestBytes`.
    public static func subjects(manifest: Manifest, manifestBytes: [UInt8]) -> [Subject] {
        manifest.artifacts.map { Subject(name: $0.path, sha256: $0.sha256) }
            + [Subject(name: Manifest.fileName, sha256: Digest.sha256Hex(manifestBytes))]
    }

    /// The in-toto statement for `subjects` and `predicate`.
    public static func statement(subjects: [Subject], predicate: JSONValue) -> JSONValue {
        .object([
            "_type": .string(statementType),
            "subject": .array(subjects.map { .object(["name": .string($0.name), "digest": .object(["sha256": .string($0.sha256)])]) }),
            "predicateType": .string(predicateType),
            "predicate": predicate,
        ])
    }

    /// Signs the run in `directory`: writes a fresh `manifest.json` (`Manifest.write`), builds the
    /// statement over it and `predicate`, signs its canonical bytes as a DSSE envelope, and
    /// replaces `attestation.dsse.json` atomically (a `*.tmp` file, then `rename(2)`). Returns
    /// the envelope written. Throws `invalidArgument` when `predicate` holds NaN or an infinity.
    @discardableResult
    public static func sign(directory: String, key: SigningKey, predicate: JSONValue) throws(EvidenceError) -> DSSE.Envelope {
        let manifest = try Manifest.write(directory: directory)
        let statement = statement(subjects: subjects(manifest: manifest, manifestBytes: manifest.encoded()), predicate: predicate)
        let payload: [UInt8]
        do { payload = try CanonicalJSON.encode(statement) } catch {
            throw EvidenceError(.invalidArgument, "the attestation predicate cannot be encoded as JSON (\(error))")
        }
        let envelope = try DSSE.Envelope(signing: payload, payloadType: DSSE.inTotoPayloadType, key: key)
        try Files.writeAtomically(directory + "/" + fileName, envelope.encoded())
        return envelope
    }

    /// The statement inside an envelope's payload, read strictly: `_type` and `predicateType` as
    /// above, a `predicate`, and `subject` entries each exactly `{"digest":{"sha256":hex},"name":...}`.
    /// Throws `malformedEnvelope` naming the flaw.
    public static func decodeStatement(_ payload: [UInt8]) throws(EvidenceError) -> (subjects: [Subject], predicate: JSONValue) {
        func bad(_ reason: String) -> EvidenceError { EvidenceError(.malformedEnvelope, "the in-toto statement \(reason)") }
        let value: JSONValue
        do { value = try JSONParser.parse(payload) } catch { throw bad("is not valid JSON (\(error))") }
        guard let object = value.objectValue else { throw bad("is not a JSON object") }
        guard object["_type"] == .string(statementType) else { throw bad("has _type other than \(statementType)") }
        guard object["predicateType"] == .string(predicateType) else {
            throw bad("has predicateType other than \(predicateType)")
        }
        guard let predicate = object["predicate"] else { throw bad("has no predicate") }
        guard Set(object.keys) == ["_type", "predicate", "predicateType", "subject"] else {
            throw bad("must have exactly the keys _type, predicate, predicateType and subject")
        }
        guard let entries = object["subject"]?.arrayValue else { throw bad("has a subject that is not an array") }
        var subjects: [Subject] = []
        for (index, entry) in entries.enumerated() {
            guard let fields = entry.objectValue, Set(fields.keys) == ["digest", "name"],
                let name = fields["name"]?.stringValue, let digest = fields["digest"]?.objectValue,
                digest.count == 1, let sha256 = digest["sha256"]?.stringValue, Digest.isSHA256Hex(sha256)
            else { throw bad("subject #\(index) must be exactly {\"digest\": {\"sha256\": \"<64 hex>\"}, \"name\": \"...\"}") }
            subjects.append(Subject(name: name, sha256: sha256))
        }
        return (subjects, predicate)
    }
}
