import COrdealShims
#if canImport(Glibc)
import Glibc
#endif

/// The system calls of Chaos: spawning, signalling and reaping children, reading their pipes.
/// EINTR is retried; errno is read at once and thrown with the call and its argument.
enum ChaosPosix {
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let subject: String
        let errno: Int32
        var description: String { "\(call)(\(subject)) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// Spawns `argv` in a new process group with standard output on a pipe; returns the pid
    /// and the pipe's read end. Standard input is /dev/null; standard error is appended to
    /// `stderrPath`, or inherited. Signal dispositions and mask are
    /// reset to defaults in the child.
    static func spawn(_ argv: [String], environment: [String], stderrPath: String? = nil) throws(Failure) -> (pid: Int32, stdout: Int32) {
        var fds: [Int32] = [-1, -1]
        guard ordeal_pipe_cloexec(&fds) == 0 else { throw Failure(call: "pipe2", subject: argv[0], errno: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stderrPath {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGXFSZ] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        // posix_spawnp: a command without a slash is looked up in PATH, as a shell would.
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw Failure(call: "posix_spawn", subject: argv[0], errno: rc)
        }
        return (pid, fds[0])
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw Failure(call: "read", subject: "fd \(fd)", errno: errno) }
        }
    }

    /// `close` is not retried on EINTR: on Linux the descriptor is released either way.
    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Sends `signal` to the process group `pgid` (the child and anything it spawned).
    static func signalGroup(_ pgid: Int32, _ signal: Int32) throws(Failure) {
        guard kill(-pgid, signal) == 0 || errno == ESRCH else {
            throw Failure(call: "kill", subject: "-\(pgid), \(signal)", errno: errno)
        }
    }

    /// Waits for `pid` to end and returns its raw wait status.
    static func wait(_ pid: Int32) throws(Failure) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { throw Failure(call: "waitpid", subject: "\(pid)", errno: errno) }
        }
        return status
    }

    static var environment: [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func makeTemporaryDirectory(prefix: String) throws(Failure) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw Failure(call: "mkdtemp", subject: prefix, errno: errno) }
        return String(cString: p)
    }

    /// The whole file as UTF-8 text; nil when it cannot be read.
    static func readWholeFile(_ path: String) -> String? {
        (try? readBytes(path))?.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// How a child ended: its exit code, or the signal that killed it. A signal death is a result.
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus s: Int32) {
        if s & 0x7F == 0 { self = .exited((s >> 8) & 0xFF) } else { self = .signaled(s & 0x7F) }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}
