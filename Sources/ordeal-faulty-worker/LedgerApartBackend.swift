import RecoveryCore

/// TEST-ONLY. ledger-apart: the tool ledger lives in a database file of its own beside the
/// core's (`DB.ledger`), written without syncing (durability off), while checkpoints stay
/// in the core's database at the scenario's durability. Each store is consistent on its own;
/// nothing orders them, so a power cut can leave a checkpoint that references a tool result
/// the ledger lost (acked-durable: checkpoint-outlived-tool-result), and the resumed task finds
/// no record of the calls before it. The reader reads the same two files.
final class LedgerApartBackend: ForwardingBackend, @unchecked Sendable {
    private let ledger: SQLiteBackend

    init(_ base: any RecoveryBackend, databasePath: String) throws {
        ledger = try SQLiteBackend(path: databasePath + ".ledger", options: SQLiteOptions(durability: .off))
        super.init(base)
    }

    override func storedResult(key: String, nowMillis: Int64) throws -> String? {
        try ledger.storedResult(key: key, nowMillis: nowMillis)
    }
    override func entry(key: String) throws -> IdempotencyEntry? { try ledger.entry(key: key) }
    override func claimKey(_ claim: IdempotencyClaim, replacing token: Int64?) throws -> Int64? {
        try ledger.claimKey(claim, replacing: token)
    }
    override func completeKey(key: String, token: Int64, result: String, nowMillis: Int64, expiresAtMillis: Int64) throws -> Bool {
        try ledger.completeKey(key: key, token: token, result: result, nowMillis: nowMillis, expiresAtMillis: expiresAtMillis)
    }
    override func failKey(key: String, token: Int64, error: String, nowMillis: Int64) throws -> Bool {
        try ledger.failKey(key: key, token: token, error: error, nowMillis: nowMillis)
    }
    override func deleteKey(key: String) throws -> Bool { try ledger.deleteKey(key: key) }
    override func entries(kind: IdempotencyKind, taskID: String?, limit: Int) throws -> [IdempotencyEntry] {
        try ledger.entries(kind: kind, taskID: taskID, limit: limit)
    }
    override func purgeExpired(kind: IdempotencyKind, nowMillis: Int64) throws -> Int {
        try ledger.purgeExpired(kind: kind, nowMillis: nowMillis)
    }
}
