/// Numbers and durations written the same way in every report, table and message: a `.`
/// decimal, never a locale's comma, never an exponent. The one formatter of Ordeal.
public enum Format {
    /// `x` with exactly `digits` decimals and a `.` separator (`fixed(1.5, 3)` is `1.500`).
    /// NaN and infinities are written as 0, which no plot or report should ever need.
    public static func fixed(_ x: Double, _ digits: Int = 3) -> String {
        guard x.isFinite else { return digits > 0 ? "0." + String(repeating: "0", count: digits) : "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9.0e18 else { return short(x) }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale)
        let fraction = units % UInt64(scale)
        var text = (x < 0 && units != 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return text
    }

    /// `x` with at most `digits` decimals, trailing zeros dropped (`short(2.50)` is `2.5`).
    public static func short(_ x: Double, _ digits: Int = 2) -> String {
        guard x.isFinite else { return "0" }
        if abs(x) >= 1.0e15 { return String(Int64(min(max(x, -9.0e18), 9.0e18).rounded())) }
        var text = fixed(x, digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Seconds from milliseconds, as JUnit wants them: `12.345`.
    public static func seconds(millis: Double) -> String { fixed(max(millis, 0) / 1000, 3) }

    /// A duration in microseconds for people: `850 µs`, `12.5 ms`, `1.25 s`.
    public static func micros(_ us: Double) -> String {
        if us >= 1_000_000 { return short(us / 1_000_000) + " s" }
        if us >= 1_000 { return short(us / 1_000, 1) + " ms" }
        return short(us, 1) + " µs"
    }

    /// `n` and the noun, singular for one: `1 scenario`, `3 scenarios` (`plural` when the
    /// noun does not just take an s).
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
    }

    /// `text` cut to fit `columns` (its last character an ellipsis when cut): a status line
    /// rewritten in place must never wrap, or the terminal fills with stale copies.
    public static func fit(_ text: String, columns: Int) -> String {
        guard text.count > columns else { return text }
        return columns <= 1 ? String(text.prefix(max(columns, 0))) : String(text.prefix(columns - 1)) + "…"
    }

    /// `x` rounded to one decimal (a figure of report.json).
    public static func round1(_ x: Double) -> Double { (x * 10).rounded() / 10 }
}
