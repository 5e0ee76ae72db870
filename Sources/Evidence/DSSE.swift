import OrdealSupport

/// Dead Simple Signing Envelope (DSSE v1, github.com/secure-systems-lab/dsse): a payload, its
/// type, and signatures over the Pre-Authentication Encoding (PAE) of both.
public enum DSSE {
    /// The payload type of an in-toto statement.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// The bytes DSSE signs:
    /// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, where `LEN` is the byte count in
    /// ASCII decimal with no leading zeros and `SP` is one space (0x20).
    ///
    /// `pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))`
    /// is `DSSEv1 29 http://example.com/HelloWorld 11 hello world`.
    public static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var out = Array("DSSEv1 \(type.count) ".utf8)
        out.reserveCapacity(out.count + type.count + payload.count + 24)
        out += type
        out += Array(" \(payload.count) ".utf8)
        out += payload
        return out
    }

    /// One signature of an envelope.
    public struct Signature: Sendable, Hashable {
        /// SHA-256 hex of the signer's SPKI DER (`VerifyingKey.keyID`).
        public var keyID: String
        /// The raw signature: DER for ECDSA P-256, 64 bytes for Ed25519.
        public var sig: [UInt8]

        /// A signature entry.
        public init(keyID: String, sig: [UInt8]) {
            self.keyID = keyID
            self.sig = sig
        }
    }

    /// A DSSE envelope. As JSON (`encoded()`, canonical, no trailing newline):
    ///
    /// ```json
    /// {"payload":"<base64>","payloadType":"application/vnd.in-toto+json",
    ///  "signatures":[{"keyid":"<sha256 hex of SPKI DER>","sig":"<base64>"}]}
    /// ```
    public struct Envelope: Sendable, Hashable {
        /// What the payload is, e.g. `DSSE.inTotoPayloadType`.
        public var payloadType: String
        /// The payload bytes (base64 in the JSON form).
        public var payload: [UInt8]
        /// The signatures over `DSSE.pae(payloadType:payload:)`.
        public var signatures: [Signature]

        /// An envelope with the given fields.
        public init(payloadType: String, payload: [UInt8], signatures: [Signature]) {
            self.payloadType = payloadType
            self.payload = payload
            self.signatures = signatures
        }

        /// Signs `payload` with `key`: one signature over the PAE, carrying the key's id.
        public init(signing payload: [UInt8], payloadType: String, key: SigningKey) throws(EvidenceError) {
            let sig = try key.signature(for: DSSE.pae(payloadType: payloadType, payload: payload))
            self.init(payloadType: payloadType, payload: payload, signatures: [Signature(keyID: key.publicKey.keyID, sig: sig)])
        }

        /// The bytes that were signed: `DSSE.pae(payloadType:payload:)`.
        public var pae: [UInt8] { DSSE.pae(payloadType: payloadType, payload: payload) }

        /// The envelope as a JSON value.
        public var jsonValue: JSONValue {
            .object([
                "payload": .string(Base64.encode(payload)),
                "payloadType": .string(payloadType),
                "signatures": .array(
                    signatures.map { .object(["keyid": .string($0.keyID), "sig": .string(Base64.encode($0.sig))]) }),
            ])
        }

        /// The envelope's JSON as canonical bytes.
        public func encoded() -> [UInt8] { canonical(jsonValue) }

        /// Reads an envelope strictly: a JSON object with exactly `payload`, `payloadType` and a
        /// non-empty `signatures` array, each signature exactly `keyid` and `sig`; `payload` and
        /// `sig` strict base64 (standard or URL-safe). Throws `malformedEnvelope` naming the flaw.
        public init(decoding bytes: [UInt8]) throws(EvidenceError) {
            func bad(_ reason: String) -> EvidenceError { EvidenceError(.malformedEnvelope, "the DSSE envelope \(reason)") }
            let value: JSONValue
            do { value = try JSONParser.parse(bytes) } catch { throw bad("is not valid JSON (\(error))") }
            guard let object = value.objectValue else { throw bad("is not a JSON object") }
            guard Set(object.keys) == ["payload", "payloadType", "signatures"] else {
                throw bad("must have exactly the keys payload, payloadType and signatures, found \(object.keys.sorted())")
            }
            guard let type = object["payloadType"]?.stringValue else { throw bad("has a payloadType that is not a string") }
            guard let text = object["payload"]?.stringValue, let payload = Base64.decode(text) else {
                throw bad("has a payload that is not base64")
            }
            guard let entries = object["signatures"]?.arrayValue, !entries.isEmpty else {
                throw bad("has no signatures array, or an empty one")
            }
            var signatures: [Signature] = []
            for (index, entry) in entries.enumerated() {
                guard let fields = entry.objectValue, Set(fields.keys) == ["keyid", "sig"],
                    let keyID = fields["keyid"]?.stringValue, let sigText = fields["sig"]?.stringValue
                else { throw bad("signature #\(index) must be exactly {\"keyid\": \"...\", \"sig\": \"<base64>\"}") }
                guard let sig = Base64.decode(sigText), !sig.isEmpty else {
                    throw bad("signature #\(index) has a sig that is not base64")
                }
                signatures.append(Signature(keyID: keyID, sig: sig))
            }
            self.init(payloadType: type, payload: payload, signatures: signatures)
        }

        /// True when some signature verifies with `key` over the PAE. A signature whose `keyid` is
        /// not the key's is not tried. Use `Verifier` for a sentence saying what failed.
        public func isValidSignature(by key: VerifyingKey) -> Bool {
            let message = pae
            return signatures.contains { $0.keyID == key.keyID && key.isValidSignature($0.sig, for: message) }
        }
    }
}
