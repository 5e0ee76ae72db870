import Foundation
import PostgresBackend
import RecoveryCore
import Synchronization

/// The PostgreSQL server the tests use, and a fresh database per test on it.
///
/// - `ORDEAL_POSTGRES_URL` set: that server (tests create databases `ordeal_test_*` on it and
///   leave them behind).
/// - otherwise: a throwaway cluster started once per test process by `ci/postgres.sh start`; it
///   stops itself and its folder goes once the test process has exited.
/// - `ORDEAL_SKIP_POSTGRES=1`: the postgres cases are left out. Nothing else skips them: when
///   the server cannot be had, every test that needs it fails with the reason.
public enum ScratchPostgres {
    /// Whether the postgres test cases were switched off explicitly (`ORDEAL_SKIP_POSTGRES=1`).
    public static var isSkipped: Bool { ProcessInfo.processInfo.environment["ORDEAL_SKIP_POSTGRES"] == "1" }

    /// The server (its `postgres` database), started on first use.
    public static func serverURL() throws -> PostgresURL {
        try server.get()
    }

    /// A new empty database on the server, unique in this test run.
    public static func freshDatabase() throws -> PostgresURL {
        let server = try serverURL()
        let name = "ordeal_test_\(getpid())_\(counter.withLock { $0 += 1; return $0 })"
        try PostgresBackend.createDatabase(name, server: server)
        return server.with(database: name)
    }

    /// A backend on a new empty database.
    public static func freshBackend() throws -> PostgresBackend {
        try PostgresBackend(url: try freshDatabase())
    }

    private static let counter = Mutex(0)

    private static let server: Result<PostgresURL, ScratchPostgresError> = {
        if let text = ProcessInfo.processInfo.environment["ORDEAL_POSTGRES_URL"], !text.isEmpty {
            return Result { () throws(ScratchPostgresError) -> PostgresURL in
                do {
                    return try PostgresURL(parsing: text)
                } catch {
                    throw ScratchPostgresError(description: "ORDEAL_POSTGRES_URL: \(error)")
                }
            }
        }
        return Result { () throws(ScratchPostgresError) -> PostgresURL in try startCluster() }
    }()

    /// The repository's `ci/postgres.sh`, found from this source file's place.
    public static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ci/postgres.sh").path
    }

    /// Runs `ci/postgres.sh start` with its output in files (posix_spawn + waitpid: nothing
    /// of the cluster or its watcher can hold a pipe of ours open) and reads the URL it printed.
    private static func startCluster() throws(ScratchPostgresError) -> PostgresURL {
        let fix = "set ORDEAL_POSTGRES_URL to a server of yours, or ORDEAL_SKIP_POSTGRES=1 to leave the postgres tests out"
        let base = NSTemporaryDirectory() + "ordeal-postgres-\(getpid())"
        var environment = ProcessInfo.processInfo.environment
        environment["ORDEAL_POSTGRES_STATE"] = base + ".state"
        environment["ORDEAL_POSTGRES_OWNER_PID"] = "\(getpid())"
        let arguments = ["/bin/bash", "-c", #"exec /bin/bash "$0" start >"$1" 2>"$2" </dev/null"#, script, base + ".out", base + ".err"]
        let status = spawnAndWait(arguments, environment: environment.map { "\($0.key)=\($0.value)" })
        let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        for file in [base + ".out", base + ".err"] { unlink(file) }
        let last = stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard status == 0, let url = try? PostgresURL(parsing: last) else {
            throw ScratchPostgresError(
                description: "PostgreSQL could not be started for the tests: \(script) start exited with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines)); \(fix)")
        }
        return url
    }

    /// The exit status of `arguments` run to its end, or -1 when it could not be spawned or
    /// waited for. posix_spawn and waitpid only: no pipe of ours to be held open by a process
    /// that outlives it.
    public static func spawnAndWait(_ arguments: [String], environment: [String]) -> Int32 {
        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
        let argv = cStrings(arguments)
        let envp = cStrings(environment)
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], nil, nil, argv, envp) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        // WIFEXITED / WEXITSTATUS
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
    }
}

/// Why the tests have no PostgreSQL server; says how to give them one.
public struct ScratchPostgresError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
