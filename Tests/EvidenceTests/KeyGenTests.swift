import Evidence
import Foundation
import Testing

@Suite struct KeyGenTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func generatedPEMsRoundTripThroughSigningAndVerifying(algorithm: SignatureAlgorithm) throws {
        let pair = KeyGen.generate(algorithm: algorithm)
        #expect(pair.privatePEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pair.publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        let key = try SigningKey(pemRepresentation: pair.privatePEM)
        let publicKey = try VerifyingKey(pemRepresentation: pair.publicPEM)
        #expect(key.algorithm == algorithm && publicKey.algorithm == algorithm)
        #expect(key.publicKey == publicKey)
        let message = Array("a run".utf8)
        #expect(publicKey.isValidSignature(try key.signature(for: message), for: message))
    }

    @Test func defaultAlgorithmIsECDSAP256() throws {
        #expect(try SigningKey(pemRepresentation: KeyGen.generate().privatePEM).algorithm == .ecdsaP256)
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func writtenKeyIsMode0600AndLoadsBack(algorithm: SignatureAlgorithm) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let oldMask = umask(0)  // even with a permissive umask the key must be 0600
        defer { umask(oldMask) }
        let files = try KeyGen.write(prefix: dir.path + "/signing", algorithm: algorithm)
        #expect(files.privateKeyPath == dir.path + "/signing.key")
        #expect(files.publicKeyPath == dir.path + "/signing.pub")
        let keyMode = try FileManager.default.attributesOfItem(atPath: files.privateKeyPath)[.posixPermissions] as? Int
        let pubMode = try FileManager.default.attributesOfItem(atPath: files.publicKeyPath)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        #expect(pubMode == 0o644)
        let key = try SigningKey(pemFile: files.privateKeyPath)
        let publicKey = try VerifyingKey(pemFile: files.publicKeyPath)
        #expect(key.publicKey == publicKey && publicKey.keyID == files.keyID)
        let message = Array("m".utf8)
        #expect(publicKey.isValidSignature(try key.signature(for: message), for: message))
    }

    @Test func refusesToOverwriteAnExistingKeyAndNamesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("k.key", "precious")
        do throws(EvidenceError) {
            try KeyGen.write(prefix: dir.path + "/k")
            Issue.record("overwrote an existing key")
        } catch {
            #expect(error.code == .alreadyExists)
            #expect(error.description.contains(dir.path + "/k.key"))
        }
        #expect(try dir.read("k.key") == Array("precious".utf8))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/k.pub"))
    }

    @Test func refusesToOverwriteAnExistingPublicKeyAndWritesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("k.pub", "someone's")
        #expect(throws: EvidenceError.self) { try KeyGen.write(prefix: dir.path + "/k") }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/k.key"))
        #expect(try dir.read("k.pub") == Array("someone's".utf8))
    }

    @Test func refusesADanglingSymlinkWhereTheKeyGoes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/k.key", withDestinationPath: dir.path + "/elsewhere")
        #expect(throws: EvidenceError.self) { try KeyGen.write(prefix: dir.path + "/k") }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/elsewhere"))
    }
}
