internal import ExtrasBase64

/// Base64 (RFC 4648) for DSSE envelopes and PEM, over swift-extras-base64 (`ExtrasBase64`).
/// A thin wrapper remains because DSSE envelopes from other tools must be read exactly as
/// before, and the library reads base64 in two ways that differ from that:
/// - It takes one alphabet per call; DSSE allows standard or URL-safe, so `-` and `_` are read
///   as `+` and `/` (as before, even mixed in one string).
/// - It accepts encodings no encoder writes: non-zero unused bits in the last character
///   (`aGVsbG8gd29ybGR=` reads as `hello world`), `=` inside the last group (`QQ=A`), and, with
///   padding optional, a partial padding (`QQ=`). A lax decoder would hide a corrupted
///   character, so a decoding counts only when encoding it again gives back the input exactly.
/// Checked against the former hand-written decoder on every string of up to 7 characters over
/// an alphabet holding each case (`AQgw+/-_=8 é`), with no difference.
public enum Base64 {
    /// `bytes` in standard base64 with `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        ExtrasBase64.Base64.encodeToString(bytes: bytes)
    }

    /// The bytes `text` encodes, or nil when it is not base64: an unknown character (white space
    /// included), a misplaced or excess `=`, a length no encoder produces, or non-zero unused bits
    /// in the last character. Standard or URL-safe alphabet; padding optional.
    public static func decode(_ text: String) -> [UInt8]? {
        let standard = text.utf8.map { c -> UInt8 in
            c == UInt8(ascii: "-") ? UInt8(ascii: "+") : c == UInt8(ascii: "_") ? UInt8(ascii: "/") : c
        }
        let padded = standard.last == UInt8(ascii: "=")
        guard
            let bytes = try? ExtrasBase64.Base64.decode(bytes: standard, options: padded ? [] : [.omitPaddingCharacter]),
            ExtrasBase64.Base64.encodeToBytes(bytes: bytes, options: padded ? [] : [.omitPaddingCharacter]) == standard
        else { return nil }
        return bytes
    }
}
