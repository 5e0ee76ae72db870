import OrdealSupport
import OrdealModel
import OrdealSystem
import COrdealShims

/// The shim's undo journal (records of `ordeal_shim_control.h`) and the rollback it allows:
/// every file under the data folder back to the state of its last successful sync, as a power
/// cut would leave it.
///
/// Per file, the changes after its last sync are undone newest first (each restores the bytes a
/// change overwrote), then the file is cut to its size before the first of them. A file created
/// since its folder was last synced is removed; one removed (or renamed away) since then comes
/// back with its content at its last sync. A rename whose folder was synced is durable, but the
/// unsynced changes its file had under the old name are not undone (the journal names files by
/// path).
struct PowerLossJournal {
    struct Record {
        var type: UInt32
        var path: String
        var offset: UInt64
        var length: UInt64
        var sizeBefore: UInt64
        var data: ArraySlice<UInt8>
    }

    /// What a rollback did, for the history.
    struct Rollback: Sendable, Hashable {
        var filesRestored: [String] = []
        var filesRemoved: [String] = []
        var bytesRestored: Int = 0
        var unsyncedChanges: Int = 0
        var filesRecreated: [String] = []
    }

    enum Failure: Error, CustomStringConvertible {
        case corrupt(path: String, offset: Int, reason: String)
        var description: String {
            switch self {
            case .corrupt(let path, let offset, let reason):
                "[power-loss.journal] the journal \(path) is unreadable at byte \(offset) (\(reason)); the rollback was not done, so this run cannot judge durability"
            }
        }
    }

    var records: [Record] = []

    init(path: String) throws {
        guard let bytes = try Posix.readBytes(path) else { return }
        let headerSize = MemoryLayout<ordeal_journal_record>.size
        var at = 0
        while at < bytes.count {
            guard bytes.count - at >= headerSize else {
                throw Failure.corrupt(path: path, offset: at, reason: "a header cut short")
            }
            let header = bytes[at..<(at + headerSize)].withUnsafeBytes { $0.loadUnaligned(as: ordeal_journal_record.self) }
            guard header.magic == ORDEAL_JOURNAL_MAGIC else { throw Failure.corrupt(path: path, offset: at, reason: "bad magic") }
            let pathStart = at + headerSize
            let dataStart = pathStart + Int(header.path_len)
            let end = dataStart + Int(header.data_len)
            guard end <= bytes.count else { throw Failure.corrupt(path: path, offset: at, reason: "a record cut short") }
            records.append(Record(
                type: header.type, path: String(decoding: bytes[pathStart..<dataStart], as: UTF8.self), offset: header.offset,
                length: header.length, sizeBefore: header.size_before, data: bytes[dataStart..<end]))
            at = end
        }
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// A file removed since its folder was last synced: its content at the removal, and the
    /// changes it then had since its own last sync.
    private struct Removal {
        var content: [(offset: UInt64, data: ArraySlice<UInt8>)] = []
        var size: UInt64 = 0
        var pending: [Record] = []
        var wasCreatedUnsynced = false
    }

    /// Undoes everything not synced. The files must not be open in any live process.
    func rollBack() throws -> Rollback {
        var changes: [String: [Record]] = [:]
        var created: Set<String> = []
        var removals: [String: Removal] = [:]
        // The path whose removed content the current run of UNLINK records carries, if any.
        var collecting: String?
        var lastUnlinked: String?
        var out = Rollback()
        for record in records {
            defer { lastUnlinked = Int(record.type) == ORDEAL_JOURNAL_UNLINK ? record.path : nil }
            switch Int(record.type) {
            case ORDEAL_JOURNAL_CHANGE: changes[record.path, default: []].append(record)
            case ORDEAL_JOURNAL_SYNC: changes[record.path] = nil
            case ORDEAL_JOURNAL_CREATE: created.insert(record.path)
            case ORDEAL_JOURNAL_DIRSYNC:
                created = created.filter { Self.parent($0) != record.path }
                removals = removals.filter { Self.parent($0.key) != record.path }
            case ORDEAL_JOURNAL_UNLINK:
                if lastUnlinked != record.path {
                    // A new removal. A file removed again since its folder's sync (removed,
                    // re-created, removed) comes back as it was before the first removal.
                    collecting = removals[record.path] == nil ? record.path : nil
                    if collecting != nil {
                        removals[record.path] = Removal(
                            size: record.sizeBefore, pending: changes[record.path] ?? [],
                            wasCreatedUnsynced: created.contains(record.path))
                    }
                    changes[record.path] = nil
                    created.remove(record.path)
                }
                if collecting == record.path { removals[record.path]!.content.append((record.offset, record.data)) }
            case ORDEAL_JOURNAL_CANCEL:
                if let removal = removals.removeValue(forKey: record.path) {
                    changes[record.path] = removal.pending.isEmpty ? nil : removal.pending
                    if removal.wasCreatedUnsynced { created.insert(record.path) }
                }
            default: break
            }
        }
        for path in created.sorted() where Posix.exists(path) {
            try Posix.remove(path)
            out.filesRemoved.append(path)
            changes[path] = nil
        }
        for path in removals.keys.sorted() {
            let removal = removals[path]!
            guard !removal.wasCreatedUnsynced else { continue }
            try Posix.create(path)
            for chunk in removal.content where !chunk.data.isEmpty {
                try Posix.writeAt(path, offset: chunk.offset, bytes: chunk.data)
            }
            try Posix.truncate(path, to: removal.size)
            changes[path] = removal.pending.isEmpty ? nil : removal.pending
            out.filesRecreated.append(path)
        }
        for path in changes.keys.sorted() {
            guard let list = changes[path], let first = list.first, Posix.exists(path) else { continue }
            out.unsyncedChanges += list.count
            for record in list.reversed() where !record.data.isEmpty {
                try Posix.writeAt(path, offset: record.offset, bytes: record.data)
                out.bytesRestored += record.data.count
            }
            try Posix.truncate(path, to: first.sizeBefore)
            out.filesRestored.append(path)
        }
        return out
    }
}
