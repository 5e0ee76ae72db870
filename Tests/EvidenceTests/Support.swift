import Evidence
import Foundation
import OrdealSupport
import Testing

/// The checked-in known-answer files in `Tests/Fixtures/evidence/` (see `make_fixtures.py` there).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/evidence")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// The repository root, where `ci/verify_dsse.py` lives.
    static let repositoryRoot = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "ordeal-evidence-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ relative: String, _ text: String) throws { try write(relative, Array(text.utf8)) }

    func read(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path + "/" + relative)))
    }

    func delete(_ relative: String) throws { try FileManager.default.removeItem(atPath: path + "/" + relative) }
}

/// SplitMix64: a small seeded generator, so random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A small run folder like the runner writes: a report, and per scenario a history and a log of
/// a few KB each, filled from a seeded generator.
func makeSampleRun(in dir: TemporaryDirectory, seed: UInt64 = 42) throws {
    var rng = SplitMix64(seed: seed)
    func lines(_ count: Int, _ prefix: String) -> String {
        (0..<count).map { "{\"\(prefix)\":\($0),\"value\":\(rng.next() % 100_000)}\n" }.joined()
    }
    try dir.write("report.json", "{\"schemaVersion\":1,\"summary\":\"2 scenarios\",\"verdict\":\"pass\"}\n")
    try dir.write("report.md", "# Ordeal report\n\nVerdict: pass\n" + String(repeating: "- line\n", count: 300))
    for name in ["crash-resume", "lease-expiry"] {
        try dir.write("scenarios/\(name)/history.jsonl", lines(120, "op"))
        try dir.write("scenarios/\(name)/worker.log", lines(60, "log"))
    }
    try dir.write("scenarios/crash-resume/bytes.bin", (0..<2048).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

/// The fixed Ed25519 key of the fixtures (RFC 8032 test 1 seed).
func fixtureEd25519Key() throws -> SigningKey { try SigningKey(pemRepresentation: Fixture.text("ed25519.key")) }

/// The predicate tests sign.
let samplePredicate: JSONValue = ["verdict": "pass", "summary": "2 scenarios, 0 failures"]

extension Array where Element == UInt8 {
    init(hex: String) {
        let digits = Array(hex.utf8)
        self = stride(from: 0, to: digits.count - 1, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}
