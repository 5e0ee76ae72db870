import COrdealShims
#if canImport(Glibc)
import Glibc
#endif

/// The system calls of WorkerKit.
enum WorkerPosix {
    /// Writes all of `bytes` to `fd`, retrying on EINTR and short writes. A line under
    /// PIPE_BUF (4096) bytes reaches a pipe in one piece.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Appends `line` to the file at `path` with O_APPEND and fsyncs it: a tool's real side effect.
    static func appendLine(_ path: String, _ line: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        guard writeAll(fd, Array((line + "\n").utf8)) else { return errno }
        return fsync(fd) == 0 ? 0 : errno
    }

    /// The whole file at `path` (empty when it does not exist), or nil and the errno.
    static func readFile(_ path: String) -> ([UInt8]?, Int32) {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { return errno == ENOENT ? ([], 0) : (nil, errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return (nil, errno)
            }
            if n == 0 { return (bytes, 0) }
            bytes.append(contentsOf: buffer[0..<n])
        }
    }

    /// Asks the kernel to SIGKILL this process when its parent dies, so that no worker
    /// outlives the runner; returns false if the parent is already gone.
    static func dieWithParent() -> Bool {
        let parent = getppid()
        guard ordeal_set_parent_death_signal(SIGKILL) == 0 else { return false }
        return getppid() == parent && parent != 1
    }

    static var pid: Int32 { getpid() }

    static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

    /// The version of Ordeal's fault shim when it is loaded into this process (LD_PRELOAD),
    /// found by its exported `ordeal_shim_version`; nil otherwise.
    static func faultShimVersion() -> String? {
        // RTLD_DEFAULT is ((void *) 0) in glibc.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ordeal_shim_version") else { return nil }
        typealias Version = @convention(c) () -> UnsafePointer<CChar>?
        return unsafeBitCast(symbol, to: Version.self)().map { String(cString: $0) }
    }

    /// Replaces this process with `argv` (PATH searched); returns errno only if that failed.
    static func execvp(_ argv: [String]) -> Int32 {
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        _ = Glibc.execvp(argv[0], cArgs)
        return errno
    }

    /// One line to standard output; a runner that stopped reading sees the line missing.
    static func writeLine(_ line: String) {
        _ = writeAll(1, Array((line + "\n").utf8))
    }

    static func printError(_ line: String) {
        _ = writeAll(2, Array((line + "\n").utf8))
    }

    static func sleep(millis: Int) {
        var req = timespec(tv_sec: millis / 1000, tv_nsec: (millis % 1000) * 1_000_000)
        var rem = timespec()
        while nanosleep(&req, &rem) == -1 && errno == EINTR { req = rem }
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
