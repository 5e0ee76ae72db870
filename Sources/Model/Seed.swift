import OrdealSupport

/// A scenario's seed: a whole number of 63 bits, so that every place it is written (the
/// terminal, report.json, outcome.json, a scenario's `seed:`, `--seed`) holds the same number,
/// exactly: JSON integers are read as signed 64-bit ones, and a 64th bit would print as a
/// negative number there and as a positive one elsewhere.
public enum Seed {
    /// The largest seed, 2^63 - 1.
    public static let max = UInt64(Int64.max)

    /// What a seed may be, for error messages.
    public static let rule = "a whole number from 0 to \(max)"

    public static func isValid(_ seed: UInt64) -> Bool { seed <= max }

    /// The seed as report.json and outcome.json store it (a seed above `max` is clipped to
    /// its low 63 bits: the loader and `--seed` never let one through).
    public static func json(_ seed: UInt64) -> JSONValue { .int(Int64(seed & max)) }

    /// A seed as report.json or outcome.json stores it; nil when it is absent or not a seed.
    public static func read(_ json: JSONValue?) -> UInt64? {
        guard let value = json?.intValue, value >= 0 else { return nil }
        return UInt64(value)
    }
}
