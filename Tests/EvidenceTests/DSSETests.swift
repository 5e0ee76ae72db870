import Evidence
import OrdealSupport
import Testing

@Suite struct DSSETests {
    @Test func paeMatchesTheDSSESpecificationExample() {
        let pae = DSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func paeCountsBytesNotCharacters() {
        // "é" is two bytes in UTF-8, "€" three; an empty payload is "0 " followed by nothing.
        let pae = DSSE.pae(payloadType: "té", payload: Array("€".utf8))
        #expect(pae == Array("DSSEv1 3 té 3 €".utf8))
        #expect(DSSE.pae(payloadType: "", payload: []) == Array("DSSEv1 0  0 ".utf8))
    }

    @Test func paeOfTheInTotoTypeHasItsLength() {
        let pae = DSSE.pae(payloadType: DSSE.inTotoPayloadType, payload: Array("{}".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 28 application/vnd.in-toto+json 2 {}")
    }

    @Test func envelopeRoundTripsThroughItsJSON() throws {
        let key = try fixtureEd25519Key()
        let envelope = try DSSE.Envelope(signing: Array("{\"a\":1}".utf8), payloadType: DSSE.inTotoPayloadType, key: key)
        let decoded = try DSSE.Envelope(decoding: envelope.encoded())
        #expect(decoded == envelope)
        #expect(decoded.isValidSignature(by: key.publicKey))
        let text = String(decoding: envelope.encoded(), as: UTF8.self)
        #expect(text.hasPrefix("{\"payload\":\"eyJhIjoxfQ==\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{\"keyid\":\""))
    }

    @Test func envelopeMadeByPythonVerifiesAndSwiftSignsTheSameBytes() throws {
        let envelope = try DSSE.Envelope(decoding: Fixture.bytes("envelope-ed25519.json"))
        let key = try fixtureEd25519Key()
        #expect(envelope.isValidSignature(by: key.publicKey))
        #expect(envelope.signatures.first?.keyID == (try Fixture.text("ed25519.keyid")).trimmingCharacters(in: .whitespacesAndNewlines))
        // Ed25519 is deterministic: signing the same payload in Swift gives Python's exact signature.
        let mine = try DSSE.Envelope(signing: envelope.payload, payloadType: envelope.payloadType, key: key)
        #expect(mine.signatures == envelope.signatures)
        let statement = try Attestation.decodeStatement(envelope.payload)
        #expect(statement.subjects == [Attestation.Subject(name: "report.json", sha256: String(repeating: "ab", count: 32))])
        #expect(statement.predicate["verdict"] == "pass")
    }

    @Test func envelopeWithUnknownOrMissingFieldsIsMalformed() {
        let cases = [
            "not json",
            "[]",
            "{\"payload\":\"e30=\",\"payloadType\":\"t\"}",
            "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
            "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AAAA\"}]}",
            "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AAAA\",\"x\":1}]}",
            "{\"payload\":\"e3 0=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AAAA\"}]}",
            "{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AAAA\"}],\"extra\":0}",
        ]
        for text in cases {
            #expect(throws: EvidenceError.self, "\(text)") { try DSSE.Envelope(decoding: Array(text.utf8)) }
        }
    }

    @Test func base64RoundTripsEveryLengthAndRejectsLaxInput() {
        var rng = SplitMix64(seed: 7)
        for count in 0..<40 {
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("hello world".utf8)) == "aGVsbG8gd29ybGQ=")
        #expect(Base64.decode("aGVsbG8gd29ybGQ") == Array("hello world".utf8))  // padding optional
        #expect(Base64.decode("-_8=") == [0xFB, 0xFF])  // URL-safe alphabet
        #expect(Base64.decode("aGVsbG8gd29ybGR=") == nil)  // non-zero unused bits
        #expect(Base64.decode("aGVs bG8=") == nil)  // white space
        #expect(Base64.decode("aGVsb") == nil)  // impossible length
        #expect(Base64.decode("aGVsbG8===") == nil)  // excess padding
    }
}
