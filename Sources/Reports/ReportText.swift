import OrdealModel
import OrdealSupport

/// Text helpers shared by the exporters: XML escaping and numbers written the same way on
/// every machine (a `.` decimal, never a locale's comma, never an exponent).
enum ReportText {
    /// A name usable in a file name: letters, digits, `.`, `_` and `-`; anything else is `-`.
    static func fileSafe(_ name: String) -> String {
        let mapped = name.unicodeScalars.map { s -> Character in
            switch s {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": Character(s)
            default: "-"
            }
        }
        var text = String(mapped)
        while text.hasPrefix(".") { text.removeFirst() }
        return text.isEmpty ? "scenario" : text
    }

    /// At most `limit` characters of `text`, with `…` when cut.
    static func clip(_ text: String, _ limit: Int) -> String {
        guard let end = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), end != text.endIndex
        else { return text }
        return String(text.prefix(max(limit - 1, 0))) + "…"
    }

    /// A counterexample item as one canonical JSON line.
    static func jsonLine(_ value: JSONValue) -> String { (try? CanonicalJSON.string(value)) ?? "(not representable as JSON)" }

    /// The measurements of a check, one `name = value` per line, sorted by name.
    static func measurements(_ check: CheckResult) -> String {
        check.measurements.sorted { $0.key < $1.key }.map { "\($0.key) = \(figure($0.key, $0.value))" }.joined(separator: "\n")
    }

    /// A measurement for people: a duration in microseconds (`…_us`) as every latency is shown
    /// (`16.8 ms`), so one figure never appears three ways; any other figure without a spurious
    /// `.0`.
    static func figure(_ key: String, _ value: Double) -> String {
        key.hasSuffix("_us") ? Format.micros(value) : Format.short(value, 3)
    }
}
