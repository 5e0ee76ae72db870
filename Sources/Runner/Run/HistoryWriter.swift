import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import Foundation
import OrdealSupport

/// Appends history events to `history.jsonl` as they happen (one canonical JSON object per
/// line), and keeps them for the analysis. A write that fails is an error: a history with a
/// hole must not be checked as if it were whole.
final class HistoryWriter {
    private let file: JSONLinesFile
    private(set) var events: [HistoryEvent] = []
    private var line: [UInt8] = []

    var path: String { file.path }

    init(path: String) throws {
        do { file = try JSONLinesFile(path: path) } catch { throw RunnerError.io(error.description) }
    }

    func record(_ fields: [String: JSONValue]) throws {
        let event = HistoryEvent(fields)
        events.append(event)
        line.removeAll(keepingCapacity: true)
        try CanonicalJSON.write(.object(fields), into: &line)
        file.append(line)
        // Ops are batched; anything else (spawn, fault, heal, exit) reaches the file at once, so
        // a runner killed mid-scenario leaves a history that ends where it stopped.
        if file.buffered > 8_192 || event.type != "op" { try flush() }
    }

    func flush() throws {
        do { try file.flush() } catch { throw RunnerError.io(error.description) }
    }

    func close() throws {
        do { try file.close() } catch { throw RunnerError.io(error.description) }
    }
}

/// A failure of the harness itself (never of the system under test): it makes a scenario
/// `unknown`, and a run that cannot go on exits 3.
public enum RunnerError: ExitStatusProviding {
    case io(String)
    case harness(String)

    public var description: String {
        switch self {
        case .io(let message), .harness(let message): message
        }
    }

    public var exitStatus: ExitStatus { .unknown }
}
