import Foundation

/// An append-only file of JSON lines (a run's history), created or truncated when opened. Lines
/// wait in a buffer until `flush`; every failure throws, naming the file and the fix, because a
/// history with a hole must not pass for a whole one.
public final class JSONLinesFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    public init(path: String) throws(Failure) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw Failure(description: "cannot create the history file \(path); check that its folder exists and is writable")
        }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Buffers one line (`line` without its newline).
    public func append(_ line: some Sequence<UInt8>) {
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
    }

    /// Bytes buffered and not yet written.
    public var buffered: Int { buffer.count }

    public func flush() throws(Failure) {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw Failure(description: "cannot write the history file \(path): \(error.localizedDescription); check the free space of its disk")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs to disk and closes.
    public func close() throws(Failure) {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw Failure(description: "cannot sync the history file \(path): \(error.localizedDescription)")
        }
    }
}
