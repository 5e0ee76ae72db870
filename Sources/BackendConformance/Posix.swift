#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Every system call of BackendConformance: scratch directories and probing for a dead pid.
enum ConformancePosix {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A new empty directory under the temporary directory (mkdtemp), for one check.
    static func makeScratchDirectory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/ordeal-conformance-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else {
            let code = errno
            throw Failure(
                description: "mkdtemp(\(base)/ordeal-conformance-XXXXXX) failed: \(String(cString: strerror(code))) (errno \(code)); "
                    + "set TMPDIR to a writable directory")
        }
        return String(cString: made)
    }

    /// Removes `path` and everything under it; a leftover scratch directory is not an error.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A pid with no process behind it (kill(pid, 0) fails with ESRCH).
    static func deadPID() throws -> Int32 {
        for pid in stride(from: Int32(4_194_000), to: 100_000, by: -7919) where kill(pid, 0) == -1 && errno == ESRCH {
            return pid
        }
        throw Failure(description: "found no unused pid between 100000 and 4194000 to name a dead claim owner")
    }
}
