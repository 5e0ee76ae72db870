#if canImport(Glibc)
import Glibc
#endif

/// Names, kinds and places of files: listing, renaming, removing, links.
extension Posix {
    public enum FileKind: Sendable, Hashable {
        case file, directory
        /// A symbolic link (never followed), a named pipe, a socket or a device, by name.
        case other(String)
    }

    /// The kind of `path`, or nil when nothing is there. With `followLinks` false a final
    /// symbolic link is reported as one rather than followed.
    public static func kind(_ path: String, followLinks: Bool = true) -> FileKind? {
        var st = stat()
        guard (followLinks ? stat(path, &st) : lstat(path, &st)) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .other("symbolic link")
        case S_IFIFO: return .other("named pipe")
        case S_IFSOCK: return .other("socket")
        default: return .other("device")
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The permission bits of `path` (a final link not followed), or nil when nothing is there.
    public static func permissions(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }

    /// The size in bytes of what `path` names (a final link not followed); nil when nothing is there.
    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// The device and inode of what `path` names (following links); nil when it cannot be read.
    public static func fileID(_ path: String) -> (device: Int64, inode: Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int64(bitPattern: UInt64(st.st_dev)), Int64(bitPattern: UInt64(st.st_ino)))
    }

    /// The names in directory `path`, without `.` and `..`.
    public static func names(in path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError.last("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            Glibc.errno = 0
            guard let entry = readdir(dir) else {
                if Glibc.errno != 0 { throw SystemError.last("readdir", path) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// Every entry below `root`, as relative paths joined with `/`, with its kind. Directories are
    /// descended into (symbolic links are not followed) and are not themselves listed.
    public static func walk(_ root: String) throws(SystemError) -> [(path: String, kind: FileKind)] {
        var out: [(path: String, kind: FileKind)] = []
        var pending: [String] = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            for name in try names(in: absolute) {
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let kind = kind(root + "/" + child, followLinks: false) else { continue }  // removed meanwhile
                if kind == .directory { pending.append(child) } else { out.append((child, kind)) }
            }
        }
        return out
    }

    public static func rename(_ from: String, to: String) throws(SystemError) {
        try retrying("rename", "\(from) -> \(to)") { Glibc.rename(from, to) }
    }

    /// Removes a file; one that is already gone is not an error.
    public static func remove(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || Glibc.errno == ENOENT else { throw SystemError.last("unlink", path) }
    }

    /// Creates directory `path` and its missing parents (mode 0755); one already there is fine.
    public static func makeDirectories(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            guard mkdir(prefix, 0o755) == 0 || Glibc.errno == EEXIST else { throw SystemError.last("mkdir", prefix) }
        }
        guard kind(path) == .directory else { throw SystemError(call: "mkdir", subject: path, errno: ENOTDIR) }
    }

    /// A new, empty directory `/tmp/PREFIX-XXXXXX`.
    public static func makeTemporaryDirectory(prefix: String) throws(SystemError) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw SystemError.last("mkdtemp", prefix) }
        return String(cString: p)
    }

    /// Points the symbolic link `link` at `destination`, replacing what was there atomically.
    public static func pointLink(_ link: String, at destination: String) throws(SystemError) {
        let temporary = link + ".tmp-link"
        _ = unlink(temporary)
        try retrying("symlink", "\(temporary) -> \(destination)") { symlink(destination, temporary) }
        try rename(temporary, to: link)
    }
}
