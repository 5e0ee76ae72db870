import OrdealSupport

/// The canonical JSON of an evidence pack, written directly: the same bytes as
/// `CanonicalJSON.string(pack.json)` (a test holds them equal), without building and hashing
/// dictionaries on every commit. Keys are written in sorted order by hand.
extension EvidencePack {
    func canonicalJSON() throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 + 96 * items.count)
        out.append(contentsOf: "{\"items\":[".utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try item.writeCanonical(into: &out)
        }
        out.append(contentsOf: "],\"policy\":".utf8)
        switch policy {
        case .requireAll: out.append(contentsOf: "{\"kind\":\"require_all\"}".utf8)
        case .allowPartial: out.append(contentsOf: "{\"kind\":\"allow_partial\"}".utf8)
        case .atLeast(let n): out.append(contentsOf: "{\"kind\":\"at_least\",\"n\":\(n)}".utf8)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension Evidence {
    fileprivate func writeCanonical(into out: inout [UInt8]) throws {
        func key(_ name: StaticString, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ value: String) { CanonicalJSON.writeString(value, into: &out) }
        out.append(UInt8(ascii: "{"))
        switch self {
        case .artifactExists(let path, let kind):
            key("artifact", first: true); string(kind.rawValue)
            key("kind"); string("artifact_exists")
            key("path"); string(path)
        case .fileSHA256(let path, let sha256):
            key("kind", first: true); string("file_sha256")
            key("path"); string(path)
            key("sha256"); string(sha256)
        case .commandExit(let command, let expected, let observed):
            key("command", first: true); string(command)
            key("expected"); out.append(contentsOf: Array(String(expected).utf8))
            key("kind"); string("command_exit")
            key("observed"); out.append(contentsOf: Array((observed.map { String($0) } ?? "null").utf8))
        case .databaseRow(let database, let table, let match):
            key("database", first: true); string(database)
            key("kind"); string("db_row")
            key("match"); try CanonicalJSON.write(.object(match), into: &out)
            key("table"); string(table)
        }
        out.append(UInt8(ascii: "}"))
    }
}
