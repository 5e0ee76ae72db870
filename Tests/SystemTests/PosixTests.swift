import Glibc
import OrdealSystem
import Testing

/// The shared system-call layer: whole-file reads and atomic writes, errors that name the call,
/// the path and the errno, children reaped with how they ended.
@Suite struct PosixFileTests {
    let dir: String

    init() throws { dir = try Posix.makeTemporaryDirectory(prefix: "ordeal-system-test") }

    @Test func anAtomicWriteReplacesTheFileWholeAndLeavesNoTemporaryBehind() throws {
        let path = dir + "/report.json"
        try Posix.writeAtomically(path, text: "old")
        try Posix.writeAtomically(path, text: "new content")
        #expect(Posix.readText(path) == "new content")
        #expect(try Posix.names(in: dir) == ["report.json"])
        #expect(Posix.permissions(path) == 0o644)
    }

    @Test func anAtomicWriteIntoAMissingFolderThrowsNamingTheCallThePathAndTheErrno() throws {
        let path = dir + "/missing/report.json"
        #expect {
            try Posix.writeAtomically(path, text: "x")
        } throws: { error in
            guard let error = error as? SystemError else { return false }
            return error.call == "open" && error.subject.hasPrefix(dir + "/missing/") && error.errno == ENOENT
                && error.description.contains("No such file or directory (errno 2)")
        }
    }

    @Test func readingAMissingFileIsNilButReadingItWholeThrows() throws {
        #expect(try Posix.readBytes(dir + "/absent") == nil)
        #expect(throws: SystemError.self) { try Posix.readAll(dir + "/absent") }
    }

    @Test func aWriteToAFullDeviceThrowsENOSPC() throws {
        let fd = try Posix.open("/dev/full", O_WRONLY)
        defer { Posix.close(fd) }
        #expect {
            try Posix.writeAll(fd, Array(repeating: UInt8(0x41), count: 10), subject: "/dev/full")
        } throws: { ($0 as? SystemError)?.errno == ENOSPC }
    }

    @Test func appendedLinesAreKeptInOrder() throws {
        let path = dir + "/effects.txt"
        try Posix.appendLine(path, "a")
        try Posix.appendLine(path, "b")
        #expect(Posix.readText(path) == "a\nb\n")
    }

    @Test func makeDirectoriesCreatesMissingParentsAndAcceptsAnExistingOne() throws {
        try Posix.makeDirectories(dir + "/x/y/z")
        try Posix.makeDirectories(dir + "/x/y/z")
        #expect(Posix.kind(dir + "/x/y/z") == .directory)
        try Posix.writeAtomically(dir + "/file", text: "")
        #expect(throws: SystemError.self) { try Posix.makeDirectories(dir + "/file") }
    }

    @Test func aLinkIsRepointedAtomically() throws {
        try Posix.pointLink(dir + "/latest", at: "run-1")
        try Posix.pointLink(dir + "/latest", at: "run-2")
        #expect(Posix.kind(dir + "/latest", followLinks: false) == .other("symbolic link"))
        #expect(try Posix.names(in: dir).sorted() == ["latest"])
    }
}

@Suite struct ChildProcessTests {
    @Test func aChildsOutputIsReadLineByLineAndItsExitCodeKept() throws {
        let child = try ChildProcess(["/bin/sh", "-c", "echo one; printf two; exit 3"])
        #expect(try child.readLine() == "one")
        #expect(try child.readLine() == "two")
        #expect(try child.readLine() == nil)
        #expect(try child.wait() == .exited(3))
        #expect(try child.wait().exitCode == 3)
    }

    @Test func aKilledChildEndsSignaledAndCountsAs128PlusTheSignal() throws {
        let child = try ChildProcess(["/bin/sleep", "30"])
        try child.kill(SIGKILL)
        let status = try child.wait()
        #expect(status == .signaled(SIGKILL))
        #expect(status.exitCode == 137)
    }

    @Test func aCommandThatDoesNotExistThrowsNamingIt() throws {
        #expect {
            _ = try ChildProcess(["/nonexistent/ordeal-worker"])
        } throws: { error in
            guard let error = error as? SystemError else { return false }
            return error.call == "posix_spawn" && error.subject == "/nonexistent/ordeal-worker" && error.errno == ENOENT
        }
    }
}
