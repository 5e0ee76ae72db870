import OrdealSupport
import PostgresBackend
import RecoveryCore

/// A backend as named on a command line: `sqlite:normal`, `sqlite:full`, `sqlite:off`, `memory`,
/// `postgres://user@host:port/db`, or `SCHEME:...` for a scheme registered with
/// `Backends.register(scheme:open:)`.
public enum BackendSpec: Sendable, Hashable, CustomStringConvertible {
    /// The embedded SQLite backend; its file comes from elsewhere (`--db PATH`).
    case sqlite(Durability)
    /// Plain Swift over dictionaries; nothing survives the process.
    case memory
    /// PostgreSQL at a URL.
    case postgres(PostgresURL)
    /// A registered scheme; `text` is the whole spec as given (shown with any password redacted).
    case custom(scheme: String, text: String)

    /// Parses a spec. Registered schemes are looked up when the spec is opened, not here, so a
    /// spec with any other `scheme:` parses as `.custom`; `open` rejects an unknown one.
    public static func parse(_ text: String) throws(RecoveryError) -> BackendSpec {
        if text == "memory" { return .memory }
        if text.hasPrefix("sqlite:") {
            guard let durability = Durability(sqliteSpec: text) else { throw invalid(text) }
            return .sqlite(durability)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresURL(parsing: text))
            } catch {
                throw RecoveryError(.invalidArgument, error.description)
            }
        }
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
              text[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
              !["sqlite", "memory", "postgres", "postgresql"].contains(text[..<colon]) else {
            throw invalid(text)
        }
        return .custom(scheme: String(text[..<colon]), text: text)
    }

    static func invalid(_ text: String) -> RecoveryError {
        RecoveryError(
            .invalidArgument,
            "unknown backend '\(text)'; use sqlite:normal, sqlite:full, sqlite:off, memory, postgres://user@host:port/db, or a registered SCHEME:...")
    }

    /// The spec as it is shown (a PostgreSQL URL without its password).
    public var description: String {
        switch self {
        case .sqlite(let durability): "sqlite:\(durability)"
        case .memory: "memory"
        case .postgres(let url): url.description
        case .custom(_, let text): PostgresURL.redactingPassword(text)
        }
    }

    /// The scheme a registered opener is found by: `sqlite`, `memory`, `postgres`, or the custom one.
    public var scheme: String {
        switch self {
        case .sqlite: "sqlite"
        case .memory: "memory"
        case .postgres: "postgres"
        case .custom(let scheme, _): scheme
        }
    }
}

extension BackendSpec {
    /// `{data}` in a spec of the user's own (`traced:{data}/store.sqlite`) stands for a folder of
    /// that backend's own: a scenario's data folder in `ordeal run`, a folder of the run in
    /// `ordeal bench`, so that no run or scenario sees another's state.
    public static func substitutingData(in text: String, with folder: String) -> String {
        text.replacingOccurrences(of: "{data}", with: folder)
    }
}
