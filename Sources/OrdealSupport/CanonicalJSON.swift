// Hand-written because no library at hand gives a canonical JSON encoding. Checked: every package
// in the offline mirror Ordeal builds from (no RFC 8785 / JCS implementation, nor any other
// canonical form), and Foundation: `JSONEncoder` with `.sortedKeys` promises no canonical form
// (its number spelling is not specified and may change between releases), and `JSONValue` is not
// `Encodable`. These bytes are hashed into snapshot digests and idempotency keys that are already
// stored, so a replacement must produce them byte for byte: this is not RFC 8785 either (keys in
// UTF-8 byte order, integral doubles below 9e15 as integers, Swift's shortest double form).

/// One byte encoding per JSON value, so that equal values hash equally:
/// object keys sorted by their Unicode scalars, no insignificant white space,
/// `/` never escaped, non-ASCII written as UTF-8, control characters as `\u00XX`,
/// integers in decimal, doubles in Swift's shortest round-tripping form.
public enum CanonicalJSON {
    public struct NonFiniteNumber: Error, CustomStringConvertible {
        public var description: String { "JSON has no encoding for NaN or infinity; store such numbers as strings" }
    }

    public static func encode(_ value: JSONValue) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        try write(value, into: &out)
        return out
    }

    public static func string(_ value: JSONValue) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) throws {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            guard d.isFinite else { throw NonFiniteNumber() }
            if d.rounded() == d, abs(d) < 9.0e15 {
                out.append(contentsOf: String(Int64(d)).utf8)
            } else {
                out.append(contentsOf: "\(d)".utf8)
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            // UTF-8 byte order is Unicode scalar order.
            let sorted = fields.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            var first = true
            for (key, value) in sorted {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `s` as a JSON string literal.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: a contiguous string with nothing to escape is copied whole.
        let copied = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = byte & 0xF
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, 0x30 + (byte >> 4), hex < 10 ? 0x30 + hex : 0x57 + hex])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
