#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every system call of RecoveryCore goes through here: EINTR is retried, errno is read at once.
enum Posix {
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let path: String
        let errno: Int32
        var description: String { "\(call)(\(path)) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    // MARK: Clocks

    static func realtimeMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func sleep(millis: Int64) {
        var req = timespec(tv_sec: Int(millis / 1000), tv_nsec: Int(millis % 1000) * 1_000_000)
        var rem = timespec()
        while nanosleep(&req, &rem) == -1 && errno == EINTR { req = rem }
    }

    // MARK: Processes

    static var pid: Int32 { getpid() }

    static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when a process with this pid exists on this host (it may be a zombie).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    // MARK: Files

    enum FileKind { case file, directory, other }

    /// The kind of file at `path`, or nil when nothing is there.
    static func fileKind(_ path: String) -> FileKind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Feeds the bytes of the file at `path` to `consume`, 64 KiB at a time.
    static func readFile(_ path: String, _ consume: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd == -1 && errno == EINTR
        guard fd >= 0 else { throw Failure(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "read", path: path, errno: errno)
            }
            consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}
