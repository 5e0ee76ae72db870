import Evidence
import Foundation
import OrdealSupport
import Testing

@Suite struct SigningTests {
    // MARK: Ed25519 known answers

    @Test func ed25519MatchesRFC8032TestVector1() throws {
        let seed = [UInt8](hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let key = try SigningKey(rawRepresentation: seed, algorithm: .ed25519)
        #expect(key.publicKey.rawRepresentation == [UInt8](hex: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        let expected = [UInt8](
            hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        #expect(try key.signature(for: []) == expected)
        #expect(key.publicKey.isValidSignature(expected, for: []))
    }

    @Test func ed25519SignatureEqualsTheOnePythonMade() throws {
        let key = try fixtureEd25519Key()
        #expect(key.algorithm == .ed25519)
        let message = try Fixture.bytes("message.txt")
        let expected = [UInt8](hex: try Fixture.text("ed25519-signature.hex").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try key.signature(for: message) == expected)
        let publicKey = try VerifyingKey(pemRepresentation: Fixture.text("ed25519.pub"))
        #expect(publicKey == key.publicKey)
        #expect(publicKey.isValidSignature(expected, for: message))
        #expect(!publicKey.isValidSignature(expected, for: message + [0]))
    }

    @Test func ed25519PEMsAreByteForByteThoseOfPython() throws {
        let key = try fixtureEd25519Key()
        #expect(key.pemRepresentation == (try Fixture.text("ed25519.key")))
        #expect(key.publicKey.pemRepresentation == (try Fixture.text("ed25519.pub")))
        #expect(key.publicKey.keyID == (try Fixture.text("ed25519.keyid")).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(key.derRepresentation.count == 48 && key.publicKey.derRepresentation.count == 44)
    }

    // MARK: ECDSA P-256

    @Test func p256SignatureMadeByPythonVerifies() throws {
        let publicKey = try VerifyingKey(pemRepresentation: Fixture.text("p256.pub"))
        #expect(publicKey.algorithm == .ecdsaP256)
        let message = try Fixture.bytes("message.txt")
        let der = try #require(Base64.decode(try Fixture.text("p256-signature.der.b64").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(der.first == 0x30)  // ASN.1 SEQUENCE: DER, as cosign expects
        #expect(publicKey.isValidSignature(der, for: message))
        #expect(!publicKey.isValidSignature(der, for: Array("another message".utf8)))
    }

    @Test func p256FixtureKeySignsAndVerifiesInSwift() throws {
        let key = try SigningKey(pemRepresentation: Fixture.text("p256.key"))
        #expect(key.algorithm == .ecdsaP256)
        #expect(key.publicKey == (try VerifyingKey(pemRepresentation: Fixture.text("p256.pub"))))
        #expect(key.publicKey.pemRepresentation == (try Fixture.text("p256.pub")))
        let message = try Fixture.bytes("message.txt")
        let signature = try key.signature(for: message)
        #expect(signature.first == 0x30)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        // Re-reading the PEM Swift wrote gives the same key.
        #expect(try SigningKey(pemRepresentation: key.pemRepresentation).rawRepresentation == key.rawRepresentation)
    }

    @Test func malformedSignaturesAreFalseNotErrors() throws {
        for algorithm in SignatureAlgorithm.allCases {
            let key = SigningKey(generating: algorithm)
            let message = Array("m".utf8)
            var signature = try key.signature(for: message)
            #expect(!key.publicKey.isValidSignature([], for: message))
            #expect(!key.publicKey.isValidSignature(signature + [0], for: message))  // trailing byte
            signature[signature.count / 2] ^= 0x01
            #expect(!key.publicKey.isValidSignature(signature, for: message))
        }
    }

    @Test func otherKeysDoNotVerify() throws {
        let message = Array("m".utf8)
        let ed = try fixtureEd25519Key()
        let p256 = try SigningKey(pemRepresentation: Fixture.text("p256.key"))
        #expect(!SigningKey(generating: .ed25519).publicKey.isValidSignature(try ed.signature(for: message), for: message))
        #expect(!ed.publicKey.isValidSignature(try p256.signature(for: message), for: message))
        #expect(!p256.publicKey.isValidSignature(try ed.signature(for: message), for: message))
    }

    @Test func badPEMsAreRejectedWithASentence() throws {
        #expect(throws: EvidenceError.self) { try SigningKey(pemRepresentation: "") }
        #expect(throws: EvidenceError.self) { try VerifyingKey(pemRepresentation: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
        let publicPEM = try Fixture.text("ed25519.pub")
        do throws(EvidenceError) {
            _ = try SigningKey(pemRepresentation: publicPEM)
            Issue.record("a public key loaded as a private key")
        } catch {
            #expect(error.code == .invalidKey)
            #expect(error.description.contains("PRIVATE KEY"))
        }
    }
}
