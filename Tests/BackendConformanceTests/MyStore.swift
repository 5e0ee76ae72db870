import RecoveryCore

/// Stands in for a backend of the user's own in `DocumentedUsageTests`: a `RecoveryBackend`
/// opened on a path (SQLite underneath), named as docs/storage-interface.md names it.
final class MyStore: ForwardingBackend, @unchecked Sendable {
    init(path: String) throws {
        super.init(try SQLiteBackend(path: path, options: SQLiteOptions(durability: .normal)))
    }

    override var spec: String { "mystore" }
}
