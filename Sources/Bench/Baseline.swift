import BenchKit
import Foundation
import OrdealSupport

/// `--max-regression p99=10%`: how much worse than the baseline a percentile may get.
public struct Tolerance: Sendable, Hashable, CustomStringConvertible {
    public var percentile: Percentile
    /// The allowed increase, in percent of the baseline's value.
    public var percent: Double

    public init(percentile: Percentile, percent: Double) {
        self.percentile = percentile
        self.percent = percent
    }

    public var description: String { "\(percentile.label)=\(fmt(percent, digits: 1))%" }

    /// Parses `p99=10%` (the `%` may be left out); `p999` is accepted for `p99.9`.
    public static func parse(_ text: String) throws(BenchError) -> Tolerance {
        let valid = "valid: " + Percentile.allCases.map(\.label).joined(separator: ", ")
        let parts = text.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw BenchError(.badTolerance, "--max-regression \"\(text)\" is not PERCENTILE=PERCENT; write it like p99=10%")
        }
        let name = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
        guard let percentile = Percentile(name: name) else {
            throw BenchError(.badTolerance, "--max-regression \"\(text)\": unknown percentile \(name); \(valid)")
        }
        var amount = parts[1].trimmingCharacters(in: .whitespaces)
        if amount.hasSuffix("%") { amount.removeLast() }
        guard let percent = Double(amount), percent >= 0, percent.isFinite else {
            throw BenchError(
                .badTolerance, "--max-regression \"\(text)\": the tolerance must be a percentage of 0 or more, like \(name)=10%")
        }
        return Tolerance(percentile: percentile, percent: percent)
    }
}

/// One percentile of one row that got worse than its baseline by more than the tolerance.
public struct Regression: Sendable, Hashable, CustomStringConvertible {
    public var key: BenchKey
    public var tolerance: Tolerance
    public var baseline: Double
    public var current: Double

    public var increasePercent: Double { (current / baseline - 1) * 100 }

    public var description: String {
        "REGRESSION: \(key.description): \(tolerance.percentile.label) is \(fmt(current)) µs, "
            + "\(fmt(increasePercent))% above the baseline's \(fmt(baseline)) µs (tolerance \(fmt(tolerance.percent))%)."
    }
}

/// A run compared with a baseline. Improvements never fail a run.
public struct BaselineComparison: Sendable {
    public var regressions: [Regression] = []
    /// Rows of this run that the baseline lacks (not compared, not a failure).
    public var unmatched: [BenchKey] = []
    /// Percentile comparisons made.
    public var compared = 0

    public var exitStatus: ExitStatus { regressions.isEmpty ? .passed : .regression }

    /// Compares every row of `current` that the baseline has, on every tolerance's percentile.
    public static func compare(current: [BenchRow], baseline: [BenchRow], tolerances: [Tolerance]) -> BaselineComparison {
        var result = BaselineComparison()
        let old = Dictionary(baseline.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for row in current {
            guard let before = old[row.key] else {
                result.unmatched.append(row.key)
                continue
            }
            for tolerance in tolerances {
                let was = before.value(tolerance.percentile)
                let now = row.value(tolerance.percentile)
                guard was > 0 else { continue }
                result.compared += 1
                if now > was * (1 + tolerance.percent / 100) {
                    result.regressions.append(Regression(key: row.key, tolerance: tolerance, baseline: was, current: now))
                }
            }
        }
        return result
    }

    /// The lines to print: every regression, then a closing sentence.
    public func lines(baselineName: String) -> [String] {
        var out = regressions.map(\.description)
        if !unmatched.isEmpty {
            out.append("not in baseline \(baselineName) (not compared): " + unmatched.map(\.description).joined(separator: "; "))
        }
        out.append(
            regressions.isEmpty
                ? "baseline \(baselineName): no regression beyond tolerance (\(compared) percentiles compared)"
                : "baseline \(baselineName): \(regressions.count) regression\(regressions.count == 1 ? "" : "s") beyond tolerance (exit 5)")
        return out
    }
}
