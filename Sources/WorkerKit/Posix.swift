import OrdealSystem
#if canImport(Glibc)
import Glibc
#endif

/// What only a worker asks of the system; everything else goes through `OrdealSystem.Posix`.
enum WorkerPosix {
    /// The version of Ordeal's fault shim when it is loaded into this process (LD_PRELOAD),
    /// found by its exported `ordeal_shim_version`; nil otherwise.
    static func faultShimVersion() -> String? {
        // RTLD_DEFAULT is ((void *) 0) in glibc.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ordeal_shim_version") else { return nil }
        typealias Version = @convention(c) () -> UnsafePointer<CChar>?
        return unsafeBitCast(symbol, to: Version.self)().map { String(cString: $0) }
    }

    /// One line to standard output; a runner that stopped reading sees the line missing.
    static func writeLine(_ line: String) { try? Posix.writeAll(1, Array((line + "\n").utf8)) }

    /// One line to standard error (workers.log); nothing more can be done if that fails.
    static func printError(_ line: String) { try? Posix.writeAll(2, Array((line + "\n").utf8)) }
}
