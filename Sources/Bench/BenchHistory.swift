import BenchKit
import Foundation
import OrdealSupport

/// The run's history, streamed to `history.jsonl` one line per measured block (and per load
/// phase) as it happens, so the runner keeps nothing per operation in memory and a crash
/// loses nothing already measured.
public final class BenchHistory {
    private let file: JSONLinesFile?
    private let encoder: JSONEncoder
    public var path: String? { file?.path }

    /// A history written to `path` (created or truncated), or nowhere when `path` is nil.
    public init(path: String?) throws {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { file = try path.map(JSONLinesFile.init(path:)) } catch { throw BenchError(.io, error.description) }
    }

    struct Block: Codable {
        var phase = "measure"
        var round: Int
        var backend: String
        var workers: Int
        var op: String
        var loop: String
        var count: Int
        var wall_ns: UInt64
        var p50_ns: UInt64
        var p99_ns: UInt64
        var max_ns: UInt64
    }

    struct Load: Codable {
        var phase = "load"
        var backend: String
        var millis: Double
    }

    func block(round: Int, key: BenchKey, outcome: BlockOutcome, histogram: LatencyHistogram) throws {
        try write(
            Block(
                round: round, backend: key.backend, workers: key.workers, op: key.op, loop: key.loop, count: outcome.count,
                wall_ns: outcome.wallNanos, p50_ns: histogram.nanos(atPercentile: 50), p99_ns: histogram.nanos(atPercentile: 99),
                max_ns: histogram.maxNanos))
    }

    func load(backend: String, millis: Double) throws {
        try write(Load(backend: backend, millis: millis))
    }

    private func write(_ value: some Encodable) throws {
        guard let file else { return }
        file.append(try encoder.encode(value))
        do { try file.flush() } catch { throw BenchError(.io, error.description) }
    }
}
