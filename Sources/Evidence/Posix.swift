#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every system call of the Evidence library goes through here: `EINTR` is retried, `errno` is
/// read at once and turned into an `EvidenceError` naming the call and the path.
enum Posix {
    static func failure(_ call: String, _ path: String, _ err: Int32) -> EvidenceError {
        EvidenceError(.io, "\(call)(\(path)) failed", errno: err)
    }

    // MARK: Listing

    enum EntryKind: Equatable {
        case file, directory
        case other(String)
    }

    /// The kind of `path` without following a final symbolic link, or nil when nothing is there.
    static func kind(_ path: String) -> EntryKind? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .other("symbolic link")
        case S_IFIFO: return .other("named pipe")
        case S_IFSOCK: return .other("socket")
        default: return .other("device")
        }
    }

    /// Every entry below `root`, as relative paths joined with `/`, with its kind. Directories are
    /// descended into (symbolic links are not followed) and are not themselves listed.
    static func walk(_ root: String) throws(EvidenceError) -> [(path: String, kind: EntryKind)] {
        var out: [(path: String, kind: EntryKind)] = []
        var pending: [String] = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            for name in try names(in: absolute) {
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let kind = kind(root + "/" + child) else { continue }  // removed meanwhile
                if kind == .directory { pending.append(child) } else { out.append((child, kind)) }
            }
        }
        return out
    }

    /// The names in directory `path`, without `.` and `..`.
    static func names(in path: String) throws(EvidenceError) -> [String] {
        guard let dir = opendir(path) else { throw failure("opendir", path, errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw failure("readdir", path, errno) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    // MARK: Reading

    static func openForReading(_ path: String) throws(EvidenceError) -> Int32 {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) } while fd == -1 && errno == EINTR
        guard fd >= 0 else { throw failure("open", path, errno) }
        return fd
    }

    /// Feeds the bytes of the file at `path` to `consume`, 64 KiB at a time.
    static func readFile(_ path: String, _ consume: (UnsafeRawBufferPointer) -> Void) throws(EvidenceError) {
        let fd = try openForReading(path)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path, errno)
            }
            consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The whole content of the file at `path`.
    static func readAll(_ path: String) throws(EvidenceError) -> [UInt8] {
        var bytes: [UInt8] = []
        try readFile(path) { bytes.append(contentsOf: $0) }
        return bytes
    }

    // MARK: Writing

    /// Writes all of `bytes` to `fd`, then `fsync`s it.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(EvidenceError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path, errno)
            }
            offset += n
        }
        while fsync(fd) != 0 {
            if errno != EINTR { throw failure("fsync", path, errno) }
        }
    }

    /// Creates `path` with exactly `mode` and writes `bytes`, failing with `alreadyExists` when
    /// anything (even a dangling symbolic link) is there. `O_CREAT|O_EXCL` applies the mode at
    /// creation, so the file is never readable by others, not even briefly.
    static func createExclusive(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(EvidenceError) {
        var fd: Int32
        repeat {
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        } while fd == -1 && errno == EINTR
        guard fd >= 0 else {
            let err = errno
            if err == EEXIST {
                throw EvidenceError(.alreadyExists, "\(path) already exists; refusing to overwrite it (move it away or choose another prefix)")
            }
            throw failure("open", path, err)
        }
        do throws(EvidenceError) {
            // The umask can only remove bits; set the mode exactly so a 0600 key stays 0600.
            guard fchmod(fd, mode) == 0 else { throw failure("fchmod", path, errno) }
            try writeAll(fd, bytes, path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)  // EINTR on close is not retried: the descriptor is gone either way on Linux.
    }

    /// Replaces `path` with `bytes` atomically: a temporary `*.tmp` file in the same directory is
    /// written and `fsync`ed, then `rename(2)`d over `path`, then the directory is `fsync`ed.
    /// Readers see the old content or the new one, never a mix.
    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(EvidenceError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        try createExclusive(temporary, bytes, mode: mode)
        guard rename(temporary, path) == 0 else {
            let err = errno
            unlink(temporary)
            throw failure("rename", "\(temporary) -> \(path)", err)
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw failure("open", directory, errno) }
        defer { close(dirFD) }
        while fsync(dirFD) != 0 {
            if errno != EINTR { throw failure("fsync", directory, errno) }
        }
    }

    /// Removes `path`, ignoring a missing file.
    static func remove(_ path: String) { unlink(path) }

    /// The permission bits of `path`, or nil when nothing is there.
    static func permissions(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }
}
