import Foundation
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

    /// Spawns `arguments` (the first is an executable path) with this process's environment.
    public init(_ arguments: [String], environment: [String]? = nil, stderrPath: String? = nil) throws {
        precondition(!arguments.isEmpty, "no command to spawn")
        self.arguments = arguments
        (pid, stdout) = try ChaosPosix.spawn(
            arguments, environment: environment ?? ChaosPosix.environment, stderrPath: stderrPath)
    }

    deinit {
        if status == nil {
            try? ChaosPosix.signalGroup(pid, 9)
            _ = try? ChaosPosix.wait(pid)
        }
        ChaosPosix.close(stdout)
    }

    /// The next line of standard output without its newline, or nil at end of output.
    public func readLine() throws -> String? {
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
            let n = try withUnsafeTemporaryAllocation(byteCount: 16_384, alignment: 1) { buffer in
                let n = try ChaosPosix.read(stdout, into: buffer)
                pending.append(contentsOf: buffer[0..<n])
                return n
            }
            if n == 0 { eof = true }
        }
    }

    /// Sends `signal` to the child's process group.
    public func kill(_ signal: Int32) throws {
        try ChaosPosix.signalGroup(pid, signal)
    }

    /// Waits for the child to end (once; later calls return the same status).
    @discardableResult
    public func wait() throws -> TerminationStatus {
        if let status { return status }
        let s = TerminationStatus(waitStatus: try ChaosPosix.wait(pid))
        status = s
        return s
    }
}

extension ChildProcess {
    /// Runs `argv` to its end, copying its standard output line by line to ours (its standard
    /// error is ours already). Returns its exit code, 128 + the signal that killed it, or 127
    /// when it cannot be started.
    public static func runPassingOutput(_ argv: [String], environment: [String]) throws -> Int32 {
        let child: ChildProcess
        do {
            child = try ChildProcess(argv, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("cannot run \(argv[0]): \(error)\n".utf8))
            return 127
        }
        while let line = try child.readLine() { print(line) }
        switch try child.wait() {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }
}
