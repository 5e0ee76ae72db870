/// A child process in its own process group, with its standard output read line by line.
/// `kill` signals the whole group; `wait` reaps it. The wrapper every spawn goes through.
///
/// `readLine` and `wait` must be called from one thread at a time (the reader); `kill` and
/// `pid` may be used from any thread.
public final class ChildProcess: @unchecked Sendable {
    public let pid: Int32
    public let arguments: [String]
    private let stdout: Int32
    private var pending: [UInt8] = []
    private var eof = false
    private var status: TerminationStatus?

    /// Spawns `arguments` (the first is an executable, PATH searched) with `environment`, or
    /// this process's environment.
    public init(_ arguments: [String], environment: [String]? = nil, stderrPath: String? = nil) throws(SystemError) {
        self.arguments = arguments
        (pid, stdout) = try Posix.spawn(arguments, environment: environment ?? Posix.environment, stderrPath: stderrPath)
    }

    deinit {
        if status == nil {
            try? Posix.signalGroup(pid, 9)
            _ = try? Posix.wait(pid)
        }
        Posix.close(stdout)
    }

    /// The next line of standard output without its newline, or nil at end of output.
    public func readLine() throws(SystemError) -> String? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            if eof {
                guard !pending.isEmpty else { return nil }
                defer { pending.removeAll() }
                return String(decoding: pending, as: UTF8.self)
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16_384, alignment: 1)
            defer { buffer.deallocate() }
            let n = try Posix.read(stdout, into: buffer, subject: "the standard output of \(arguments[0])")
            pending.append(contentsOf: buffer[0..<n])
            if n == 0 { eof = true }
        }
    }

    /// Sends `signal` to the child's process group.
    public func kill(_ signal: Int32) throws(SystemError) { try Posix.signalGroup(pid, signal) }

    /// Waits for the child to end (once; later calls return the same status).
    @discardableResult
    public func wait() throws(SystemError) -> TerminationStatus {
        if let status { return status }
        let s = try Posix.wait(pid)
        status = s
        return s
    }
}

/// A monotonic stopwatch for durations (never the wall clock).
public struct Stopwatch: Sendable {
    /// When the stopwatch started, on `CLOCK_MONOTONIC` (the clock workers stamp events with).
    public let startNanos = Posix.monotonicNanos()
    public init() {}
    public var elapsedNanos: UInt64 { Posix.monotonicNanos() - startNanos }
    public var elapsedMillis: Double { Double(elapsedNanos) / 1_000_000 }
    public static func nowNanos() -> UInt64 { Posix.monotonicNanos() }
}
