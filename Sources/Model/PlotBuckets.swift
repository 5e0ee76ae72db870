/// The time bucket of a scenario's plots: the smallest of 1-2-5 steps (5 ms to 10 s) that
/// gives the scenario at most about 60 buckets, so a 0.5 s scenario has 50 points, not five,
/// and a fault window cannot swallow the points around it.
public enum PlotBuckets {
    public static let steps: [Double] = [5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000]

    public static func millis(forSpan span: Double) -> Double {
        steps.first { span / $0 <= 60 } ?? steps[steps.count - 1]
    }
}
