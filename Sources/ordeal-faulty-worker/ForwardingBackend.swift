import RecoveryCore

// TEST-ONLY. The faulty backends wrap the real one with RecoveryCore's ForwardingBackend; each
// fault overrides the one call it breaks.
extension ForwardingBackend {
    /// The SQLite backend underneath, for faults that damage rows with raw SQL.
    var sqlite: SQLiteBackend {
        get throws {
            guard let sqlite = base as? SQLiteBackend else {
                throw RecoveryError(.invalidArgument, "this fault needs the SQLite backend, not \(base.spec)")
            }
            return sqlite
        }
    }
}
