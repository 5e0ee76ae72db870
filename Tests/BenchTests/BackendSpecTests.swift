import Foundation
import RecoveryCore
import Testing

@testable import Bench
@testable import BenchKit

/// `--backend` specs and each backend's floor.
@Suite struct BackendSpecTests {
    @Test func aListOfKnownSpecsParsesInOrder() throws {
        #expect(try BenchBackends.parseList("sqlite:normal, sqlite:full,memory,sqlite:off") == [
            "sqlite:normal", "sqlite:full", "memory", "sqlite:off",
        ])
        #expect(try BenchBackends.durability(of: "memory") == "none")
        #expect(try BenchBackends.durability(of: "sqlite:full") == "full")
        #expect(try BenchBackends.durability(of: "postgres://u@127.0.0.1:5432/db") == "server")
    }

    @Test(arguments: [
        ("redis", "not a backend"), ("sqlite:fast", "not a backend"), ("sqlite", "not a backend"),
        ("sqlite:normal,,memory", "empty entry"), ("", "empty entry"), ("memory,memory", "twice"),
        ("postgres://u@localhost:notaport/db", "postgres"),
    ])
    func badSpecsGiveOneLineNamingTheFlag(list: String, expected: String) {
        #expect {
            try BenchBackends.parseList(list)
        } throws: { error in
            guard let error = error as? BenchError else { return false }
            return error.code == .badSpec && error.isBadInput && error.message.contains("--backend")
                && error.message.contains(expected) && !error.message.contains("\n")
        }
    }

    @Test func anUnknownSpecListsEveryValidForm() throws {
        let error = try #require(throws: BenchError.self) { try BenchBackends.parseList("sqlite:normal,mysql") }
        for form in BenchBackends.validForms { #expect(error.message.contains(form)) }
    }

    @Test func sqliteFloorIsTheRawInsertTransactionAndMemoryHasNone() throws {
        let dir = NSTemporaryDirectory() + "bench-spec-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sqlite = try BenchBackends.open("sqlite:full", file: dir + "/a.sqlite")
        #expect(sqlite.floor?.name == "raw.insert_txn")
        #expect(sqlite.durability == "full")
        try sqlite.floor?.run(0)
        let memory = try BenchBackends.open("memory", file: "")
        #expect(memory.floor == nil)
    }

    @Test func aBackendOfOnesOwnIsAcceptedOnlyWhenAWorkerOpensIt() throws {
        #expect(try BenchBackends.parseList("sqlite:normal,traced:{data}/s.sqlite", custom: true) == [
            "sqlite:normal", "traced:{data}/s.sqlite",
        ])
        #expect(try BenchBackends.durability(of: "traced:/x", custom: true) == "custom")
        let error = try #require(throws: BenchError.self) { try BenchBackends.parseList("traced:/x") }
        #expect(error.code == .badSpec && error.message.contains("--worker PATH"))
    }

    @Test func aForwardingBackendIsReadAgainstTheFloorOfWhatItWraps() throws {
        let dir = NSTemporaryDirectory() + "bench-spec-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let overSQLite = ForwardingBackend(try SQLiteBackend(path: dir + "/f.sqlite"))
        let floor = try #require(try BenchFloor.of(overSQLite))
        #expect(floor.name == "raw.insert_txn")
        try floor.run(0)
        #expect(try BenchFloor.of(ForwardingBackend(MemoryBackend())) == nil)
    }

    struct RoundTripper: TrivialRoundTripping {
        let calls = Counter()
        func trivialRoundTrip() throws { calls.value += 1 }
    }

    final class Counter: @unchecked Sendable { var value = 0 }

    @Test func aBackendThatCanRoundTripHasTheRoundTripAsItsFloor() throws {
        let backend = RoundTripper()
        let floor = try #require(try BenchFloor.of(backend))
        #expect(floor.name == "raw.roundtrip")
        try floor.run(0)
        try floor.run(1)
        #expect(backend.calls.value == 2)
    }
}
