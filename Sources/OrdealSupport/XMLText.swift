/// Text for XML, SVG and HTML: one escaping for every exporter and plot.
public enum XMLText {
    /// Whether XML 1.0 may carry `scalar`: tab and newline, and no other control character
    /// (C0, DEL, C1) nor the non-characters U+FFFE and U+FFFF.
    public static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: true
        case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: false
        default: true
        }
    }

    /// `text` for XML element content or a quoted attribute: `& < > " '` as entities, control
    /// characters other than tab and newline removed. In an attribute (`attribute: true`) tab
    /// and newline are written as character references, so parsers keep them.
    public static func escape(_ text: String, attribute: Bool = false) -> String {
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
            default: if isSafe(scalar) { out.append(scalar) }
            }
        }
        return String(out)
    }
}
