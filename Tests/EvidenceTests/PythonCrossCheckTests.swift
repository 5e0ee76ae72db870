import Evidence
import Foundation
import Testing

/// True when `python3` can import `cryptography`.
let pythonHasCryptography: Bool = (try? PythonCrossCheckTests.run(["-c", "import cryptography"]).status) == 0

/// `ci/verify_dsse.py` is an independent implementation (Python's `cryptography`); these tests
/// run it on runs Swift signed. They are skipped where python3 with `cryptography` is absent.
@Suite(.enabled(if: pythonHasCryptography))
struct PythonCrossCheckTests {
    static let script = Fixture.repositoryRoot.appendingPathComponent("ci/verify_dsse.py").path

    /// Runs `python3 arguments`, returning the exit status and stdout.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func pythonVerifiesWhatSwiftSigned(algorithm: SignatureAlgorithm) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeSampleRun(in: dir)
        let files = try KeyGen.write(prefix: dir.path + ".signer", algorithm: algorithm)
        defer {
            try? FileManager.default.removeItem(atPath: files.privateKeyPath)
            try? FileManager.default.removeItem(atPath: files.publicKeyPath)
        }
        try Attestation.sign(directory: dir.path, key: SigningKey(pemFile: files.privateKeyPath), predicate: samplePredicate)
        let good = try Self.run([Self.script, dir.path, files.publicKeyPath])
        #expect(good.status == 0, "\(good.output)")

        try dir.write("report.md", "tampered")
        let tampered = try Self.run([Self.script, dir.path, files.publicKeyPath])
        #expect(tampered.status == 1)
        #expect(tampered.output.contains("report.md: CHANGED"))
    }

    @Test func pythonRejectsAnotherKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeSampleRun(in: dir)
        try Attestation.sign(directory: dir.path, key: SigningKey(generating: .ecdsaP256), predicate: samplePredicate)
        let result = try Self.run([Self.script, dir.path, Fixture.path("p256.pub")])
        #expect(result.status == 1)
        #expect(result.output.contains("no signature with keyid"))
    }
}
