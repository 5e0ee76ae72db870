import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
@testable import OrdealRunner
import Foundation
import OrdealSupport
import Testing

/// The fault shim in real children: each fault provably lands (the child sees the errno, its
/// clock moves), a power loss leaves exactly the last-synced bytes, and an inactive shim
/// changes nothing.
@Suite(.serialized) struct FaultShimTests {
    /// A folder with `data/` (what faults reach), `outside/` (what they do not) and a control
    /// file whose shim journals to `journal.bin`.
    struct Rig {
        let root: String
        let control: ShimControl
        var data: String { root + "/data" }
        var outside: String { root + "/outside" }
        var journal: String { root + "/journal.bin" }

        init() throws {
            root = try Binaries.temporaryDirectory()
            for dir in ["/data", "/outside"] {
                try FileManager.default.createDirectory(atPath: root + dir, withIntermediateDirectories: true)
            }
            control = try ShimControl(path: root + "/control", dataDirectory: root + "/data", journalPath: root + "/journal.bin")
        }

        /// Runs `argv` with the shim loaded; returns its exit status and standard output.
        func run(_ argv: [String]) throws -> (status: TerminationStatus, lines: [String]) {
            let env = FaultShim.environment(library: try FaultShim.libraryPath(), controlPath: control.path, inherited: Posix.environment)
            let child = try ChildProcess(argv, environment: env, stderrPath: root + "/stderr.log")
            var lines: [String] = []
            while let line = try child.readLine() { lines.append(line) }
            return (try child.wait(), lines)
        }

        /// Python 3 running `script` with the rig's folders as D (data) and O (outside).
        func python(_ script: String) throws -> (status: TerminationStatus, lines: [String]) {
            try run(["/usr/bin/env", "python3", "-c", "import os, errno, sys\nD = '\(data)'\nO = '\(outside)'\n" + script])
        }
    }

    static let writeTwice = """
        def attempt(path):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
                os.write(fd, b"x" * 100)
                os.close(fd)
                return "ok"
            except OSError as e:
                return errno.errorcode[e.errno]
        print(attempt(D + "/f"), attempt(O + "/g"))
        """

    @Test func diskFullFailsWritesUnderTheDataFolderOnlyWithTheErrnoGiven() throws {
        let rig = try Rig()
        rig.control.armDiskFull(errno: 28, budgetBytes: nil)
        #expect(try rig.python(Self.writeTwice).lines == ["ENOSPC ok"])
        rig.control.armDiskFull(errno: 122, budgetBytes: nil)
        #expect(try rig.python(Self.writeTwice).lines == ["EDQUOT ok"])
        #expect(rig.control.stats(.diskFull).count == 2)
        #expect(rig.control.stats(.diskFull).traces.first?.call == "write")
        rig.control.disarmDiskFull()
        #expect(try rig.python(Self.writeTwice).lines == ["ok ok"])
    }

    @Test func aDiskBudgetLetsWritesThroughUntilItIsSpent() throws {
        let rig = try Rig()
        rig.control.armDiskFull(errno: 28, budgetBytes: 250)
        // 100 + 100 fit in 250 bytes; the third write of 100 does not.
        let script = """
            fd = os.open(D + "/f", os.O_WRONLY | os.O_CREAT, 0o644)
            out = []
            for i in range(3):
                try:
                    os.write(fd, b"y" * 100); out.append("ok")
                except OSError as e:
                    out.append(errno.errorcode[e.errno])
            print(" ".join(out))
            """
        #expect(try rig.python(script).lines == ["ok ok ENOSPC"])
    }

    @Test func ioErrorFailsTheCallsNamedForTheCountGiven() throws {
        let rig = try Rig()
        rig.control.armIOError(calls: [.fsync], count: 1)
        let script = """
            fd = os.open(D + "/f", os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b"data")
            out = []
            for i in range(2):
                try:
                    os.fdatasync(fd); out.append("ok")
                except OSError as e:
                    out.append(errno.errorcode[e.errno])
            try:
                os.pread(fd, 4, 0); out.append("read-ok")
            except OSError as e:
                out.append(errno.errorcode[e.errno])
            print(" ".join(out))
            """
        #expect(try rig.python(script).lines == ["EIO ok read-ok"])
        rig.control.armIOError(calls: [.read], count: nil)
        #expect(try rig.python(script).lines == ["ok ok EIO"])
    }

