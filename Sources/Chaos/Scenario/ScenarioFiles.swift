#if canImport(Glibc)
import Glibc
#endif

/// The file-system calls of the scenario loader: what a path is, the names in a directory,
/// a file's bytes. EINTR is retried; errno is read at once and returned as a sentence.
///
/// Kept beside the loader rather than in `Posix.swift` so the loader owns its whole surface;
/// these are the only system calls it makes.
enum ScenarioFiles {
    enum Kind {
        case file
        case directory
        case other
    }

    /// A failed call: the errno and `strerror`'s sentence for it.
    struct Failure: Error {
        let errno: Int32
        var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }
        var reason: String { "\(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// What `path` is, following symbolic links.
    static func kind(of path: String) -> Result<Kind, Failure> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(Failure(errno: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .success(.file)
        case S_IFDIR: return .success(.directory)
        default: return .success(.other)
        }
    }

    /// The entry names of a directory, without `.` and `..`, in no particular order.
    static func entries(of directory: String) -> Result<[String], Failure> {
        guard let dir = opendir(directory) else { return .failure(Failure(errno: errno)) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { return .failure(Failure(errno: errno)) }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    /// The whole file as UTF-8 text (invalid bytes become U+FFFD, which YAML then rejects).
    static func read(_ path: String) -> Result<String, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(errno: errno)) }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += buffer[0..<n]
            } else if n == 0 {
                break
            } else if errno != EINTR {
                return .failure(Failure(errno: errno))
            }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}
