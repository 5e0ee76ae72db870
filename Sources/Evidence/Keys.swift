import Crypto
import Foundation
import OrdealSupport

/// The signature schemes Ordeal signs runs with.
public enum SignatureAlgorithm: String, Sendable, CaseIterable, CustomStringConvertible {
    /// ECDSA on NIST P-256 over SHA-256, signatures in ASN.1 DER: what cosign and sigstore use
    /// for DSSE. The default.
    case ecdsaP256 = "ecdsa-p256"
    /// Ed25519 (RFC 8032), deterministic, 64-byte signatures.
    case ed25519 = "ed25519"

    public var description: String { rawValue }
}

/// The fixed DER around a raw 32-byte Ed25519 key, which swift-crypto has no PEM support for.
enum Ed25519DER {
    /// PKCS#8 `PrivateKeyInfo` v1, OID 1.3.101.112, then `OCTET STRING { OCTET STRING seed }`: 48 bytes.
    static let privatePrefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
    /// `SubjectPublicKeyInfo`, OID 1.3.101.112, then `BIT STRING` of the 32-byte key: 44 bytes.
    static let publicPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    static func raw(_ der: [UInt8], prefix: [UInt8]) -> [UInt8]? {
        guard der.count == prefix.count + 32, der.starts(with: prefix) else { return nil }
        return Array(der[prefix.count...])
    }
}

/// A private key that signs: P-256 (ECDSA, DER signatures) or Ed25519.
///
/// Shaped like swift-crypto's keys: `signature(for:)` throws, and the key goes in and out
/// through `rawRepresentation` or PKCS#8 PEM.
public struct SigningKey: Sendable {
    enum Storage: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }
    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// A fresh random key.
    public init(generating algorithm: SignatureAlgorithm = .ecdsaP256) {
        switch algorithm {
        case .ecdsaP256: storage = .p256(P256.Signing.PrivateKey())
        case .ed25519: storage = .ed25519(Curve25519.Signing.PrivateKey())
        }
    }

    /// A key from its raw bytes: the 32-byte scalar for P-256, the 32-byte seed for Ed25519.
    public init(rawRepresentation: [UInt8], algorithm: SignatureAlgorithm) throws(EvidenceError) {
        do {
            switch algorithm {
            case .ecdsaP256: storage = .p256(try P256.Signing.PrivateKey(rawRepresentation: rawRepresentation))
            case .ed25519: storage = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation))
            }
        } catch {
            throw EvidenceError(.invalidKey, "\(rawRepresentation.count) bytes are not a raw \(algorithm) private key (\(error))")
        }
    }

    /// A key from a PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey` and
    /// `KeyGen` write; the algorithm is read from the key. A SEC 1 block
    /// (`-----BEGIN EC PRIVATE KEY-----`) is also accepted for P-256.
    public init(pemRepresentation: String) throws(EvidenceError) {
        if let der = PEM.decode(pemRepresentation, label: "PRIVATE KEY") {
            if let seed = Ed25519DER.raw(der, prefix: Ed25519DER.privatePrefix) {
                try self.init(rawRepresentation: seed, algorithm: .ed25519)
                return
            }
            guard let key = try? P256.Signing.PrivateKey(derRepresentation: der) else {
                throw EvidenceError(
                    .invalidKey, "the PKCS#8 private key is neither ECDSA P-256 nor Ed25519; create one with `KeyGen`")
            }
            self.init(storage: .p256(key))
        } else if let der = PEM.decode(pemRepresentation, label: "EC PRIVATE KEY"),
            let key = try? P256.Signing.PrivateKey(derRepresentation: der)
        {
            self.init(storage: .p256(key))
        } else {
            throw EvidenceError(
                .invalidKey, "no '-----BEGIN PRIVATE KEY-----' block with valid base64 found; expected a PKCS#8 PEM private key")
        }
    }

    /// The algorithm this key signs with.
    public var algorithm: SignatureAlgorithm {
        switch storage {
        case .p256: .ecdsaP256
        case .ed25519: .ed25519
        }
    }

    /// The 32-byte scalar (P-256) or seed (Ed25519).
    public var rawRepresentation: [UInt8] {
        switch storage {
        case .p256(let key): Array(key.rawRepresentation)
        case .ed25519(let key): Array(key.rawRepresentation)
        }
    }

    /// The PKCS#8 DER `PrivateKeyInfo`.
    public var derRepresentation: [UInt8] {
        switch storage {
        case .p256(let key): Array(key.derRepresentation)
        case .ed25519(let key): Ed25519DER.privatePrefix + Array(key.rawRepresentation)
        }
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), ending with a newline.
    public var pemRepresentation: String { PEM.encode(derRepresentation, label: "PRIVATE KEY") }

    /// The matching public key.
    public var publicKey: VerifyingKey {
        switch storage {
        case .p256(let key): VerifyingKey(storage: .p256(key.publicKey))
        case .ed25519(let key): VerifyingKey(storage: .ed25519(key.publicKey))
        }
    }

    /// Signs `message`: ECDSA P-256 over SHA-256(`message`) returned as ASN.1 DER, or Ed25519
    /// over `message` returned as its 64 bytes.
    public func signature(for message: [UInt8]) throws(EvidenceError) -> [UInt8] {
        do {
            switch storage {
            case .p256(let key): return Array(try key.signature(for: message).derRepresentation)
            case .ed25519(let key): return Array(try key.signature(for: message))
            }
        } catch {
            throw EvidenceError(.signingFailed, "\(algorithm) signing failed (\(error))")
        }
    }
}