    /// The child's wall clock (Date()) and monotonic clock (ProcessInfo.systemUptime) minus ours.
    static func skews(_ rig: Rig) throws -> (wall: Double, monotonic: Double) {
        let wall = Date().timeIntervalSince1970
        let monotonic = ProcessInfo.processInfo.systemUptime
        let seen = (try rig.run([Binaries.faultyWorker, "print-clock"]).lines.first ?? "").split(separator: " ").compactMap { Double($0) }
        try #require(seen.count == 2)
        return (seen[0] - wall, seen[1] - monotonic)
    }

    @Test func clockSkewMovesDateInASwiftChildByTheOffset() throws {
        let rig = try Rig()
        func skew() throws -> Double { try Self.skews(rig).wall }
        #expect(abs(try skew()) < 5)
        rig.control.armClock(mode: .jump, offsetNanos: 3_600 * 1_000_000_000, clocks: [.realtime])
        #expect(abs(try skew() - 3_600) < 5)
        rig.control.armClock(mode: .jump, offsetNanos: -600 * 1_000_000_000, clocks: [.realtime])
        #expect(abs(try skew() + 600) < 5)
        #expect(rig.control.stats(.clock).count >= 2)
        rig.control.disarmClock()
        #expect(abs(try skew()) < 5)
    }

    @Test func clockSkewReachesTheMonotonicClockOnlyWhenAsked() throws {
        let rig = try Rig()
        rig.control.armClock(mode: .jump, offsetNanos: 3_600 * 1_000_000_000, clocks: [.realtime])
        #expect(abs(try Self.skews(rig).monotonic) < 5)
        rig.control.armClock(mode: .jump, offsetNanos: 3_600 * 1_000_000_000, clocks: [.monotonic])
        let skews = try Self.skews(rig)
        #expect(abs(skews.monotonic - 3_600) < 5 && abs(skews.wall) < 5)
    }

    @Test func aDriftGrowsAndAStrobeAlternates() throws {
        let rig = try Rig()
        // 1000 s gained per second: by the time the child reads it (≥ a few ms later) the offset
        // is seconds at least, and far below the hour a jump would give.
        rig.control.armClock(mode: .drift, offsetNanos: 0, driftPPM: 1_000 * 1_000_000, clocks: [.realtime])
        let drift = try Self.skews(rig).wall
        #expect(drift > 1 && drift < 3_000, "drift \(drift)")
        // A strobe is on for its first period, off for the next.
        rig.control.armClock(mode: .strobe, offsetNanos: 3_600 * 1_000_000_000, periodNanos: 1_500_000_000, clocks: [.realtime])
        #expect(abs(try Self.skews(rig).wall - 3_600) < 5)
        Thread.sleep(forTimeInterval: 1.7)
        #expect(abs(try Self.skews(rig).wall) < 5)
    }

    @Test func afterAPowerLossFilesHoldExactlyTheirLastSyncedBytes() throws {
        let rig = try Rig()
        try "old".write(toFile: rig.data + "/existing", atomically: false, encoding: .utf8)
        rig.control.enableJournal(atSync: 0)
        let script = """
            def sync_dir(path):
                fd = os.open(path, os.O_RDONLY); os.fsync(fd); os.close(fd)
            fd = os.open(D + "/kept", os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b"AAAAAAAA"); os.fsync(fd); sync_dir(D)
            os.pwrite(fd, b"ZZ", 2)
            os.write(fd, b"BBBB")
            os.close(fd)
            fd = os.open(D + "/existing", os.O_RDWR)
            os.ftruncate(fd, 1)
            os.close(fd)
            fd = os.open(D + "/unsynced-new", os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b"gone"); os.fsync(fd); os.close(fd)
            fd = os.open(O + "/outside", os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b"untouched"); os.close(fd)
            print("done")
            """
        #expect(try rig.python(script).lines == ["done"])
        #expect(try String(contentsOfFile: rig.data + "/kept", encoding: .utf8) == "AAZZAAAABBBB")
        let rollback = try PowerLossJournal(path: rig.journal).rollBack()
        #expect(try String(contentsOfFile: rig.data + "/kept", encoding: .utf8) == "AAAAAAAA", "synced bytes kept, later ones gone")
        #expect(try String(contentsOfFile: rig.data + "/existing", encoding: .utf8) == "old", "a truncation is undone")
        #expect(!FileManager.default.fileExists(atPath: rig.data + "/unsynced-new"), "a file whose folder was never synced is gone")
        #expect(try String(contentsOfFile: rig.outside + "/outside", encoding: .utf8) == "untouched")
        #expect(rollback.filesRemoved.map { ($0 as NSString).lastPathComponent } == ["unsynced-new"])
        #expect(rig.control.journalErrors == 0)
    }

