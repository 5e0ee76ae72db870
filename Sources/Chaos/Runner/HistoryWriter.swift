import Foundation
import OrdealSupport

/// Appends history events to `history.jsonl` as they happen (one canonical JSON object per
/// line), and keeps them for the analysis. A write that fails is an error: a history with a
/// hole must not be checked as if it were whole.
final class HistoryWriter {
    let path: String
    private let handle: FileHandle
    private(set) var events: [HistoryEvent] = []
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw RunnerError.io("cannot create the history file \(path); check that its directory is writable")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func record(_ fields: [String: JSONValue]) throws {
        let event = HistoryEvent(fields)
        events.append(event)
        try CanonicalJSON.write(.object(fields), into: &buffer)
        buffer.append(0x0A)
        // Ops are batched; anything else (spawn, fault, heal, exit) reaches the file at once, so
        // a runner killed mid-scenario leaves a history that ends where it stopped.
        if buffer.count > 8_192 || event.type != "op" { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw RunnerError.io("cannot write the history file \(path): \(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
    }
}

/// A failure of the harness itself (never of the system under test): it makes a scenario `unknown`.
public enum RunnerError: Error, CustomStringConvertible {
    case io(String)
    case harness(String)

    public var description: String {
        switch self {
        case .io(let message), .harness(let message): message
        }
    }
}
