#if canImport(Glibc)
import Glibc
#endif

/// Ordeal's one system-call layer (STYLE.md §6): every module reaches the kernel through here.
/// `EINTR` is retried, `errno` is read at once and thrown as a `SystemError` naming the call and
/// its subject. `close` is not retried on `EINTR`: on Linux the descriptor is released either way.
/// Only calls that belong to one module alone (the shim's control block, a worker's parent-death
/// signal) stay beside that module.
public enum Posix {
    // MARK: Clocks

    /// `CLOCK_MONOTONIC` in nanoseconds: the clock workers stamp events with and durations use.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// `CLOCK_REALTIME` in milliseconds since the Unix epoch: the wall clock, which clock faults move.
    public static func realtimeMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `CLOCK_TAI` in milliseconds since the Unix epoch less the kernel's TAI offset (0 unless
    /// set): wall time the fault shim does not move. Only ordeal-faulty-worker's
    /// `unskewed-lease-clock` reads it, to be a core that reads a clock the faults miss.
    public static func taiMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_TAI, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The width in columns of the terminal on `fd`, or nil when it is not a terminal.
    public static func terminalColumns(_ fd: Int32 = 1) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Sleeps `nanos` nanoseconds, resuming after a signal for what is left.
    public static func sleep(nanos: UInt64) {
        var request = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && Glibc.errno == EINTR { request = remaining }
    }

    public static func sleep(millis: some BinaryInteger) { sleep(nanos: UInt64(max(Int64(millis), 0)) * 1_000_000) }

    // MARK: This process

    public static var pid: Int32 { getpid() }

    public static var parentPID: Int32 { getppid() }

    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// This process's environment as `NAME=value` strings.
    public static var environment: [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }

    public static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

    /// True when a process with this pid exists on this host (it may be a zombie).
    public static func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || Glibc.errno == EPERM }

    /// A `kB` field of `/proc/self/status` (`VmHWM` peak resident, `RssAnon`, `RssFile`), or nil.
    public static func statusKiB(_ field: String) -> Int? {
        guard let bytes = try? readBytes("/proc/self/status") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The largest peak resident set size of any reaped child, in KiB (`getrusage` maxrss).
    public static func largestChildPeakKiB() -> Int {
        var usage = rusage()
        guard getrusage(RUSAGE_CHILDREN.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
    }
}
