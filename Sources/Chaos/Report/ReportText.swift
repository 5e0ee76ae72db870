import OrdealSupport

/// Text helpers shared by the exporters: XML escaping and numbers written the same way on
/// every machine (a `.` decimal, never a locale's comma, never an exponent).
enum ReportText {
    /// Whether XML 1.0 may carry `scalar`: tab and newline, and no other control character
    /// (C0, DEL, C1) nor the non-characters U+FFFE and U+FFFF.
    static func isXMLSafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: true
        case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: false
        default: true
        }
    }

    /// `text` for XML element content or a quoted attribute: `& < > " '` as entities, control
    /// characters other than tab and newline removed. In an attribute (`attribute: true`) tab
    /// and newline are written as character references, so parsers keep them.
    static func xml(_ text: String, attribute: Bool = false) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&apos;".unicodeScalars)
            case "\n" where attribute: out.append(contentsOf: "&#10;".unicodeScalars)
            case "\t" where attribute: out.append(contentsOf: "&#9;".unicodeScalars)
            default: if isXMLSafe(scalar) { out.append(scalar) }
            }
        }
        return String(out)
    }

    /// `x` with exactly `digits` decimals and a `.` separator (`fixed(1.5, 3)` is `1.500`).
    /// NaN and infinities are written as 0, which no plot or report should ever need.
    static func fixed(_ x: Double, _ digits: Int = 3) -> String {
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
    static func short(_ x: Double, _ digits: Int = 2) -> String {
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
    static func seconds(millis: Double) -> String { fixed(max(millis, 0) / 1000, 3) }

    /// A duration in microseconds for people: `850 µs`, `12.5 ms`, `1.25 s`.
    static func micros(_ us: Double) -> String {
        if us >= 1_000_000 { return short(us / 1_000_000) + " s" }
        if us >= 1_000 { return short(us / 1_000, 1) + " ms" }
        return short(us, 1) + " µs"
    }

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
        check.measurements.sorted { $0.key < $1.key }.map { "\($0.key) = \(short($0.value, 3))" }.joined(separator: "\n")
    }
}
