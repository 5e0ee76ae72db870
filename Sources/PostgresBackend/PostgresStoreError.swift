import PostgresNIO
import RecoveryCore

/// An error from PostgreSQL or from the connection to it: the SQLSTATE (nil when the server
/// never answered), the server's message, the server's URL (without the password), the
/// statement, and a sentence saying what to do. Carried as the `cause` of a `RecoveryError`
/// with code `storage`.
public struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE (`23505`, `40001`, `08006`, ...), or nil for a client-side
    /// failure such as a refused connection.
    public let sqlState: String?
    public let message: String
    /// The server, without the password.
    public let url: String
    public let sql: String?

    public var description: String {
        var text = "PostgreSQL error"
        if let sqlState { text += " SQLSTATE \(sqlState)" }
        text += " on \(url): \(message)"
        if let sql { text += " [in: \(sql.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(120))]" }
        return text + ". " + Self.hint(sqlState: sqlState, url: url)
    }

    static func hint(sqlState: String?, url: String) -> String {
        guard let state = sqlState else {
            return "Check that PostgreSQL is running at \(url) and reachable (for a test server: bash ci/postgres.sh start)."
        }
        switch state {
        case "3D000": return "The database does not exist; create it (CREATE DATABASE) or fix the name in the URL."
        case "28000", "28P01": return "The server refused the user; fix the user or password in the URL, or the server's pg_hba.conf."
        case "53100": return "The server's disk is full; free space, then retry."
        case "53300": return "The server has too many connections; close some or raise max_connections."
        case "40001", "40P01": return "The transaction conflicted with another one; retry the call."
        case "57P01", "57P02", "57P03": return "The server is shutting down or starting up; wait for it, then retry."
        case "25P02": return "An earlier statement of the transaction failed; that error is the one to fix."
        default: break
        }
        switch state.prefix(2) {
        case "08": return "The connection to \(url) broke; check that the server is up, then retry (a write in flight may or may not have committed)."
        case "42": return "The schema is not what this Ordeal expects; use a database that only Ordeal writes to."
        case "23": return "A constraint rejected the row; a caller passed a value the schema does not allow."
        default: return "See https://www.postgresql.org/docs/current/errcodes-appendix.html for this code."
        }
    }

    /// Turns whatever postgres-nio threw into a `RecoveryError` with code `storage`.
    static func wrap(_ error: any Error, url: PostgresURL, sql: String?, doing what: String) -> RecoveryError {
        if let recovery = error as? RecoveryError { return recovery }
        let cause: PostgresStoreError
        if let psql = error as? PSQLError {
            let server = psql.serverInfo
            var message = server?[.message] ?? "\(psql.code)"
            if let detail = server?[.detail] { message += " (\(detail))" }
            if server == nil, let underlying = psql.underlying { message += ": \(underlying)" }
            cause = PostgresStoreError(sqlState: server?[.sqlState], message: message, url: "\(url)", sql: sql)
        } else {
            cause = PostgresStoreError(sqlState: nil, message: "\(error)", url: "\(url)", sql: sql)
        }
        return RecoveryError(.storage, "the PostgreSQL backend at \(url) failed to \(what)", cause: cause)
    }
}

/// No reply within the URL's `timeout_ms`: the request may have reached the server and been
/// applied, so its outcome is unknown (an indeterminate operation, never a definite failure).
struct PostgresDeadlineExceeded: Error, CustomStringConvertible {
    let url: String
    let millis: Int
    let what: String

    var description: String {
        "no reply from \(url) within \(millis) ms to \(what): the statement may or may not have been applied; the connection was dropped (raise timeout_ms in the URL for a slower link)"
    }
}
