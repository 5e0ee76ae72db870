import Foundation
import OrdealSystem
import Testing

@testable import OrdealRunner

/// The corrupt fault's byte flip: which byte, in how many copies, and that a SQLite database is
/// brought to rest first so the damage lands in the database file, not in its log.
@Suite struct SnapshotCorruptionTests {
    @Test func theLastDigitFlipsToAnotherDigitSoTheTextStillParses() {
        let snapshot = Array(#"{"name":"step-4","step":4}"#.utf8)
        let damaged = SnapshotCorruption.damaged(snapshot)
        #expect(String(decoding: damaged, as: UTF8.self) == #"{"name":"step-4","step":5}"#)
        // No digit: the middle byte's low bit (`c` becomes `b`).
        #expect(SnapshotCorruption.damaged(Array("abcd".utf8)) == Array("abbd".utf8))
    }

    @Test func everyCopyInEveryFileIsFlippedAndAFolderWithoutItIsLeftAlone() throws {
        let dir = try Posix.makeTemporaryDirectory(prefix: "ordeal-corrupt")
        let snapshot = #"{"step":7}"#
        try ("xx" + snapshot + "yy" + snapshot).write(toFile: dir + "/a.bin", atomically: true, encoding: .utf8)
        try "nothing here".write(toFile: dir + "/b.bin", atomically: true, encoding: .utf8)
        let result = try SnapshotCorruption(dataDirectory: dir).corrupt(Array(snapshot.utf8))
        #expect(result.flips.map(\.file) == ["a.bin", "a.bin"] && result.settled.isEmpty)
        #expect(try String(contentsOfFile: dir + "/a.bin", encoding: .utf8) == #"xx{"step":6}yy{"step":6}"#)
        #expect(try String(contentsOfFile: dir + "/b.bin", encoding: .utf8) == "nothing here")
        #expect(try SnapshotCorruption(dataDirectory: dir).corrupt(Array(#"{"absent":1}"#.utf8)).flips.isEmpty)
    }
}
