import OrdealSystem
import Backends
import BenchKit
import Foundation
import PostgresBackend
import RecoveryCore

/// A backend opened in this process for benchmarking.
public struct BenchTarget {
    /// The spec it was opened from (`sqlite:normal`, `memory`, `postgres://...`): the column name.
    public let spec: String
    /// The durability the JSON rows carry (`normal`, `full`, `off`; `none` for memory).
    public let durability: String
    public let backend: any RecoveryBackend
    /// The backend's floor, measured in the same run (nil when it has none, as memory).
    public let floor: BenchFloor?
    /// Run once the load phase is done, before anything is measured (a network-fault proxy
    /// sets its toxic then, so that the unmeasured setup does not crawl through it); it also
    /// keeps what it holds alive as long as the target.
    public let afterLoad: (@Sendable () -> Void)?

    public init(
        spec: String, durability: String, backend: any RecoveryBackend, floor: BenchFloor?, afterLoad: (@Sendable () -> Void)? = nil
    ) {
        self.spec = spec
        self.durability = durability
        self.backend = backend
        self.floor = floor
        self.afterLoad = afterLoad
    }
}

/// Resolves `--backend` specs, through `BackendSpec` (the one parser of specs).
public enum BenchBackends {
    /// The forms `ordeal` knows itself, for error messages and `--help`.
    public static let validForms = ["sqlite:full", "sqlite:normal", "sqlite:off", "memory", "postgres://USER@HOST:PORT/DB"]

    /// Splits a comma-separated `--backend` list and checks every spec without opening anything.
    /// `custom` allows specs of other schemes (a worker of the user's own opens them).
    public static func parseList(_ list: String, custom: Bool = false) throws(BenchError) -> [String] {
        let specs = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !specs.isEmpty, specs.allSatisfy({ !$0.isEmpty }) else {
            throw BenchError(.badSpec, "--backend \"\(list)\" has an empty entry; give specs separated by commas, e.g. sqlite:normal,memory")
        }
        for spec in specs { _ = try durability(of: BenchNetwork.variant(spec)?.spec ?? spec, custom: custom) }
        var seen = Set<String>()
        for spec in specs where !seen.insert(spec).inserted {
            throw BenchError(.badSpec, "--backend names \(spec) twice; name each backend once")
        }
        return specs
    }

    /// The durability a spec stands for (`custom` for a scheme of the user's own, when allowed);
    /// throws the one-line error for an unknown spec.
    public static func durability(of spec: String, custom: Bool = false) throws(BenchError) -> String {
        let parsed: BackendSpec
        do {
            parsed = try BackendSpec.parse(spec)
        } catch {
            if spec.hasPrefix("postgres") { throw BenchError(.badSpec, "--backend: \(error.message)") }
            throw unknown(spec)
        }
        switch parsed {
        case .sqlite(let durability): return durability.rawValue
        case .memory: return "none"
        // What the server's own settings (fsync, synchronous_commit) make it.
        case .postgres: return "server"
        case .custom:
            guard custom else { throw unknown(spec) }
            return "custom"
        }
    }

    static func unknown(_ spec: String) -> BenchError {
        BenchError(
            .badSpec,
            "--backend \"\(spec)\" is not a backend this binary knows; valid forms: \(validForms.joined(separator: ", ")); a backend of your own is measured through your worker: --worker PATH")
    }

    /// Opens `spec` in this process: SQLite on `file` (a fresh one), memory, or a new database
    /// on a PostgreSQL server.
    public static func open(_ spec: String, file: String) throws -> BenchTarget {
        if let variant = BenchNetwork.variant(spec) { return try BenchNetwork.open(spec, spec: variant.spec, toxic: variant.toxic) }
        let durability = try durability(of: spec)
        let backend: any RecoveryBackend
        if durability == "server" {
            backend = try PostgresBackend(url: try newDatabase(on: spec))
        } else {
            backend = try Backends.open(spec, sqlitePath: file)
        }
        return BenchTarget(
            spec: PostgresURL.redactingPassword(spec), durability: durability, backend: backend, floor: try BenchFloor.of(backend))
    }

    /// Makes a new database for the run on the server `spec` names and returns its URL.
    static func newDatabase(on spec: String) throws -> PostgresURL {
        let server = try PostgresURL(parsing: spec)
        let name = "ordeal_bench_\(Posix.pid)_\(UInt32.random(in: 0...UInt32.max))"
        try PostgresBackend.createDatabase(name, server: server)
        return server.with(database: name)
    }

    /// A name for `spec`'s data inside the run's scratch directory (letters and digits kept).
    public static func dataName(for spec: String) -> String {
        String(spec.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// The database file name of a SQLite `spec` inside the run's scratch directory.
    public static func fileName(for spec: String) -> String { dataName(for: spec) + ".sqlite" }
}
