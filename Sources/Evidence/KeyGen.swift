/// Makes signing key pairs, in memory or as a pair of files.
public enum KeyGen {
    /// Where `write(prefix:algorithm:)` put a new key pair.
    public struct KeyFiles: Sendable, Equatable {
        /// `PREFIX.key`: the PKCS#8 PEM private key, mode 0600.
        public let privateKeyPath: String
        /// `PREFIX.pub`: the SPKI PEM public key, mode 0644.
        public let publicKeyPath: String
        /// The key id signatures will carry (SHA-256 hex of the SPKI DER).
        public let keyID: String
    }

    /// A fresh key pair as PEM: PKCS#8 (`-----BEGIN PRIVATE KEY-----`) and SPKI
    /// (`-----BEGIN PUBLIC KEY-----`). The same PEMs `openssl genpkey` and Python's
    /// `cryptography` write and read.
    public static func generate(algorithm: SignatureAlgorithm = .ecdsaP256) -> (privatePEM: String, publicPEM: String) {
        let key = SigningKey(generating: algorithm)
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }

    /// Writes a fresh key pair to `PREFIX.key` (mode 0600) and `PREFIX.pub` (mode 0644).
    ///
    /// The private key file is created with `open(O_CREAT|O_EXCL, 0600)`, so it is never readable
    /// by others, not even for an instant. Neither file is ever overwritten: if either exists,
    /// this throws `alreadyExists` naming it and writes nothing.
    @discardableResult
    public static func write(prefix: String, algorithm: SignatureAlgorithm = .ecdsaP256) throws(EvidenceError) -> KeyFiles {
        let files = (key: prefix + ".key", pub: prefix + ".pub")
        let key = SigningKey(generating: algorithm)
        let publicKey = key.publicKey
        if Files.kind(files.pub) != nil {
            throw EvidenceError(.alreadyExists, "\(files.pub) already exists; refusing to overwrite it (move it away or choose another prefix)")
        }
        try Files.createExclusive(files.key, Array(key.pemRepresentation.utf8), mode: 0o600)
        do {
            try Files.createExclusive(files.pub, Array(publicKey.pemRepresentation.utf8), mode: 0o644)
        } catch {
            Files.remove(files.key)  // ours: created above, so no one else's key is lost
            throw error
        }
        return KeyFiles(privateKeyPath: files.key, publicKeyPath: files.pub, keyID: publicKey.keyID)
    }
}

extension SigningKey {
    /// Reads a PKCS#8 PEM private key file, such as `PREFIX.key` from `KeyGen.write(prefix:algorithm:)`.
    public init(pemFile path: String) throws(EvidenceError) {
        let bytes = try Files.readAll(path)
        do {
            try self.init(pemRepresentation: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw EvidenceError(error.code, "\(path): \(error.message)")
        }
    }
}

extension VerifyingKey {
    /// Reads an SPKI PEM public key file, such as `PREFIX.pub` from `KeyGen.write(prefix:algorithm:)`.
    public init(pemFile path: String) throws(EvidenceError) {
        let bytes = try Files.readAll(path)
        do {
            try self.init(pemRepresentation: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw EvidenceError(error.code, "\(path): \(error.message)")
        }
    }
}
