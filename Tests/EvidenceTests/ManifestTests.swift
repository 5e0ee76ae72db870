import Evidence
import Foundation
import OrdealSupport
import Testing

@Suite struct ManifestTests {
    @Test func manifestJSONHasTheDocumentedBytes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a.txt", "hello")
        try dir.write("sub/b.txt", "")
        let manifest = try Manifest.write(directory: dir.path)
        // Expected bytes and self digest computed independently with Python's hashlib.
        let body =
            "{\"artifacts\":[{\"bytes\":5,\"path\":\"a.txt\",\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},"
            + "{\"bytes\":0,\"path\":\"sub/b.txt\",\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}],"
            + "\"digest_algorithm\":\"sha256\",\"manifest_version\":1"
        let selfDigest = "2bca653662574f9144488208c0319787c9172ec7c43d415c61404e69c79b085b"
        #expect(manifest.selfDigest == selfDigest)
        #expect(String(decoding: try dir.read("manifest.json"), as: UTF8.self) == body + ",\"self_digest\":\"\(selfDigest)\"}")
        #expect(manifest.encoded() == (try dir.read("manifest.json")))
    }

    @Test func everyRegularFileIsListedSortedExceptReservedAndTemporaryFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeSampleRun(in: dir)
        try dir.write("attestation.dsse.json", "{}")
        try dir.write(".report.json.123.tmp", "half-written")
        try dir.write("scenarios/x/manifest.json", "nested: not reserved")
        try FileManager.default.createDirectory(atPath: dir.path + "/empty", withIntermediateDirectories: true)
        let manifest = try Manifest.write(directory: dir.path)
        #expect(manifest.artifacts.map(\.path) == [
            "report.json", "report.md",
            "scenarios/crash-resume/bytes.bin", "scenarios/crash-resume/history.jsonl", "scenarios/crash-resume/worker.log",
            "scenarios/lease-expiry/history.jsonl", "scenarios/lease-expiry/worker.log",
            "scenarios/x/manifest.json",
        ])
        for artifact in manifest.artifacts {
            let bytes = try dir.read(artifact.path)
            #expect(artifact.bytes == Int64(bytes.count))
            #expect(artifact.sha256 == Digest.sha256Hex(bytes))
        }
        // Rewriting leaves no temporary file behind and lists the same files.
        #expect(try Manifest.write(directory: dir.path) == manifest)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers == [".report.json.123.tmp"])
    }

    @Test func decodeReadsBackWhatWasWrittenWithItsSelfDigest() throws {
        let manifest = Manifest(artifacts: [
            .init(path: "z", bytes: 1, sha256: String(repeating: "0", count: 64)),
            .init(path: "a/b", bytes: 2, sha256: String(repeating: "f", count: 64)),
        ])
        #expect(manifest.artifacts.map(\.path) == ["a/b", "z"])
        let decoded = try Manifest.decode(manifest.encoded())
        #expect(decoded.manifest == manifest)
        #expect(decoded.recordedSelfDigest == manifest.selfDigest)
    }

    @Test func decodeRejectsPathsOutsideTheRunFolderAndOtherShapes() {
        let hex = String(repeating: "a", count: 64)
        func manifest(_ artifacts: String, version: String = "1") -> [UInt8] {
            Array("{\"artifacts\":[\(artifacts)],\"digest_algorithm\":\"sha256\",\"manifest_version\":\(version),\"self_digest\":\"\(hex)\"}".utf8)
        }
        let bad: [[UInt8]] = [
            manifest("{\"bytes\":1,\"path\":\"../etc/passwd\",\"sha256\":\"\(hex)\"}"),
            manifest("{\"bytes\":1,\"path\":\"/etc/passwd\",\"sha256\":\"\(hex)\"}"),
            manifest("{\"bytes\":1,\"path\":\"a//b\",\"sha256\":\"\(hex)\"}"),
            manifest("{\"bytes\":1,\"path\":\"manifest.json\",\"sha256\":\"\(hex)\"}"),
            manifest("{\"bytes\":-1,\"path\":\"a\",\"sha256\":\"\(hex)\"}"),
            manifest("{\"bytes\":1,\"path\":\"a\",\"sha256\":\"ABC\"}"),
            manifest("{\"bytes\":1,\"path\":\"b\",\"sha256\":\"\(hex)\"},{\"bytes\":1,\"path\":\"a\",\"sha256\":\"\(hex)\"}"),
            manifest("", version: "2"),
            Array("{\"artifacts\":[]}".utf8),
            Array("not json".utf8),
        ]
        for bytes in bad {
            #expect(throws: EvidenceError.self, "\(String(decoding: bytes, as: UTF8.self))") { try Manifest.decode(bytes) }
        }
    }

    @Test func scanRefusesSymbolicLinksNamingThem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a.txt", "a")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link", withDestinationPath: "/etc/hostname")
        do throws(EvidenceError) {
            _ = try Manifest.scan(directory: dir.path)
            Issue.record("a symbolic link was attested")
        } catch {
            #expect(error.code == .unsupportedFile)
            #expect(error.message.contains("/link is a symbolic link"))
        }
    }

    @Test func scanOfAMissingFolderNamesItWithErrno() {
        do throws(EvidenceError) {
            _ = try Manifest.scan(directory: "/nonexistent/ordeal-run")
            Issue.record("scanned a missing folder")
        } catch {
            #expect(error.code == .io)
            #expect(error.errno == ENOENT)
            #expect(error.description.contains("/nonexistent/ordeal-run"))
        }
    }
}
