import Evidence
import Foundation
import Testing

@Suite struct CorruptionTests {
    /// 200 seeded single-byte corruptions, anywhere in any file of a signed run (the manifest and
    /// the attestation included): every one must make verification fail.
    @Test func everyRandomSingleByteCorruptionIsDetected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeSampleRun(in: dir)
        let key = try fixtureEd25519Key()
        try Attestation.sign(directory: dir.path, key: key, predicate: samplePredicate)
        #expect(Verifier.verify(directory: dir.path, publicKey: key.publicKey).ok)
        let files = try Manifest.scan(directory: dir.path).artifacts.map(\.path) + ["manifest.json", "attestation.dsse.json"]
        var rng = SplitMix64(seed: 0x0DEA1)
        var undetected: [String] = []
        var hitFiles: Set<String> = []
        for _ in 0..<200 {
            let file = files[Int(rng.next() % UInt64(files.count))]
            let original = try dir.read(file)
            let offset = Int(rng.next() % UInt64(original.count))
            var corrupted = original
            corrupted[offset] ^= UInt8(1 + rng.next() % 255)  // never xor with 0
            try dir.write(file, corrupted)
            let result = Verifier.verify(directory: dir.path, publicKey: key.publicKey)
            if result.ok { undetected.append("\(file) byte \(offset)") }
            hitFiles.insert(file)
            try dir.write(file, original)
        }
        #expect(undetected.isEmpty, "undetected corruptions: \(undetected)")
        #expect(hitFiles.count == files.count)
        #expect(Verifier.verify(directory: dir.path, publicKey: key.publicKey).ok)
    }
}
