/// The percentiles Ordeal judges and prints: one definition for scenario thresholds, benchmark
/// tolerances and reports. The raw value is the name a scenario file uses (`p999`); `label` is
/// the one people read (`p99.9`), and `init(name:)` takes either.
public enum Percentile: String, Sendable, Hashable, Codable, CaseIterable {
    case p50, p95, p99, p999, max

    /// `p50`, `p95`, `p99`, `p99.9`, `max`.
    public var label: String { self == .p999 ? "p99.9" : rawValue }

    /// The percentile named `name`, as a scenario (`p999`) or a person (`p99.9`) writes it.
    public init?(name: String) {
        if name == "p99.9" { self = .p999 } else { self.init(rawValue: name) }
    }

    /// The percentile in thousandths (p999 is 999, max 1000), for exact integer rank arithmetic.
    public var permille: Int {
        switch self {
        case .p50: 500
        case .p95: 950
        case .p99: 990
        case .p999: 999
        case .max: 1000
        }
    }

    /// This percentile of `summary`, in microseconds.
    public func value(of summary: LatencySummary) -> Double {
        switch self {
        case .p50: summary.p50_us
        case .p95: summary.p95_us
        case .p99: summary.p99_us
        case .p999: summary.p999_us
        case .max: summary.max_us
        }
    }

    /// The nearest-rank percentile of `sorted` (ascending, non-empty): the value at rank
    /// ceil(p × n), counting from 1.
    public func nearestRank(_ sorted: [Double]) -> Double {
        precondition(!sorted.isEmpty, "nearest-rank percentile of no values")
        let rank = Swift.max(1, (permille * sorted.count + 999) / 1000)
        return sorted[Swift.min(rank, sorted.count) - 1]
    }
}
