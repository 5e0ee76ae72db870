#if canImport(Glibc)
import BenchKit
import Glibc
#endif

/// Every system call of the Bench module goes through here.
enum BenchPosix {
    static var pid: Int32 { getpid() }

    /// Peak resident set size of this process in KiB (`VmHWM` of `/proc/self/status`), or nil
    /// where there is no such file.
    static func peakResidentKiB() -> Int? { statusKiB("VmHWM") }

    /// A `kB` field of `/proc/self/status`: `VmHWM` (peak resident), `RssAnon` (heap and
    /// stacks now), `RssFile` (file pages mapped now, such as SQLite's mmap of its database).
    static func statusKiB(_ field: String) -> Int? {
        guard let text = readSmallFile("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The largest peak resident set size of any reaped child, in KiB (`getrusage` maxrss).
    static func largestChildPeakKiB() -> Int {
        var usage = rusage()
        guard getrusage(RUSAGE_CHILDREN.rawValue, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
