import OrdealSupport
import PostgresBackend
import RecoveryCore
import Synchronization

/// Opens backends by spec, in one place for the CLI, workers and benchmarks, and lets a
/// program add backends of its own:
///
/// ```swift
/// Backends.register(scheme: "mystore") { spec in try MyStore(spec: spec.description) }
/// let backend = try Backends.open(try BackendSpec.parse("mystore:/var/lib/x"), sqlitePath: nil)
/// ```
public enum Backends {
    /// Makes a backend from a spec whose scheme it was registered for.
    public typealias Opener = @Sendable (BackendSpec) throws -> any RecoveryBackend

    private static let registered = Mutex<[String: Opener]>([:])

    /// Adds (or replaces) the opener of `scheme`: specs `scheme:...` then open through it. The
    /// built-in schemes (`sqlite`, `memory`, `postgres`) can be replaced too, e.g. to wrap them.
    public static func register(scheme: String, open: @escaping Opener) {
        registered.withLock { $0[scheme] = open }
    }

    /// Opens the backend `spec` names. `sqlitePath` is the database file of a `sqlite:` spec.
    public static func open(_ spec: BackendSpec, sqlitePath: String?) throws -> any RecoveryBackend {
        if let opener = registered.withLock({ $0[spec.scheme] }) { return try opener(spec) }
        switch spec {
        case .sqlite(let durability):
            guard let sqlitePath else {
                throw RecoveryError(.invalidArgument, "backend \(spec) needs a database file; give its path (--db PATH)")
            }
            return try SQLiteBackend(path: sqlitePath, options: SQLiteOptions(durability: durability))
        case .memory:
            return MemoryBackend()
        case .postgres(let url):
            return try PostgresBackend(url: url)
        case .custom(let scheme, _):
            let known = (["sqlite", "memory", "postgres"] + registered.withLock { Array($0.keys) }).sorted()
            throw RecoveryError(
                .invalidArgument,
                "no backend is registered for scheme '\(scheme)' (spec \(spec)); known: \(Set(known).sorted().joined(separator: ", ")); register it with Backends.register(scheme:open:)")
        }
    }

    /// Parses and opens `text`.
    public static func open(_ text: String, sqlitePath: String?) throws -> any RecoveryBackend {
        try open(try BackendSpec.parse(text), sqlitePath: sqlitePath)
    }

    /// What a worker opens: the backend `spec` names, or without one the SQLite database at
    /// `sqlitePath` with `durability`. Pass it to `WorkerMain.run(arguments:roles:openBackend:)`.
    @Sendable
    public static func open(spec: String?, sqlitePath: String?, durability: Durability) throws -> any RecoveryBackend {
        try open(spec.map(BackendSpec.parse) ?? .sqlite(durability), sqlitePath: sqlitePath)
    }
}
