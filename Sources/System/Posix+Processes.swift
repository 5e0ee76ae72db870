import COrdealShims
#if canImport(Glibc)
import Glibc
#endif

/// Spawning, signalling and reaping children (STYLE.md §8): each child gets a process group of
/// its own, so a signal reaches it and whatever it spawned.
extension Posix {
    /// Spawns `argv` in a new process group with standard output on a pipe; returns the pid
    /// and the pipe's read end. Standard input is /dev/null; standard error is appended to
    /// `stderrPath`, or inherited; every other descriptor is closed in the child. The signal mask is emptied and SIGPIPE, SIGINT, SIGTERM,
    /// SIGCHLD and SIGXFSZ are reset to their defaults in the child. A command without a slash
    /// is looked up in PATH, as a shell would.
    public static func spawn(_ argv: [String], environment: [String], stderrPath: String? = nil) throws(SystemError) -> (pid: Int32, stdout: Int32) {
        precondition(!argv.isEmpty, "no command to spawn")
        var fds: [Int32] = [-1, -1]
        guard ordeal_pipe_cloexec(&fds) == 0 else { throw SystemError.last("pipe2", argv[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stderrPath {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        // Nothing else of the parent's reaches the child: descriptors without FD_CLOEXEC (the
        // network-fault proxies' sockets, which SwiftNIO opens without it) would otherwise
        // outlive the runner in its workers.
        let closing = ordeal_spawn_close_from(&actions, 3)
        guard closing == 0 else { throw SystemError(call: "posix_spawn_file_actions_addclosefrom_np", subject: argv[0], errno: closing) }
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
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw SystemError(call: "posix_spawn", subject: argv[0], errno: rc)
        }
        return (pid, fds[0])
    }

    /// Sends `signal` to the process group `pgid` (the child and anything it spawned); a group
    /// that is already gone is not an error.
    public static func signalGroup(_ pgid: Int32, _ signal: Int32) throws(SystemError) {
        guard kill(-pgid, signal) == 0 || Glibc.errno == ESRCH else { throw SystemError.last("kill", "-\(pgid), \(signal)") }
    }

    /// Sends `signal` to one process; one that is already gone is not an error.
    public static func signal(_ pid: Int32, _ signal: Int32) throws(SystemError) {
        guard kill(pid, signal) == 0 || Glibc.errno == ESRCH else { throw SystemError.last("kill", "\(pid), \(signal)") }
    }

    /// Waits for `pid` to end and returns how it ended.
    public static func wait(_ pid: Int32) throws(SystemError) -> TerminationStatus {
        var status: Int32 = 0
        try retrying("waitpid", "\(pid)") { waitpid(pid, &status, 0) }
        return TerminationStatus(waitStatus: status)
    }

    /// Replaces this process with `argv` (PATH searched); returns only when that failed.
    public static func exec(_ argv: [String]) -> SystemError {
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        _ = execvp(argv[0], cArgs)
        return SystemError.last("execvp", argv[0])
    }
}

/// How a child ended: its exit code, or the signal that killed it. A signal death is a result.
public enum TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus s: Int32) {
        if s & 0x7F == 0 { self = .exited((s >> 8) & 0xFF) } else { self = .signaled(s & 0x7F) }
    }

    /// One integer for the status, by hyperfine's rule: the exit code, or 128 + the signal.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

extension Posix {
    /// Asks the kernel to SIGKILL this process when its parent dies, so that no worker outlives
    /// the runner; false when that cannot be set or the parent is already gone (then the
    /// runner's process group kill is all that is left).
    public static func dieWithParent() -> Bool {
        let parent = getppid()
        guard ordeal_set_parent_death_signal(SIGKILL) == 0 else { return false }
        return getppid() == parent && parent != 1
    }
}
