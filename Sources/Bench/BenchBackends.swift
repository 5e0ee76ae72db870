import Foundation
import PostgresBackend
import RecoveryCore

/// A backend opened for benchmarking, with what the runner needs to know about it.
public struct BenchTarget {
    /// The spec it was opened from (`sqlite:normal`, `memory`, `postgres://...`): the column name.
    public let spec: String
    /// The durability the JSON rows carry (`normal`, `full`, `off`; `none` for memory).
    public let durability: String
    public let backend: any RecoveryBackend
    /// The backend's floor, measured in the same run (nil when it has none, as memory).
    public let floor: BenchFloor?
    /// Where worker processes open the same store (a database file); nil when processes cannot
    /// share it, and each worker then gets a private store of its own.
    public let sharedLocation: String?

    public init(spec: String, durability: String, backend: any RecoveryBackend, floor: BenchFloor?, sharedLocation: String?) {
        self.spec = spec
        self.durability = durability
        self.backend = backend
        self.floor = floor
        self.sharedLocation = sharedLocation
    }
}

/// Resolves `--backend` specs. Every spec goes through `open`, so a new backend (PostgreSQL,
/// through a `Backends.open(spec)` registry) is one more case there and one floor conformance.
public enum BenchBackends {
    /// The forms `open` accepts, for error messages and `--help`.
    public static let validForms = ["sqlite:full", "sqlite:normal", "sqlite:off", "memory", "postgres://USER@HOST:PORT/DB"]

    /// Splits a comma-separated `--backend` list and checks every spec without opening anything.
    public static func parseList(_ list: String) throws(BenchError) -> [String] {
        let specs = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !specs.isEmpty, specs.allSatisfy({ !$0.isEmpty }) else {
            throw BenchError(.badSpec, "--backend \"\(list)\" has an empty entry; give specs separated by commas, e.g. sqlite:normal,memory")
        }
        for spec in specs { _ = try durability(of: spec) }
        var seen = Set<String>()
        for spec in specs where !seen.insert(spec).inserted {
            throw BenchError(.badSpec, "--backend names \(spec) twice; name each backend once")
        }
        return specs
    }

    /// The durability a spec stands for; throws the one-line error for an unknown spec.
    public static func durability(of spec: String) throws(BenchError) -> String {
        if spec == "memory" { return "none" }
        if spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://") {
            do {
                _ = try PostgresURL(parsing: spec)
            } catch {
                throw BenchError(.badSpec, "--backend: \(error.description)")
            }
            // What the server's own settings (fsync, synchronous_commit) make it.
            return "server"
        }
        if spec.hasPrefix("sqlite:"), let d = Durability(rawValue: String(spec.dropFirst("sqlite:".count))) {
            return d.rawValue
        }
        throw BenchError(
            .badSpec, "--backend \"\(spec)\" is not a backend this binary knows; valid forms: \(validForms.joined(separator: ", "))")
    }

    /// Opens `spec`. A file backend uses `file` (a fresh one in the parent; the same one in
    /// worker processes, which share it).
    public static func open(_ spec: String, file: String) throws -> BenchTarget {
        let durability = try durability(of: spec)
        if durability == "server" {
            // The parent makes a new database for the run; worker processes get its URL.
            let url: PostgresURL
            if file.hasPrefix("postgres") {
                url = try PostgresURL(parsing: file)
            } else {
                let server = try PostgresURL(parsing: spec)
                let name = "ordeal_bench_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
                try PostgresBackend.createDatabase(name, server: server)
                url = server.with(database: name)
            }
            let backend = try PostgresBackend(url: url)
            return BenchTarget(
                spec: PostgresURL.redactingPassword(spec), durability: durability, backend: backend, floor: try BenchFloor.of(backend),
                sharedLocation: url.connectionString)
        }
        if spec == "memory" {
            let backend = MemoryBackend()
            return BenchTarget(spec: spec, durability: durability, backend: backend, floor: try BenchFloor.of(backend), sharedLocation: nil)
        }
        let backend = try SQLiteBackend(path: file, options: SQLiteOptions(durability: Durability(rawValue: durability) ?? .normal))
        return BenchTarget(spec: spec, durability: durability, backend: backend, floor: try BenchFloor.of(backend), sharedLocation: file)
    }

    /// A file name for `spec`'s database inside the run's scratch directory.
    public static func fileName(for spec: String) -> String {
        String(spec.map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".sqlite"
    }
}

/// The cheapest thing a backend can do, measured in the same run as the core so every
/// operation can be read as a multiple of it.
public struct BenchFloor {
    /// `raw.insert_txn` (SQLite) or `raw.roundtrip` (a server backend).
    public let name: String
    /// The i-th floor operation.
    public let run: (Int) throws -> Void

    public init(name: String, run: @escaping (Int) throws -> Void) {
        self.name = name
        self.run = run
    }

    /// The floor of `backend`: its own when it provides one, else a trivial round trip when it
    /// can make one, else none.
    public static func of(_ backend: Any) throws -> BenchFloor? {
        if let provider = backend as? any BenchFloorProviding { return try provider.benchFloor() }
        if let server = backend as? any TrivialRoundTripping {
            return BenchFloor(name: "raw.roundtrip") { _ in try server.trivialRoundTrip() }
        }
        return nil
    }
}

/// A backend with a floor of its own.
public protocol BenchFloorProviding {
    func benchFloor() throws -> BenchFloor
}

/// A backend that can make a trivial round trip (`SELECT 1` on its connection): its floor is
/// `raw.roundtrip`. PostgreSQL conforms with one line.
public protocol TrivialRoundTripping {
    func trivialRoundTrip() throws
}

extension SQLiteBackend: BenchFloorProviding {
    /// `raw.insert_txn`: a bare `BEGIN IMMEDIATE` / one-row `INSERT` / `COMMIT` on this connection.
    public func benchFloor() throws -> BenchFloor {
        try prepareRawInsertTable()
        return BenchFloor(name: "raw.insert_txn") { [self] i in try rawInsertTransaction(payload: "row \(i)") }
    }
}

extension PostgresBackend: TrivialRoundTripping {
    /// `raw.roundtrip`: `SELECT 1` on this backend's connection.
    public func trivialRoundTrip() throws { try roundtrip() }
}
