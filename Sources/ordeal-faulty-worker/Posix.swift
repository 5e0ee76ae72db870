#if canImport(Glibc)
import Glibc
#endif

/// The system calls of the faulty worker.
enum FaultyPosix {
    static func sleep(millis: Int) {
        var req = timespec(tv_sec: millis / 1000, tv_nsec: (millis % 1000) * 1_000_000)
        var rem = timespec()
        while nanosleep(&req, &rem) == -1 && errno == EINTR { req = rem }
    }

    static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

    static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
