import Logging
import PostgresNIO
import RecoveryCore

/// A bound parameter, as the backend's statements use them.
enum PGValue: Sendable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case texts([String])
    case ints([Int64])
    case bools([Bool])
    case null

    static func optional(_ text: String?) -> PGValue { text.map { .text($0) } ?? .null }
    static func optional(_ int: Int64?) -> PGValue { int.map { .int($0) } ?? .null }
}

/// One result row, read by column number.
struct PGRow {
    let cells: PostgresRandomAccessRow

    func text(_ i: Int) throws -> String { try cells[i].decode(String.self) }
    func optionalText(_ i: Int) throws -> String? { try cells[i].decode(String?.self) }
    func int(_ i: Int) throws -> Int64 { try cells[i].decode(Int64.self) }
    func optionalInt(_ i: Int) throws -> Int64? { try cells[i].decode(Int64?.self) }
    func bool(_ i: Int) throws -> Bool { try cells[i].decode(Bool.self) }
}

/// What a statement returned: its rows and, for INSERT/UPDATE/DELETE, how many rows it changed.
struct PGResult {
    var rows: [PGRow]
    var affected: Int
}

/// One connection, used by one thread at a time (the backend holds its lock around every use).
/// The synchronous storage protocols are bridged to postgres-nio by blocking on its futures,
/// which is sound from any thread that is not one of NIO's event-loop threads (the core never
/// runs on one). A connection that broke is opened again by the next call; a call never spans
/// two connections, so a transaction is never resumed on another.
///
/// `@unchecked Sendable`: its mutable state is used only under `PostgresBackend`'s mutex (or,
/// before a backend exists, by the one thread that is creating it).
final class PostgresSession: @unchecked Sendable {
    let url: PostgresURL
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private var connection: PostgresConnection?
    private var nextID = 0
    /// Between BEGIN and COMMIT/ROLLBACK: a broken connection is then never replaced, so a
    /// transaction's statements never land on two connections.
    private var inTransaction = false

    /// `logger` gets postgres-nio's logging; nil logs nothing. Connections run on NIO's shared
    /// event-loop group; they are opened by the first call.
    init(url: PostgresURL, logger: Logger?) {
        self.url = url
        self.logger = logger ?? Logger(label: "ordeal.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        self.eventLoopGroup = MultiThreadedEventLoopGroup.singleton
    }

    deinit { close() }

    /// Closes the connection and waits until it is closed (postgres-nio requires a connection to
    /// be closed before it goes). A close that fails leaves nothing to do: the socket is gone.
    func close() {
        guard let connection else { return }
        self.connection = nil
        guard !connection.isClosed else { return }
        let closing: EventLoopFuture<Void> = connection.close()
        if !connection.eventLoop.inEventLoop { _ = try? closing.wait() }
    }

    private func open() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        guard !inTransaction else {
            throw RecoveryError(
                .storage, "the connection to \(url) broke inside a transaction, which the server rolled back; retry the call")
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: .disable)
        if url.tls == .require {
            configuration.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        configuration.options.connectTimeout = .milliseconds(Int64(url.timeoutMillis))
        nextID += 1
        let opened = try withDeadline(
            PostgresConnection.connect(on: eventLoopGroup.next(), configuration: configuration, id: nextID, logger: logger),
            doing: "connect")
        connection = opened
        return opened
    }

    /// Runs one statement (in its own transaction unless inside `transaction`).
    @discardableResult
    func run(_ sql: String, _ values: [PGValue] = [], doing what: String) throws(RecoveryError) -> PGResult {
        do {
            var binds = PostgresBindings(capacity: values.count)
            for value in values {
                switch value {
                case .text(let v): binds.append(v)
                case .int(let v): binds.append(v)
                case .bool(let v): binds.append(v)
                case .texts(let v): binds.append(v)
                case .ints(let v): binds.append(v)
                case .bools(let v): binds.append(v)
                case .null: binds.appendNull()
                }
            }
            let result = try withDeadline(
                open().query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger), doing: what)
            return PGResult(
                rows: result.rows.map { PGRow(cells: PostgresRandomAccessRow($0)) }, affected: result.metadata.rows ?? 0)
        } catch {
            // After anything but an SQL error the connection's state is unknown: drop it, and
            // let the next call open a new one.
            if let psql = error as? PSQLError, psql.code == .server || psql.code == .queryCancelled {} else { close() }
            throw PostgresStoreError.wrap(error, url: url, sql: sql, doing: what)
        }
    }

    /// Waits for `future` at most the URL's `timeout_ms`. Past it the call fails: the server may
    /// or may not have applied the statement (its reply may be lost on the way), so the error
    /// says the outcome is unknown, and the caller's `run` drops the connection, whose state no
    /// one knows any more.
    private func withDeadline<T: Sendable>(_ future: EventLoopFuture<T>, doing what: String) throws -> T {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        let millis = url.timeoutMillis
        let url = self.url
        let deadline = loop.scheduleTask(in: .milliseconds(Int64(millis))) {
            promise.fail(PostgresDeadlineExceeded(url: "\(url)", millis: millis, what: what))
        }
        future.whenComplete { result in
            deadline.cancel()
            promise.completeWith(result)
        }
        return try promise.futureResult.wait()
    }

    /// Runs one statement and reads each row it returns.
    func query<T>(_ sql: String, _ values: [PGValue] = [], doing what: String, row: (PGRow) throws -> T) throws(RecoveryError) -> [T] {
        let result = try run(sql, values, doing: what)
        do {
            return try result.rows.map(row)
        } catch {
            throw PostgresStoreError.wrap(error, url: url, sql: sql, doing: what)
        }
    }

    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when it throws. An
    /// error that is not a `RecoveryError` (a caller's closure) is wrapped as `storage`.
    func transaction<T>(doing what: String, _ body: () throws -> T) throws(RecoveryError) -> T {
        try run("BEGIN", doing: what)
        inTransaction = true
        defer { inTransaction = false }
        let value: T
        do {
            value = try body()
        } catch {
            rollback(what)
            if let error = error as? RecoveryError { throw error }
            throw RecoveryError(.storage, "\(what) was undone: \(error)")
        }
        try run("COMMIT", doing: what)
        return value
    }

    /// Rolls back after a failure. A connection that is gone needs none (the server rolled
    /// back with it); if ROLLBACK itself fails, `run` has dropped the connection for the same reason.
    private func rollback(_ what: String) {
        guard let connection, !connection.isClosed else { return }
        _ = try? run("ROLLBACK", doing: what)
    }
}
