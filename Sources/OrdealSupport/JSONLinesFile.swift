import OrdealSystem
#if canImport(Glibc)
import Glibc
#endif

/// An append-only file of JSON lines (a run's history), created or truncated when opened. Lines
/// wait in a buffer until `flush`; every failure throws, naming the file and the fix, because a
/// history with a hole must not pass for a whole one.
public final class JSONLinesFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        /// The failed call, with its errno.
        public let underlying: SystemError
    }

    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []

    public init(path: String) throws(Failure) {
        self.path = path
        do { fd = try Posix.open(path, O_WRONLY | O_CREAT | O_TRUNC) } catch {
            throw Failure(description: "cannot create the history file: \(error); check that its folder exists and is writable", underlying: error)
        }
    }

    deinit { if fd >= 0 { Posix.close(fd) } }

    /// Buffers one line (`line` without its newline).
    public func append(_ line: some Sequence<UInt8>) {
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
    }

    /// Bytes buffered and not yet written.
    public var buffered: Int { buffer.count }

    public func flush() throws(Failure) {
        guard !buffer.isEmpty else { return }
        do { try Posix.writeAll(fd, buffer, subject: path) } catch {
            throw Failure(description: "cannot write the history file: \(error); check the free space of its disk", underlying: error)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs to disk and closes.
    public func close() throws(Failure) {
        try flush()
        do { try Posix.fsync(fd, subject: path) } catch {
            throw Failure(description: "cannot sync the history file: \(error)", underlying: error)
        }
        Posix.close(fd)
        fd = -1
    }
}
