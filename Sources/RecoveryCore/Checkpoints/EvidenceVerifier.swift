import OrdealSystem
import OrdealSupport

/// What judges a checkpoint's evidence: the core's `EvidenceVerifier`, or a verifier of a
/// test's own (ordeal-faulty-worker's vacuous ones).
public protocol EvidenceChecking: Sendable {
    /// Each item checked against the world now, and the pack's verdict under its policy.
    func check(_ pack: EvidencePack, atMillis: Int64) -> VerificationReport
}

/// Checks evidence against the world: the file system, recorded exit codes, database rows.
/// Nothing is remembered between checks: each one looks at the world again.
public struct EvidenceVerifier: EvidenceChecking {
    public init() {}

    public func check(_ pack: EvidencePack, atMillis: Int64) -> VerificationReport {
        let results = pack.items.map(check)
        let passed = results.filter(\.holds).count
        return VerificationReport(
            verified: pack.isSatisfied(passed: passed), items: results, checkedAtMillis: atMillis,
            note: pack.items.isEmpty ? "an empty evidence pack never verifies" : nil)
    }

    public func check(_ evidence: Evidence) -> VerificationReport.ItemResult {
        switch evidence {
        case .artifactExists(let path, let kind):
            guard let found = Posix.kind(path) else { return .init(holds: false, detail: "\(path) does not exist") }
            switch (kind, found) {
            case (.any, _), (.file, .file), (.directory, .directory):
                return .init(holds: true, detail: "\(path) exists")
            default:
                return .init(holds: false, detail: "\(path) exists but is not a \(kind.rawValue)")
            }
        case .fileSHA256(let path, let expected):
            guard Digest.isSHA256Hex(expected) else {
                return .init(holds: false, detail: "expected digest '\(expected)' is not 64 lower-case hex digits")
            }
            var hasher = Digest.Hasher()
            do {
                try Posix.readFile(path) { hasher.update($0) }
            } catch {
                return .init(holds: false, detail: "\(error)")
            }
            let actual = hasher.finalizeHex()
            return actual == expected
                ? .init(holds: true, detail: "\(path) has sha256 \(actual)")
                : .init(holds: false, detail: "\(path) has sha256 \(actual), expected \(expected)")
        case .commandExit(let command, let expected, let observed):
            guard let observed else {
                return .init(holds: false, detail: "no exit code was observed for '\(command)'")
            }
            return observed == expected
                ? .init(holds: true, detail: "'\(command)' exited \(observed)")
                : .init(holds: false, detail: "'\(command)' exited \(observed), expected \(expected)")
        case .databaseRow(let database, let table, let match):
            return checkRow(database: database, table: table, match: match)
        }
    }

    private func checkRow(database: String, table: String, match: [String: JSONValue]) -> VerificationReport.ItemResult {
        let columns = match.keys.sorted()
        for name in [table] + columns where !SQLIdentifier.isPlain(name) {
            return .init(holds: false, detail: "'\(name)' is not a plain identifier; evidence rejected")
        }
        guard !columns.isEmpty else { return .init(holds: false, detail: "db_row evidence names no column to match") }
        var conditions: [String] = []
        var args: [SQLValue] = []
        for column in columns {
            switch match[column]! {
            case .null: conditions.append("\"\(column)\" IS NULL")
            case .bool(let b): args.append(.int(b ? 1 : 0)); conditions.append("\"\(column)\" = ?\(args.count)")
            case .int(let i): args.append(.int(i)); conditions.append("\"\(column)\" = ?\(args.count)")
            case .double(let d): args.append(.double(d)); conditions.append("\"\(column)\" = ?\(args.count)")
            case .string(let s): args.append(.text(s)); conditions.append("\"\(column)\" = ?\(args.count)")
            case .array, .object:
                return .init(holds: false, detail: "column '\(column)': only scalar values can be matched")
            }
        }
        let sql = "SELECT 1 FROM \"\(table)\" WHERE \(conditions.joined(separator: " AND ")) LIMIT 1"
        do {
            var options = SQLiteOptions()
            options.readOnly = true
            let db = try SQLiteConnection(path: database, options: options)
            let found = try db.queryOne(sql, args) { _ in true } ?? false
            return found
                ? .init(holds: true, detail: "a row of \(table) in \(database) matches \(columns.joined(separator: ", "))")
                : .init(holds: false, detail: "no row of \(table) in \(database) matches \(columns.joined(separator: ", "))")
        } catch {
            return .init(holds: false, detail: "cannot check \(table) in \(database): \(error)")
        }
    }
}
