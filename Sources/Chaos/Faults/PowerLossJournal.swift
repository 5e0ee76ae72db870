import COrdealShims

/// The shim's undo journal (records of `ordeal_shim_control.h`) and the rollback it allows:
/// every file under the data folder back to the state of its last successful sync, as a power
/// cut would leave it.
///
/// Per file, the records after its last SYNC are undone newest first (each restores the bytes a
/// change overwrote), then the file is cut to its size before the first of them. A file created
/// since its folder was last synced is removed. Removals and renames are not undone; the
/// rollback reports them.
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
        var notUndone: [String] = []
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
        guard let bytes = try ChaosPosix.readBytes(path) else { return }
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

    /// Undoes everything not synced. The files must not be open in any live process.
    func rollBack() throws -> Rollback {
        var changes: [String: [Record]] = [:]
        var created: Set<String> = []
        var out = Rollback()
        for record in records {
            switch Int(record.type) {
            case ORDEAL_JOURNAL_CHANGE: changes[record.path, default: []].append(record)
            case ORDEAL_JOURNAL_SYNC: changes[record.path] = nil
            case ORDEAL_JOURNAL_CREATE: created.insert(record.path)
            case ORDEAL_JOURNAL_DIRSYNC: created = created.filter { Self.parent($0) != record.path }
            case ORDEAL_JOURNAL_UNLINK:
                created.remove(record.path)
                changes[record.path] = nil
                out.notUndone.append(record.path)
            default: break
            }
        }
        for path in created.sorted() where ChaosPosix.exists(path) {
            try ChaosPosix.remove(path)
            out.filesRemoved.append(path)
            changes[path] = nil
        }
        for path in changes.keys.sorted() {
            guard let list = changes[path], let first = list.first, ChaosPosix.exists(path) else { continue }
            out.unsyncedChanges += list.count
            for record in list.reversed() where !record.data.isEmpty {
                try ChaosPosix.writeAt(path, offset: record.offset, bytes: record.data)
                out.bytesRestored += record.data.count
            }
            try ChaosPosix.truncate(path, to: first.sizeBefore)
            out.filesRestored.append(path)
        }
        return out
    }
}