/// A public key that checks signatures: P-256 (ECDSA, DER signatures) or Ed25519.
public struct VerifyingKey: Sendable, Hashable {
    enum Storage: Sendable {
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }
    let storage: Storage

    init(storage: Storage) { self.storage = storage }

    /// A key from its raw bytes: the 64-byte `x‖y` (P-256) or the 32-byte key (Ed25519).
    public init(rawRepresentation: [UInt8], algorithm: SignatureAlgorithm) throws(EvidenceError) {
        do {
            switch algorithm {
            case .ecdsaP256: storage = .p256(try P256.Signing.PublicKey(rawRepresentation: rawRepresentation))
            case .ed25519: storage = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation))
            }
        } catch {
            throw EvidenceError(.invalidKey, "\(rawRepresentation.count) bytes are not a raw \(algorithm) public key (\(error))")
        }
    }

    /// A key from an SPKI PEM block (`-----BEGIN PUBLIC KEY-----`); the algorithm is read from the key.
    public init(pemRepresentation: String) throws(EvidenceError) {
        guard let der = PEM.decode(pemRepresentation, label: "PUBLIC KEY") else {
            throw EvidenceError(
                .invalidKey, "no '-----BEGIN PUBLIC KEY-----' block with valid base64 found; expected an SPKI PEM public key")
        }
        try self.init(derRepresentation: der)
    }

    /// A key from its DER `SubjectPublicKeyInfo`.
    public init(derRepresentation der: [UInt8]) throws(EvidenceError) {
        if let raw = Ed25519DER.raw(der, prefix: Ed25519DER.publicPrefix) {
            try self.init(rawRepresentation: raw, algorithm: .ed25519)
        } else if let key = try? P256.Signing.PublicKey(derRepresentation: der) {
            self.init(storage: .p256(key))
        } else {
            throw EvidenceError(.invalidKey, "the SPKI public key is neither ECDSA P-256 nor Ed25519")
        }
    }

    /// The algorithm this key verifies.
    public var algorithm: SignatureAlgorithm {
        switch storage {
        case .p256: .ecdsaP256
        case .ed25519: .ed25519
        }
    }

    /// The 64-byte `x‖y` (P-256) or the 32-byte key (Ed25519).
    public var rawRepresentation: [UInt8] {
        switch storage {
        case .p256(let key): Array(key.rawRepresentation)
        case .ed25519(let key): Array(key.rawRepresentation)
        }
    }

    /// The DER `SubjectPublicKeyInfo`.
    public var derRepresentation: [UInt8] {
        switch storage {
        case .p256(let key): Array(key.derRepresentation)
        case .ed25519(let key): Ed25519DER.publicPrefix + Array(key.rawRepresentation)
        }
    }

    /// The key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), ending with a newline.
    public var pemRepresentation: String { PEM.encode(derRepresentation, label: "PUBLIC KEY") }

    /// The key id written in DSSE signatures: lower-case hex SHA-256 of the SPKI DER.
    public var keyID: String { OrdealSupport.Digest.sha256Hex(derRepresentation) }

    /// True when `signature` is this key's signature of `message`. A malformed signature (for
    /// P-256, anything but strict DER of `r` and `s`; for Ed25519, anything but 64 bytes) is
    /// `false`, never an error.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch storage {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature),
                Array(parsed.derRepresentation) == signature  // reject non-canonical DER
            else { return false }
            return key.isValidSignature(parsed, for: message)
        case .ed25519(let key):
            return signature.count == 64 && key.isValidSignature(signature, for: message)
        }
    }

    public static func == (lhs: VerifyingKey, rhs: VerifyingKey) -> Bool {
        lhs.derRepresentation == rhs.derRepresentation
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(derRepresentation) }
}
