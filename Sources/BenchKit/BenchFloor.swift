import RecoveryCore

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

    /// The floor names `ordeal bench` knows, in the order tables list them.
    public static let names = ["raw.insert_txn", "raw.roundtrip"]

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

/// A backend with a floor of its own (nil: it has none). A backend of yours that wraps SQLite
/// can hand out its base's floor, so that its operations are read against the same bare
/// transaction; `ForwardingBackend` does that.
public protocol BenchFloorProviding {
    func benchFloor() throws -> BenchFloor?
}

extension SQLiteBackend: BenchFloorProviding {
    /// `raw.insert_txn`: a bare `BEGIN IMMEDIATE` / one-row `INSERT` / `COMMIT` on this connection.
    public func benchFloor() throws -> BenchFloor? {
        try prepareRawInsertTable()
        return BenchFloor(name: "raw.insert_txn") { [self] i in try rawInsertTransaction(payload: "row \(i)") }
    }
}

extension ForwardingBackend: BenchFloorProviding {
    /// The floor of the wrapped backend: a forwarding backend is read against what it wraps.
    public func benchFloor() throws -> BenchFloor? { try BenchFloor.of(base) }
}
