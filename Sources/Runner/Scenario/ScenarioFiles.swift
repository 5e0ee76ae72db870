import OrdealSupport
import OrdealSystem
#if canImport(Glibc)
import Glibc
#endif

/// What the scenario loader asks of the file system, through the shared system-call layer:
/// what a path is, the names in a directory, a file's text. Failures come back as values, so
/// the loader can name every bad path of a command line in one error.
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
        switch Posix.kind(path) {
        case .file: .success(.file)
        case .directory: .success(.directory)
        case .other: .success(.other)
        case nil: .failure(Failure(errno: Glibc.errno))
        }
    }

    /// The entry names of a directory, without `.` and `..`, in no particular order.
    static func entries(of directory: String) -> Result<[String], Failure> {
        do { return .success(try Posix.names(in: directory)) } catch { return .failure(Failure(errno: error.errno)) }
    }

    /// The whole file as UTF-8 text (invalid bytes become U+FFFD, which YAML then rejects).
    static func read(_ path: String) -> Result<String, Failure> {
        do { return .success(String(decoding: try Posix.readAll(path), as: UTF8.self)) } catch {
            return .failure(Failure(errno: error.errno))
        }
    }
}
