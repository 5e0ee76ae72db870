#if canImport(Glibc)
import Glibc
#endif

/// The file calls of Chaos: the shim's shared control file, and the power-loss rollback that
/// rewrites a worker's files as its last sync left them.
extension ChaosPosix {
    /// Creates (or empties) `path` at `size` zero bytes and maps it shared, read-write.
    static func mapShared(_ path: String, size: Int) throws(Failure) -> UnsafeMutableRawPointer {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(call: "open", subject: path, errno: errno) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw Failure(call: "ftruncate", subject: path, errno: errno) }
        guard let map = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), map != MAP_FAILED else {
            throw Failure(call: "mmap", subject: path, errno: errno)
        }
        return map
    }

    static func unmap(_ pointer: UnsafeMutableRawPointer, size: Int) { _ = munmap(pointer, size) }

    /// The whole file as bytes; nil when it does not exist.
    static func readBytes(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure(call: "open", subject: path, errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "read", subject: path, errno: errno)
            }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }

    /// Writes `bytes` at `offset` of an existing file, all of them.
    static func writeAt(_ path: String, offset: UInt64, bytes: ArraySlice<UInt8>) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(call: "open", subject: path, errno: errno) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "pwrite", subject: path, errno: errno)
            }
            done += n
        }
    }

    /// Creates an empty file (or empties one), mode 0644.
    static func create(_ path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(call: "open", subject: path, errno: errno) }
        close(fd)
    }

    static func truncate(_ path: String, to size: UInt64) throws(Failure) {
        guard Glibc.truncate(path, off_t(size)) == 0 else { throw Failure(call: "truncate", subject: path, errno: errno) }
    }

    /// Removes a file; one that is already gone is not an error.
    static func remove(_ path: String) throws(Failure) {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure(call: "unlink", subject: path, errno: errno) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The device and inode of what `path` names (following links); nil when it cannot be read.
    static func fileID(_ path: String) -> (device: Int64, inode: Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int64(bitPattern: UInt64(st.st_dev)), Int64(bitPattern: UInt64(st.st_ino)))
    }

    static func rename(_ from: String, to: String) throws(Failure) {
        guard Glibc.rename(from, to) == 0 else { throw Failure(call: "rename", subject: "\(from) -> \(to)", errno: errno) }
    }
}
