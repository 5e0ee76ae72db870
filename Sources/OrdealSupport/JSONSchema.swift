// Hand-written because no library at hand validates JSON against a JSON Schema. Checked: every
// package in the offline mirror Ordeal builds from, and Foundation. The schema-related ones only
// describe schemas: OpenAPIKit 6.4.0 models JSON Schema documents for OpenAPI (no instance
// validation), swift-openapi-runtime 1.13.4 holds values typed by a schema (OpenAPIValue),
// swift-openapi-generator turns schemas into Swift types at build time, and the MCP swift-sdk
// 0.12.1 passes schemas through as raw values. If one appears, it must reject the keywords
// this subset does not support, as `init` does, and give the same paths in its errors.

/// A validator for the part of JSON Schema (draft 2020-12) that Ordeal's report schema uses:
/// `type` (one or a list), `properties`, `required`, `additionalProperties` (bool or schema),
/// `items`, `enum`, `const`, `minimum`, `minItems`, `anyOf`, `pattern`-free strings, and local
/// `$ref`s to `#/$defs/NAME`. Anything else in a schema is an error, so a schema never checks less than it
/// appears to.
public struct JSONSchema: Sendable {
    public let root: JSONValue

    public struct SchemaError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let known: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
        "additionalProperties", "items", "enum", "const", "minimum", "minItems", "anyOf",
    ]

    public init(_ root: JSONValue) throws {
        self.root = root
        try Self.checkKeywords(root, at: "#")
    }

    private static func checkKeywords(_ schema: JSONValue, at path: String) throws {
        guard case .object(let fields) = schema else {
            if case .bool = schema { return }
            throw SchemaError(description: "schema at \(path) is not an object")
        }
        for key in fields.keys where !known.contains(key) {
            throw SchemaError(description: "schema at \(path) uses '\(key)', which this validator does not support")
        }
        for (name, sub) in fields["properties"]?.objectValue ?? [:] { try checkKeywords(sub, at: "\(path)/properties/\(name)") }
        for (name, sub) in fields["$defs"]?.objectValue ?? [:] { try checkKeywords(sub, at: "\(path)/$defs/\(name)") }
        if let items = fields["items"] { try checkKeywords(items, at: "\(path)/items") }
        if let choices = fields["anyOf"] {
            guard let list = choices.arrayValue, !list.isEmpty else {
                throw SchemaError(description: "schema at \(path): anyOf must be a non-empty list of schemas")
            }
            for (i, sub) in list.enumerated() { try checkKeywords(sub, at: "\(path)/anyOf/\(i)") }
        }
        if let extra = fields["additionalProperties"], case .object = extra { try checkKeywords(extra, at: "\(path)/additionalProperties") }
    }

    /// Every way `value` breaks the schema, one line each (`$.path: problem`); empty when it conforms.
    public func validate(_ value: JSONValue) -> [String] {
        var problems: [String] = []
        check(value, against: root, at: "$", into: &problems)
        return problems
    }

    /// Every way `value` breaks the definition `$defs/NAME` of the schema; empty when it conforms.
    /// A name the schema does not define is a problem of its own, never a pass.
    public func validate(_ value: JSONValue, definition name: String) -> [String] {
        guard let definition = root["$defs"]?[name] else { return ["$: the schema defines no '\(name)'"] }
        var problems: [String] = []
        check(value, against: definition, at: "$", into: &problems)
        return problems
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/$defs/") else { return schema }
        return root["$defs"]?[String(ref.dropFirst("#/$defs/".count))] ?? .bool(false)
    }

    private func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double(let d): d.rounded() == d ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private func check(_ value: JSONValue, against raw: JSONValue, at path: String, into problems: inout [String]) {
        let schema = resolve(raw)
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(path): not allowed here") }
            return
        }
        if let choices = schema["anyOf"]?.arrayValue {
            var reasons: [String] = []
            for choice in choices {
                var found: [String] = []
                check(value, against: choice, at: path, into: &found)
                if found.isEmpty {
                    reasons = []
                    break
                }
                reasons.append(found.joined(separator: "; "))
            }
            if !reasons.isEmpty {
                problems.append("\(path): matches none of its \(reasons.count) alternatives (\(reasons.joined(separator: " | ")))")
            }
        }
        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            let actual = typeName(value)
            guard allowed.contains(actual) || (actual == "integer" && allowed.contains("number")) else {
                problems.append("\(path): is \(actual), expected \(allowed.joined(separator: " or "))")
                return
            }
        }
        if let choices = schema["enum"]?.arrayValue, !choices.contains(value) {
            problems.append("\(path): \(value) is not one of \(choices.map { "\($0)" }.joined(separator: ", "))")
        }
        if let constant = schema["const"], constant != value { problems.append("\(path): must be \(constant)") }
        if let minimum = schema["minimum"]?.doubleValue, let number = value.doubleValue, number < minimum {
            problems.append("\(path): \(number) is below the minimum \(minimum)")
        }
        if case .object(let fields) = value {
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where fields[name] == nil {
                problems.append("\(path): lacks the required property '\(name)'")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (name, item) in fields.sorted(by: { $0.key < $1.key }) {
                if let sub = properties[name] {
                    check(item, against: sub, at: "\(path).\(name)", into: &problems)
                } else if let extra = schema["additionalProperties"] {
                    check(item, against: extra, at: "\(path).\(name)", into: &problems)
                }
            }
        }
        if case .array(let items) = value {
            if let min = schema["minItems"]?.intValue, items.count < min {
                problems.append("\(path): has \(items.count) items, at least \(min) required")
            }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)[\(i)]", into: &problems) }
            }
        }
    }
}
