/// URLs as text, without Foundation.
public enum URLText {
    /// `text` with any password between `://user:` and `@` replaced by `***`: for showing a URL
    /// of any scheme.
    public static func redactingPassword(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].firstIndex(of: "@"),
              let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}