    @Test func aPowerLossUndoesRemovalsAndRenamesNotYetSyncedInTheirFolder() throws {
        let rig = try Rig()
        rig.control.enableJournal(atSync: 0)
        let script = """
            def make(name, text):
                fd = os.open(D + "/" + name, os.O_RDWR | os.O_CREAT, 0o644); os.write(fd, text); os.fsync(fd); os.close(fd)
            def sync_dir():
                fd = os.open(D, os.O_RDONLY); os.fsync(fd); os.close(fd)
            for name, text in [("removed", b"R1"), ("gone", b"G"), ("src", b"S"), ("src2", b"S2"), ("target", b"T")]:
                make(name, text)
            sync_dir()
            os.unlink(D + "/gone"); sync_dir()
            fd = os.open(D + "/removed", os.O_RDWR); os.write(fd, b"unsynced"); os.close(fd)
            os.unlink(D + "/removed")
            os.rename(D + "/src", D + "/dst")
            os.rename(D + "/src2", D + "/target")
            try:
                os.rename(D + "/missing", D + "/whatever")
            except OSError:
                pass
            print("done")
            """
        #expect(try rig.python(script).lines == ["done"])
        let rollback = try PowerLossJournal(path: rig.journal).rollBack()
        func text(_ name: String) -> String? { try? String(contentsOfFile: rig.data + "/" + name, encoding: .utf8) }
        #expect(text("removed") == "R1", "a removal not synced in its folder is undone, to the file's last sync")
        #expect(text("gone") == nil, "a removal whose folder was synced stays")
        #expect(text("src") == "S" && text("dst") == nil, "a rename not synced is undone")
        #expect(text("src2") == "S2" && text("target") == "T", "a rename over a file brings both back")
        #expect(rollback.filesRecreated.map { ($0 as NSString).lastPathComponent }.sorted() == ["removed", "src", "src2", "target"])
        #expect(rig.control.journalErrors == 0)
    }

    @Test func aPowerCutAtASyncPointKillsTheProcessBeforeThatSync() throws {
        let rig = try Rig()
        // Sync points: the file (1), its folder (2), the file again (3, where the power goes).
        rig.control.enableJournal(atSync: 3)
        let script = """
            fd = os.open(D + "/f", os.O_RDWR | os.O_CREAT, 0o644)
            os.write(fd, b"one"); os.fsync(fd)
            dirfd = os.open(D, os.O_RDONLY); os.fsync(dirfd); print("synced 2", flush=True)
            os.write(fd, b"two"); os.fsync(fd); print("synced 3", flush=True)
            """
        let result = try rig.python(script)
        #expect(result.status == .signaled(9) && result.lines == ["synced 2"])
        #expect(rig.control.powerFiredNanos > 0 && rig.control.syncCount == 3)
        #expect(rig.control.stats(.powerLoss).traces.first?.call == "fsync")
        _ = try PowerLossJournal(path: rig.journal).rollBack()
        #expect(try String(contentsOfFile: rig.data + "/f", encoding: .utf8) == "one")
    }

    @Test func ordealWorkersReadyEventSaysTheShimIsLoaded() throws {
        let rig = try Rig()
        let result = try rig.run([Binaries.worker, "checkpoint-writer", "--db", rig.data + "/s.sqlite", "--count", "1"])
        let ready = try #require(result.lines.first.flatMap { try? JSONParser.parse($0) })
        #expect(ready["shim"]?["loaded"]?.boolValue == true && ready["shim"]?["version"]?.stringValue == FaultShim.version)
        #expect(result.status == .exited(0))
        let plain = try ChildProcess([Binaries.worker, "checkpoint-writer", "--db", rig.data + "/t.sqlite", "--count", "1"])
        let first = try #require(try plain.readLine().flatMap { try? JSONParser.parse($0) })
        #expect(first["shim"] == nil)
        while try plain.readLine() != nil {}
        _ = try plain.wait()
    }
}
