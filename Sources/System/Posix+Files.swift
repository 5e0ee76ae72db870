#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing whole files. Every loop here retries `EINTR` and short transfers.
extension Posix {
    /// Opens `path`; the descriptor is close-on-exec.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        try retrying("open", path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// `close` is not retried on `EINTR`: on Linux the descriptor is released either way.
    public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Reads up to `buffer.count` bytes from `fd`; 0 at end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, subject: String = "") throws(SystemError) -> Int {
        try retrying("read", subject.isEmpty ? "fd \(fd)" : subject) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes all of `bytes` to `fd`. A write under PIPE_BUF (4096) bytes reaches a pipe in one piece.
    public static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>, subject: String = "") throws(SystemError) {
        let contiguous = Array(bytes)
        var offset = 0
        while offset < contiguous.count {
            offset += try retrying("write", subject.isEmpty ? "fd \(fd)" : subject) {
                contiguous.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
        }
    }

    public static func fsync(_ fd: Int32, subject: String) throws(SystemError) {
        try retrying("fsync", subject) { Glibc.fsync(fd) }
    }

    /// Feeds the bytes of the file at `path` to `consume`, 64 KiB at a time.
    public static func readFile(_ path: String, noFollow: Bool = false, _ consume: (UnsafeRawBufferPointer) -> Void) throws(SystemError) {
        let fd = try open(path, O_RDONLY | (noFollow ? O_NOFOLLOW : 0))
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try read(fd, into: buffer, subject: path)
            if n == 0 { return }
            consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The whole file at `path`; throws when it does not exist.
    public static func readAll(_ path: String, noFollow: Bool = false) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        try readFile(path, noFollow: noFollow) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The whole file at `path`, or nil when it does not exist.
    public static func readBytes(_ path: String) throws(SystemError) -> [UInt8]? {
        do { return try readAll(path) } catch where error.errno == ENOENT { return nil }
    }

    /// The whole file as UTF-8 text; nil when it cannot be read.
    public static func readText(_ path: String) -> String? {
        (try? readBytes(path))?.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Creates `path` with exactly `mode` and writes `bytes`, then fsyncs it. Fails with errno
    /// `EEXIST` when anything (even a dangling symbolic link) is there. `O_CREAT|O_EXCL` applies
    /// the mode at creation, so the file is never readable by others, not even briefly.
    public static func createExclusive(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(SystemError) {
        let fd = try open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        do throws(SystemError) {
            // The umask can only remove bits; set the mode exactly so a 0600 key stays 0600.
            try retrying("fchmod", path) { fchmod(fd, mode) }
            try writeAll(fd, bytes, subject: path)
            try fsync(fd, subject: path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
    }

    /// Replaces `path` with `bytes` atomically: a temporary file in the same directory is
    /// written and fsynced, `rename(2)`d over `path`, then the directory is fsynced. Readers see
    /// the old content or the new one, never a mix. The one atomic write of Ordeal.
    public static func writeAtomically(_ path: String, _ bytes: some Collection<UInt8>, mode: mode_t = 0o644) throws(SystemError) {
        let (directory, name) = split(path)
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        try createExclusive(temporary, Array(bytes), mode: mode)
        guard Glibc.rename(temporary, path) == 0 else {
            let error = SystemError.last("rename", "\(temporary) -> \(path)")
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    public static func writeAtomically(_ path: String, text: String, mode: mode_t = 0o644) throws(SystemError) {
        try writeAtomically(path, Array(text.utf8), mode: mode)
    }

    /// Fsyncs a directory, so a rename or a creation in it survives a power cut.
    public static func syncDirectory(_ directory: String) throws(SystemError) {
        let fd = try open(directory, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, subject: directory)
    }

    /// Appends `line` and a newline to the file at `path` (created 0644) and fsyncs it.
    public static func appendLine(_ path: String, _ line: String) throws(SystemError) {
        let fd = try open(path, O_WRONLY | O_CREAT | O_APPEND)
        defer { close(fd) }
        try writeAll(fd, Array((line + "\n").utf8), subject: path)
        try fsync(fd, subject: path)
    }

    /// Writes `bytes` at `offset` of an existing file, all of them.
    public static func writeAt(_ path: String, offset: UInt64, bytes: ArraySlice<UInt8>) throws(SystemError) {
        let fd = try open(path, O_WRONLY)
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            done += try retrying("pwrite", path) {
                bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            }
        }
    }

    /// Creates an empty file (or empties one), mode 0644.
    public static func create(_ path: String) throws(SystemError) {
        close(try open(path, O_WRONLY | O_CREAT | O_TRUNC))
    }

    public static func truncate(_ path: String, to size: UInt64) throws(SystemError) {
        try retrying("truncate", path) { Glibc.truncate(path, off_t(size)) }
    }

    /// Creates (or empties) `path` at `size` zero bytes and maps it shared, read-write.
    public static func mapShared(_ path: String, size: Int) throws(SystemError) -> UnsafeMutableRawPointer {
        let fd = try open(path, O_RDWR | O_CREAT | O_TRUNC, mode: 0o600)
        defer { close(fd) }
        try retrying("ftruncate", path) { ftruncate(fd, off_t(size)) }
        guard let map = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), map != MAP_FAILED else {
            throw SystemError.last("mmap", path)
        }
        return map
    }

    public static func unmap(_ pointer: UnsafeMutableRawPointer, size: Int) { _ = munmap(pointer, size) }

    /// The folder and the name of `path` (`.` when it has no slash).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
