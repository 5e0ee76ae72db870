import OrdealSupport

/// Something that must hold for a checkpoint to count as verified.
public enum Evidence: Sendable, Hashable {
    public enum ArtifactKind: String, Sendable, Hashable { case file, directory, any }

    /// A file or directory exists at `path`.
    case artifactExists(path: String, kind: ArtifactKind)
    /// The file at `path` has this SHA-256 (lower-case hex).
    case fileSHA256(path: String, sha256: String)
    /// A command's observed exit code equals the expected one. No observed code: not verified.
    case commandExit(command: String, expected: Int32, observed: Int32?)
    /// A row of table `table` in the SQLite database at `database` matches every column of `match`.
    /// Table and column names must be plain identifiers; values are bound, never spliced into SQL.
    case databaseRow(database: String, table: String, match: [String: JSONValue])
}

/// When a pack of evidence counts as verified. An empty pack never does.
public enum PackPolicy: Sendable, Hashable {
    /// Every item holds.
    case requireAll
    /// At least one item holds.
    case allowPartial
    /// At least `n` items hold (n ≥ 1).
    case atLeast(Int)
}

public struct EvidencePack: Sendable, Hashable {
    public var items: [Evidence]
    public var policy: PackPolicy

    public init(_ items: [Evidence], policy: PackPolicy = .requireAll) {
        self.items = items
        self.policy = policy
    }

    public static let empty = EvidencePack([])

    /// Whether `passed` of the pack's items holding satisfies the policy.
    public func isSatisfied(passed: Int) -> Bool {
        guard !items.isEmpty else { return false }
        switch policy {
        case .requireAll: return passed == items.count
        case .allowPartial: return passed >= 1
        case .atLeast(let n): return passed >= max(n, 1)
        }
    }
}

/// The outcome of checking a pack: each item's result and the verdict under the policy.
public struct VerificationReport: Sendable, Hashable {
    public struct ItemResult: Sendable, Hashable {
        public var holds: Bool
        public var detail: String

        public init(holds: Bool, detail: String) {
            self.holds = holds
            self.detail = detail
        }
    }

    public var verified: Bool
    public var items: [ItemResult]
    public var checkedAtMillis: Int64
    /// Set when verification failed for a reason other than the evidence (a corrupt snapshot).
    public var note: String?

    public var summary: String {
        let passed = items.filter(\.holds).count
        var text = "\(passed) of \(items.count) evidence items hold: \(verified ? "verified" : "not verified")"
        if let note { text += " (\(note))" }
        return text
    }
}

// MARK: JSON form (stored as canonical JSON)

extension Evidence {
    /// The item as it is stored and as the reader reports it (docs/worker-protocol.md, "State").
    public var json: JSONValue {
        switch self {
        case .artifactExists(let path, let kind):
            return ["kind": "artifact_exists", "path": .string(path), "artifact": .string(kind.rawValue)]
        case .fileSHA256(let path, let sha256):
            return ["kind": "file_sha256", "path": .string(path), "sha256": .string(sha256)]
        case .commandExit(let command, let expected, let observed):
            return [
                "kind": "command_exit", "command": .string(command), "expected": .int(Int64(expected)),
                "observed": observed.map { .int(Int64($0)) } ?? .null,
            ]
        case .databaseRow(let database, let table, let match):
            return ["kind": "db_row", "database": .string(database), "table": .string(table), "match": .object(match)]
        }
    }

    init(json: JSONValue) throws(RecoveryError) {
        func field(_ name: String) throws(RecoveryError) -> String {
            guard let value = json[name]?.stringValue else {
                throw RecoveryError(.invalidEvidence, "evidence item lacks the string field '\(name)': \(json)")
            }
            return value
        }
        switch json["kind"]?.stringValue {
        case "artifact_exists":
            guard let kind = ArtifactKind(rawValue: try field("artifact")) else {
                throw RecoveryError(.invalidEvidence, "artifact must be file, directory or any")
            }
            self = .artifactExists(path: try field("path"), kind: kind)
        case "file_sha256": self = .fileSHA256(path: try field("path"), sha256: try field("sha256"))
        case "command_exit":
            guard let expected = json["expected"]?.intValue else {
                throw RecoveryError(.invalidEvidence, "command_exit evidence lacks 'expected'")
            }
            let observed = json["observed"]?.intValue.map { Int32(truncatingIfNeeded: $0) }
            self = .commandExit(command: try field("command"), expected: Int32(truncatingIfNeeded: expected), observed: observed)
        case "db_row":
            self = .databaseRow(
                database: try field("database"), table: try field("table"), match: json["match"]?.objectValue ?? [:])
        default:
            throw RecoveryError(
                .invalidEvidence,
                "unknown evidence kind in \(json); valid kinds: artifact_exists, file_sha256, command_exit, db_row")
        }
    }
}

extension EvidencePack {
    /// The pack as it is stored and as the reader reports it (docs/worker-protocol.md, "State").
    public var json: JSONValue {
        let policy: JSONValue =
            switch self.policy {
            case .requireAll: ["kind": "require_all"]
            case .allowPartial: ["kind": "allow_partial"]
            case .atLeast(let n): ["kind": "at_least", "n": .int(Int64(n))]
            }
        return ["policy": policy, "items": .array(items.map(\.json))]
    }

    init(json: JSONValue) throws(RecoveryError) {
        var items: [Evidence] = []
        for item in json["items"]?.arrayValue ?? [] { items.append(try Evidence(json: item)) }
        let policy: PackPolicy
        switch json["policy"]?["kind"]?.stringValue {
        case "require_all": policy = .requireAll
        case "allow_partial": policy = .allowPartial
        case "at_least": policy = .atLeast(Int(json["policy"]?["n"]?.intValue ?? 1))
        default: throw RecoveryError(.invalidEvidence, "unknown pack policy in \(json)")
        }
        self.init(items, policy: policy)
    }
}

extension VerificationReport {
    var json: JSONValue {
        [
            "verified": .bool(verified), "checked_at_ms": .int(checkedAtMillis),
            "items": .array(items.map { ["holds": .bool($0.holds), "detail": .string($0.detail)] }),
            "note": note.map { .string($0) } ?? .null,
        ]
    }

    init?(json: JSONValue) {
        guard let verified = json["verified"]?.boolValue else { return nil }
        self.verified = verified
        self.checkedAtMillis = json["checked_at_ms"]?.intValue ?? 0
        self.items = (json["items"]?.arrayValue ?? []).map {
            ItemResult(holds: $0["holds"]?.boolValue ?? false, detail: $0["detail"]?.stringValue ?? "")
        }
        self.note = json["note"]?.stringValue
    }
}
