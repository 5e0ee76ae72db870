import CSQLite
import Glibc
import OrdealSupport
import OrdealSystem

/// What the `corrupt` fault does to a data folder while its target is down, as Jepsen's
/// file-corruption nemesis does to a stopped node: find the stored bytes of one snapshot
/// wherever the files hold them and flip one byte of each copy.
///
/// The byte flipped is the snapshot's last ASCII digit, its low bit flipped (`2` <-> `3`): a
/// digit stays a digit, so the text still parses and only a hash can tell. A snapshot without a
/// digit has its middle byte's low bit flipped. Every copy is flipped (a database file may hold
/// stale copies in free pages), so no intact copy is left to be read.
///
/// A SQLite database is first brought to rest: its write-ahead log is checkpointed into the
/// database file (`sqlite3_wal_checkpoint_v2`, TRUNCATE) as a clean shutdown would, so the
/// snapshot sits in the database file. Flipping a byte inside the log instead would break the
/// log's own frame checksums, and SQLite would drop the frame (and the commit with it) before
/// the core could read it: that tests SQLite, not the core.
struct SnapshotCorruption {
    struct Flip: Sendable, Hashable {
        /// The file, relative to the data folder.
        var file: String
        var offset: Int
        var from: UInt8
        var to: UInt8

        var json: JSONValue {
            ["file": .string(file), "offset": .int(Int64(offset)), "from": .int(Int64(from)), "to": .int(Int64(to))]
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let dataDirectory: String

    /// The index, in the snapshot's bytes, of the byte to flip.
    static func target(in snapshot: [UInt8]) -> Int {
        snapshot.lastIndex { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? snapshot.count / 2
    }

    /// The snapshot as the flip leaves it.
    static func damaged(_ snapshot: [UInt8]) -> [UInt8] {
        var out = snapshot
        if !out.isEmpty { out[target(in: out)] ^= 1 }
        return out
    }

    /// Settles the folder's SQLite databases, then flips the byte in every copy of `snapshot`.
    /// Returns the flips (none when no file holds the snapshot) and the databases settled.
    func corrupt(_ snapshot: [UInt8]) throws -> (flips: [Flip], settled: [String]) {
        guard !snapshot.isEmpty else { return ([], []) }
        let settled = try settleDatabases()
        let at = Self.target(in: snapshot)
        var flips: [Flip] = []
        for (file, kind) in try Posix.walk(dataDirectory).sorted(by: { $0.path < $1.path }) where kind == .file {
            let path = dataDirectory + "/" + file
            let bytes = try Posix.readAll(path, noFollow: true)
            for start in Self.occurrences(of: snapshot, in: bytes) {
                let offset = start + at
                let flipped = bytes[offset] ^ 1
                try Posix.writeAt(path, offset: UInt64(offset), bytes: [flipped][...])
                flips.append(Flip(file: file, offset: offset, from: bytes[offset], to: flipped))
            }
            if flips.contains(where: { $0.file == file }) {
                let fd = try Posix.open(path, O_WRONLY)
                defer { Posix.close(fd) }
                try Posix.fsync(fd, subject: path)
            }
        }
        return (flips, settled)
    }

    /// Flips the chosen byte (as `damaged` does) of the artifact at `path`, which must lie inside
    /// the data folder: the runner damages only the run's own files. Returns the flip (none for an
    /// empty file) and the file's bytes before it.
    func corruptArtifact(_ path: String) throws -> (flips: [Flip], before: [UInt8]) {
        let prefix = dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/"
        guard path.hasPrefix(prefix), !path.split(separator: "/").contains("..") else {
            throw Failure(description: "the artifact \(path) is outside the run's data folder \(dataDirectory); the corrupt fault damages only the run's own files, so write artifacts under {data}")
        }
        let bytes = try Posix.readAll(path, noFollow: true)
        guard !bytes.isEmpty else { return ([], bytes) }
        let offset = Self.target(in: bytes)
        let flipped = bytes[offset] ^ 1
        try Posix.writeAt(path, offset: UInt64(offset), bytes: [flipped][...])
        let fd = try Posix.open(path, O_WRONLY)
        defer { Posix.close(fd) }
        try Posix.fsync(fd, subject: path)
        return ([Flip(file: String(path.dropFirst(prefix.count)), offset: offset, from: bytes[offset], to: flipped)], bytes)
    }

    /// Where `needle` starts in `haystack`, each occurrence (non-overlapping).
    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard let first = needle.first, needle.count <= haystack.count else { return [] }
        var out: [Int] = []
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        return out
    }

    /// Every SQLite database file of the folder with a non-empty write-ahead log, checkpointed
    /// into the database file and the log truncated. Returns their relative paths.
    func settleDatabases() throws -> [String] {
        var settled: [String] = []
        for (file, kind) in try Posix.walk(dataDirectory) where kind == .file && file.hasSuffix("-wal") {
            let database = String(file.dropLast(4))
            let path = dataDirectory + "/" + database
            guard (Posix.size(dataDirectory + "/" + file) ?? 0) > 0, Self.isSQLite(path) else { continue }
            try Self.checkpoint(path)
            settled.append(database)
        }
        return settled.sorted()
    }

    /// Whether the file starts with SQLite's header string.
    static func isSQLite(_ path: String) -> Bool {
        guard let fd = try? Posix.open(path, O_RDONLY) else { return false }
        defer { Posix.close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let count = header.withUnsafeMutableBytes { (try? Posix.read(fd, into: $0, subject: path)) ?? 0 }
        return count == 16 && header.elementsEqual(Array("SQLite format 3".utf8) + [0])
    }

    /// Checkpoints the database's log into it (TRUNCATE): every committed frame copied in, the
    /// log emptied. Only committed frames are copied; a transaction the kill cut short stays out,
    /// as it would on the worker's next open.
    static func checkpoint(_ path: String) throws {
        var db: OpaquePointer?
        let opened = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil)
        defer { sqlite3_close(db) }
        guard opened == SQLITE_OK, let db else {
            throw Failure(description: "opening \(path) to bring it to rest failed: SQLite code \(opened) (\(String(cString: sqlite3_errstr(opened))))")
        }
        // A connection reads the database (and finds its log) only when first used: before
        // that, a checkpoint is a no-op that reports success.
        let read = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
        guard read == SQLITE_OK else {
            throw Failure(description: "reading \(path) to bring it to rest failed: SQLite code \(read) (\(String(cString: sqlite3_errmsg(db))))")
        }
        var log: Int32 = 0
        var copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_TRUNCATE, &log, &copied)
        guard rc == SQLITE_OK else {
            throw Failure(
                description: "checkpointing the write-ahead log of \(path) failed: SQLite code \(rc) (\(String(cString: sqlite3_errmsg(db)))); is another process still using it?")
        }
        let left = Posix.size(path + "-wal") ?? 0
        guard left == 0 else {
            throw Failure(description: "the write-ahead log of \(path) still holds \(left) bytes after its checkpoint; is another process still using it?")
        }
    }
}
