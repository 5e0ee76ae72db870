import CSQLite

/// An error from SQLite, with its result code and message, the statement and the database path.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_BUSY`, `SQLITE_FULL`, `SQLITE_IOERR_FSYNC`, ...).
    public let code: Int32
    public let message: String
    public let path: String
    public let sql: String?

    /// The primary result code (the low byte of `code`).
    public var primaryCode: Int32 { code & 0xFF }

    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isFull: Bool { primaryCode == SQLITE_FULL }
    public var isIOError: Bool { primaryCode == SQLITE_IOERR }

    public var codeName: String { String(cString: sqlite3_errstr(code)) }

    /// The C name of the code, e.g. `SQLITE_FULL` or `SQLITE_IOERR_FSYNC`; the number for one
    /// not in this list.
    public var symbol: String {
        // The extended codes are C macros built from expressions, which Swift does not import.
        let extended: [Int32: String] = [
            266: "SQLITE_IOERR_READ", 522: "SQLITE_IOERR_SHORT_READ", 778: "SQLITE_IOERR_WRITE",
            1034: "SQLITE_IOERR_FSYNC", 1290: "SQLITE_IOERR_DIR_FSYNC", 1546: "SQLITE_IOERR_TRUNCATE",
            1802: "SQLITE_IOERR_FSTAT", 517: "SQLITE_BUSY_SNAPSHOT",
        ]
        let primary: [Int32: String] = [
            SQLITE_ERROR: "SQLITE_ERROR", SQLITE_BUSY: "SQLITE_BUSY", SQLITE_LOCKED: "SQLITE_LOCKED",
            SQLITE_NOMEM: "SQLITE_NOMEM", SQLITE_READONLY: "SQLITE_READONLY", SQLITE_IOERR: "SQLITE_IOERR",
            SQLITE_CORRUPT: "SQLITE_CORRUPT", SQLITE_FULL: "SQLITE_FULL", SQLITE_CANTOPEN: "SQLITE_CANTOPEN",
            SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT", SQLITE_NOTADB: "SQLITE_NOTADB",
        ]
        return extended[code] ?? primary[primaryCode] ?? "SQLITE_\(code)"
    }

    public var description: String {
        var text = "SQLite error \(code) (\(codeName)) on \(path): \(message)"
        if let sql { text += " [in: \(sql.prefix(120))]" }
        text += ". " + Self.hint(primaryCode)
        return text
    }

    static func hint(_ primary: Int32) -> String {
        switch primary {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return "Another process held the write lock past the busy timeout; raise busyTimeoutMillis or shorten write transactions."
        case SQLITE_FULL: return "The disk is full; free space, then retry."
        case SQLITE_IOERR: return "The operating system reported an I/O error; check the disk and the kernel log."
        case SQLITE_CANTOPEN: return "Check that the directory exists and is writable."
        case SQLITE_READONLY: return "The database or its directory is read-only; fix the permissions."
        case SQLITE_CORRUPT, SQLITE_NOTADB: return "The file is damaged or is not a SQLite database; restore it from a backup."
        default: return "See https://sqlite.org/rescode.html for this code."
        }
    }
}
