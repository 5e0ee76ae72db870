/// PEM armour (RFC 7468): a base64 body between `-----BEGIN label-----` and `-----END label-----`.
enum PEM {
    /// The DER inside the first block labelled `label` in `text`, or nil.
    static func decode(_ text: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map {
            String($0).trimmingSpaces()
        }
        guard let first = lines.firstIndex(of: begin),
            let last = lines[first...].firstIndex(of: end)
        else { return nil }
        let body = lines[(first + 1)..<last].joined()
        guard !body.isEmpty else { return nil }
        return Base64.decode(body)
    }

    /// `der` as a PEM block labelled `label`, 64 characters a line, ending with a newline.
    static func encode(_ der: [UInt8], label: String) -> String {
        let body = Array(Base64.encode(der))
        var text = "-----BEGIN \(label)-----\n"
        var i = 0
        while i < body.count {
            text += String(body[i..<min(i + 64, body.count)]) + "\n"
            i += 64
        }
        return text + "-----END \(label)-----\n"
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
