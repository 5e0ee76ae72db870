import Histogram

/// Latencies of one operation, in nanoseconds, in an HDR histogram (3 significant digits):
/// memory stays constant however many values are recorded, and histograms merge exactly.
public struct LatencyHistogram: Sendable, Codable {
    private var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)

    public init() {}

    public mutating func record(nanos: UInt64) {
        _ = histogram.record(max(nanos, 1))
    }

    public mutating func merge(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    public var count: UInt64 { histogram.totalCount }

    /// The value at `percentile` (0...100), in nanoseconds.
    public func nanos(atPercentile percentile: Double) -> UInt64 {
        count == 0 ? 0 : histogram.valueAtPercentile(percentile)
    }

    public var maxNanos: UInt64 { count == 0 ? 0 : histogram.max }

    public var summary: LatencySummary {
        func us(_ nanos: UInt64) -> Double { (Double(nanos) / 1000 * 10).rounded() / 10 }
        return LatencySummary(
            count: count, p50_us: us(nanos(atPercentile: 50)), p95_us: us(nanos(atPercentile: 95)),
            p99_us: us(nanos(atPercentile: 99)), p999_us: us(nanos(atPercentile: 99.9)), max_us: us(maxNanos))
    }
}

/// The percentiles every Ordeal report and benchmark prints, in microseconds.
public struct LatencySummary: Sendable, Codable, Hashable {
    public var count: UInt64
    public var p50_us: Double
    public var p95_us: Double
    public var p99_us: Double
    public var p999_us: Double
    public var max_us: Double

    public init(count: UInt64, p50_us: Double, p95_us: Double, p99_us: Double, p999_us: Double, max_us: Double) {
        self.count = count
        self.p50_us = p50_us
        self.p95_us = p95_us
        self.p99_us = p99_us
        self.p999_us = p999_us
        self.max_us = max_us
    }
}
