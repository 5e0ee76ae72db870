import BenchKit

/// A value of results.json's `meta`: a number where it is a number (rounds, warm-up, peak
/// memory, load-phase milliseconds), a list where it is a list (backends, worker counts), text
/// otherwise; JSON of its own type, so a reader needs no parsing of strings.
public enum MetaValue: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    case text(String)
    case integer(Int)
    case number(Double)
    case texts([String])
    case integers([Int])

    public init(stringLiteral value: String) { self = .text(value) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Int.self) {
            self = .integer(v)
        } else if let v = try? c.decode(Double.self) {
            self = .number(v)
        } else if let v = try? c.decode([Int].self) {
            self = .integers(v)
        } else if let v = try? c.decode([String].self) {
            self = .texts(v)
        } else {
            self = .text(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let v): try c.encode(v)
        case .integer(let v): try c.encode(v)
        case .number(let v): try c.encode(v)
        case .texts(let v): try c.encode(v)
        case .integers(let v): try c.encode(v)
        }
    }

    /// For people: the value as report.md and the terminal show it.
    public var description: String {
        switch self {
        case .text(let v): v
        case .integer(let v): String(v)
        case .number(let v): fmt(v)
        case .texts(let v): v.joined(separator: ", ")
        case .integers(let v): v.map(String.init).joined(separator: ", ")
        }
    }

    /// The value when it is text.
    public var text: String? { if case .text(let v) = self { v } else { nil } }
}
