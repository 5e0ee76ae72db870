import OrdealSupport
import OrdealCheckers
import OrdealModel
import OrdealReports
import OrdealSystem
import COrdealShims
import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a run ran: recorded in every report, so a figure is never read without its machine.
public enum RunEnvironment {
    /// OS and kernel, CPU model, cores, memory, the data folder's file system, and the Swift,
    /// SQLite and glibc versions. A value that cannot be read is "unknown", never guessed.
    public static func capture(dataDirectory: String) -> [String: String] {
        var env: [String: String] = [:]
        var u = utsname()
        if uname(&u) == 0 {
            env["os"] = field(&u.sysname) + " " + field(&u.release)
            env["kernel_version"] = field(&u.version)
            env["machine"] = field(&u.machine)
        }
        env["os_release"] = osRelease() ?? "unknown"
        env["cpu_model"] = firstValue(file: "/proc/cpuinfo", key: "model name") ?? "unknown"
        env["cores"] = String(ProcessInfo.processInfo.activeProcessorCount)
        env["memory_bytes"] = String(ProcessInfo.processInfo.physicalMemory)
        env["data_filesystem"] = filesystem(of: dataDirectory)
        env["sqlite"] = String(cString: sqlite3_libversion())
        env["glibc"] = String(cString: ordeal_libc_version())
        env["swift"] = swiftVersion
        return env
    }

    /// The compiler that built this Ordeal.
    static var swiftVersion: String {
        #if compiler(>=6.4)
        return ">= 6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "< 6.2"
        #endif
    }

    private static func field<T>(_ value: inout T) -> String {
        withUnsafeBytes(of: &value) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func firstValue(file: String, key: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func osRelease() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    /// The file-system type of the mount holding `path` (longest matching mount point).
    private static func filesystem(of path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return "unknown" }
        var best = ("", "unknown")
        for line in mounts.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 3 else { continue }
            let point = String(parts[1])
            if (absolute == point || absolute.hasPrefix(point == "/" ? "/" : point + "/")) && point.count > best.0.count {
                best = (point, String(parts[2]))
            }
        }
        return best.1 + " on " + (best.0.isEmpty ? "?" : best.0)
    }

    /// The source commit of the working directory (`git rev-parse HEAD`), or "unknown".
    public static func sourceCommit() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return "unknown" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return "unknown" }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
