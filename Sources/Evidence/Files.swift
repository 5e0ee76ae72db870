import OrdealSystem
#if canImport(Glibc)
import Glibc
#endif

/// The file calls of Evidence, through the shared system-call layer; each failure becomes an
/// `EvidenceError` with its stable code and errno, naming the call and the path.
enum Files {
    typealias EntryKind = Posix.FileKind

    static func failure(_ error: SystemError) -> EvidenceError {
        EvidenceError(.io, "\(error.call)(\(error.subject)) failed", errno: error.errno)
    }

    /// The kind of `path` without following a final symbolic link, or nil when nothing is there.
    static func kind(_ path: String) -> EntryKind? { Posix.kind(path, followLinks: false) }

    static func walk(_ root: String) throws(EvidenceError) -> [(path: String, kind: EntryKind)] {
        do { return try Posix.walk(root) } catch { throw failure(error) }
    }

    /// Feeds the bytes of the file at `path` (a final link not followed) to `consume`.
    static func readFile(_ path: String, _ consume: (UnsafeRawBufferPointer) -> Void) throws(EvidenceError) {
        do { try Posix.readFile(path, noFollow: true, consume) } catch { throw failure(error) }
    }

    static func readAll(_ path: String) throws(EvidenceError) -> [UInt8] {
        do { return try Posix.readAll(path, noFollow: true) } catch { throw failure(error) }
    }

    /// Creates `path` with exactly `mode`; `alreadyExists` when anything is there.
    static func createExclusive(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(EvidenceError) {
        do { try Posix.createExclusive(path, bytes, mode: mode) } catch {
            if error.errno == EEXIST {
                throw EvidenceError(.alreadyExists, "\(path) already exists; refusing to overwrite it (move it away or choose another prefix)")
            }
            throw failure(error)
        }
    }

    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(EvidenceError) {
        do { try Posix.writeAtomically(path, bytes, mode: mode) } catch { throw failure(error) }
    }

    /// Removes `path`, ignoring a missing file.
    static func remove(_ path: String) { try? Posix.remove(path) }

    static func permissions(_ path: String) -> mode_t? { Posix.permissions(path) }
}
