import OrdealSupport
import OrdealModel
import OrdealSystem
import Yams

/// Walks the YAML nodes of one file into a `Scenario`, collecting every problem rather than
/// stopping at the first. `ScenarioLoader` throws when `problems` is not empty.
struct ScenarioParser {
    let file: String
    private(set) var problems: [ScenarioError.Problem] = []

    init(file: String) {
        self.file = file
    }

    mutating func report(_ node: Node?, _ field: String, _ message: String) {
        report(line: node?.mark?.line, field, message)
    }

    mutating func report(line: Int?, _ field: String, _ message: String) {
        problems.append(.init(file: file, line: line, field: field, message: message))
    }

    /// The keys of one YAML mapping that passed the unknown-key check, in file order.
    struct Fields {
        let node: Node
        private(set) var keys: [String] = []
        private var values: [String: Node] = [:]
        private var keyNodes: [String: Node] = [:]

        init(node: Node) {
            self.node = node
        }

        subscript(key: String) -> Node? { values[key] }
        func keyNode(_ key: String) -> Node? { keyNodes[key] }
        func has(_ key: String) -> Bool { values[key] != nil }

        mutating func add(_ key: String, keyNode: Node, value: Node) {
            keys.append(key)
            values[key] = value
            keyNodes[key] = keyNode
        }
    }

    /// `field.key`, or `key` at the top level.
    static func path(_ field: String, _ key: String) -> String {
        field.isEmpty ? key : "\(field).\(key)"
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// What a node holds, for "found ..." phrases.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): isNull(node) ? "no value" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The mapping at `field` with every key checked against `valid` (unknown keys are
    /// reported at their own line and left out); nil, reported, when `node` is not a mapping.
    mutating func fields(_ node: Node, _ field: String, valid: [String], noun: String = "key") -> Fields? {
        guard case .mapping(let mapping) = node else {
            let what = field.isEmpty ? "a scenario" : "\(field)"
            report(node, field, "\(what) must be a mapping with keys \(valid.joined(separator: ", ")); found \(Self.describe(node))")
            return nil
        }
        var out = Fields(node: node)
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !Self.isNull(key) else {
                report(key, field, "a \(noun) must be a plain name; found \(Self.describe(key))")
                continue
            }
            let name = scalar.string
            guard valid.contains(name) else {
                report(key, Self.path(field, name), "unknown \(noun) '\(name)'; valid: \(valid.joined(separator: ", "))")
                continue
            }
            out.add(name, keyNode: key, value: value)
        }
        return out
    }

    /// A text value; a number or boolean is taken as written.
    mutating func string(_ node: Node, _ field: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report(node, field, "expected a text value; found \(Self.describe(node))")
            return nil
        }
        return scalar.string
    }

    /// A non-empty name (group, op, target).
    mutating func name(_ node: Node, _ field: String) -> String? {
        guard let text = string(node, field) else { return nil }
        guard !text.allSatisfy(\.isWhitespace) else {
            report(node, field, "must not be empty")
            return nil
        }
        return text
    }

    mutating func integer(_ node: Node, _ field: String, atLeast minimum: Int) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
            let value = Int(scalar.string)
        else {
            report(node, field, "expected a whole number ≥ \(minimum); found \(Self.describe(node))")
            return nil
        }
        guard value >= minimum else {
            report(node, field, "must be at least \(minimum); found \(value)")
            return nil
        }
        return value
    }

    /// A value from a fixed set, named in the message when it is not one of them.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ field: String, noun: String) -> E?
    where E.RawValue == String {
        guard let text = string(node, field) else { return nil }
        if let value = E(rawValue: text) { return value }
        let valid = E.allCases.map(\.rawValue).joined(separator: ", ")
        report(node, field, "unknown \(noun) '\(text)'; valid: \(valid)")
        return nil
    }

    mutating func list(_ node: Node, _ field: String, example: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(node, field, "expected a list, e.g. \(example); found \(Self.describe(node))")
            return nil
        }
        return Array(sequence)
    }

    /// A duration in microseconds: a number with `ms`, `s` or `m`.
    mutating func duration(_ node: Node, _ field: String, positive: Bool = false) -> Double? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report(node, field, "expected a duration such as 250ms, 1.5s or 2m; found \(Self.describe(node))")
            return nil
        }
        switch Self.parseDuration(scalar.string) {
        case .failure(let message):
            report(node, field, message.text)
            return nil
        case .success(let micros):
            if positive && micros <= 0 {
                report(node, field, "must be greater than 0; found '\(scalar.string)'")
                return nil
            }
            return micros
        }
    }

    mutating func millis(_ node: Node, _ field: String, positive: Bool = false) -> Int64? {
        guard let micros = duration(node, field, positive: positive) else { return nil }
        let millis = Int64((micros / 1000).rounded())
        if positive && millis == 0 {
            report(node, field, "is kept in whole milliseconds, and this rounds to 0; write at least 1ms")
            return nil
        }
        return millis
    }

    struct DurationMessage: Error {
        let text: String
    }

    /// Parses `800us` (or `800µs`), `250ms`, `1.5s`, `2m` into microseconds, the unit every
    /// latency is reported in; the failure is the message to report.
    static func parseDuration(_ text: String) -> Result<Double, DurationMessage> {
        let howTo = "write a number followed by us (or µs), ms, s or m, e.g. 800us, 250ms, 1.5s, 2m"
        let digits = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits.first != ".", digits.last != ".",
            let number = Double(digits)
        else {
            return .failure(.init(text: "'\(text)' is not a duration; \(howTo)"))
        }
        let scale: Double
        switch unit {
        case "us", "µs": scale = 1
        case "ms": scale = 1_000
        case "s": scale = 1_000_000
        case "m": scale = 60_000_000
        case "": return .failure(.init(text: "'\(text)' has no unit; \(howTo)"))
        default: return .failure(.init(text: "unknown unit '\(unit)' in '\(text)'; \(howTo)"))
        }
        guard number * scale < 1e15 else {
            return .failure(.init(text: "'\(text)' is too long; write a duration under 1000000000s"))
        }
        return .success(number * scale)
    }
}
