import BenchKit
import Foundation
import NetFaults
import OrdealModel
import PostgresBackend

/// `ordeal bench --net latency=1ms`: each server backend measured three ways in one run,
/// interleaved like any columns: straight to the server, through the network-fault proxy with
/// no toxic (the proxy's own cost), and through it with the latency each way (what the core
/// costs across a real link). A column's spec says which: `SPEC` then `SPEC +proxy`, then
/// `SPEC +latency 1ms`. The latency is set after the column's load phase, which is not measured.
public enum BenchNetwork {
    /// The `--net` value: the one-way latency added in each direction, in milliseconds.
    public static func parse(_ text: String) throws(BenchError) -> Double {
        let example = "--net latency=1ms (added each way, so a round trip gains twice that)"
        guard text.hasPrefix("latency="), let millis = try? BenchParse.millis(String(text.dropFirst("latency=".count))), millis > 0 else {
            throw BenchError(.badOption, "--net \"\(text)\": write it as \(example)")
        }
        return millis
    }

    static let proxySuffix = " +proxy"
    static func latencySuffix(_ millis: Double) -> String { " +latency \(fmt(millis, digits: 2).replacingOccurrences(of: ".00", with: ""))ms" }

    /// The columns for `backends` with `--net`: every server spec followed by its two proxied forms.
    public static func expand(_ backends: [String], latencyMillis: Double) -> [String] {
        backends.flatMap { spec in
            spec.hasPrefix("postgres") ? [spec, spec + proxySuffix, spec + latencySuffix(latencyMillis)] : [spec]
        }
    }

    /// The server spec of a column and the toxic its proxy carries (nil toxic: a bare proxy);
    /// nil when the column is not proxied.
    static func variant(_ column: String) -> (spec: String, toxic: Toxic?)? {
        if column.hasSuffix(proxySuffix) { return (String(column.dropLast(proxySuffix.count)), nil) }
        guard let range = column.range(of: " +latency "), column.hasSuffix("ms"),
              let millis = Double(column[range.upperBound...].dropLast(2)) else { return nil }
        return (String(column[..<range.lowerBound]), .latency(millis: millis, jitterMillis: 0, direction: .both))
    }

    /// Opens a proxied column: a new database on the server, reached through a proxy of its own.
    static func open(_ column: String, spec: String, toxic: Toxic?) throws -> BenchTarget {
        let database = try BenchBackends.newDatabase(on: spec)
        let proxy = try FaultProxy.start(upstreamHost: database.host, upstreamPort: database.port)
        var through = database
        through.host = "127.0.0.1"
        through.port = proxy.port
        let backend = try PostgresBackend(url: through)
        return BenchTarget(
            spec: PostgresURL.redactingPassword(column), durability: "server", backend: backend,
            floor: try BenchFloor.of(backend), afterLoad: { if let toxic { proxy.apply(toxic) } })
    }

    /// The proxy's own added cost per round trip (raw.roundtrip through a bare proxy less
    /// straight to the server), against the ≤ 20 µs P50 target.
    public static func lines(_ report: BenchReport) -> [String] {
        var out: [String] = []
        for direct in orderedUnique(report.results.map(\.backend)) where direct.hasPrefix("postgres") && !direct.contains(" +") {
            guard let floor = report.row("raw.roundtrip", backend: direct, workers: 1),
                  let proxied = report.row("raw.roundtrip", backend: direct + proxySuffix, workers: 1) else { continue }
            let p50 = proxied.p50_us - floor.p50_us
            out.append(
                "the proxy adds \(fmt(p50)) µs to the P50 round trip on \(direct) (raw.roundtrip P50 \(fmt(floor.p50_us)) → \(fmt(proxied.p50_us)) µs, P99 \(fmt(floor.p99_us)) → \(fmt(proxied.p99_us)) µs; target ≤ 20 µs P50): \(p50 <= 20 ? "met" : "NOT met")")
        }
        return out
    }
}
