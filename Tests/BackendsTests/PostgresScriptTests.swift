import Foundation
import PostgresTestSupport
import Testing

/// `ci/postgres.sh`: the cluster it starts outlives the script, so it must not keep descriptors
/// of whoever started it. A leaked pipe once hung the whole test run: a test read a worker's
/// output until its end, and the end never came while the server held the pipe's write end.
@Suite(.enabled(if: !ScratchPostgres.isSkipped, "ORDEAL_SKIP_POSTGRES=1"))
struct PostgresScriptTests {
    @Test func theClusterKeepsNoDescriptorOfTheProcessThatStartedIt() throws {
        let dir = NSTemporaryDirectory() + "pg-script-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state"
        let probe = dir + "/inherited-descriptor"
        // The starter holds fd 7 open (not close-on-exec), as a test holding a worker's pipe would.
        let start = try run(["-c", "exec 7>\"$1\"; bash \"$2\" start", "starter", probe, ScratchPostgres.script], state: state)
        #expect(start == 0)
        defer { _ = try? run([ScratchPostgres.script, "stop"], state: state) }
        let cluster = try String(contentsOfFile: state, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pidText = try String(contentsOfFile: cluster + "/data/postmaster.pid", encoding: .utf8).split(separator: "\n").first
        let pid = try #require(pidText.flatMap { Int32($0) })
        let links = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")
        }
        #expect(!links.isEmpty, "could not read the server's descriptors")
        #expect(!links.contains(probe), "the server holds a descriptor of its starter: \(links)")
    }

    private func run(_ arguments: [String], state: String) throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        environment["ORDEAL_POSTGRES_STATE"] = state
        let quiet = ["/bin/bash", "-c", #"exec "$0" "$@" >/dev/null 2>&1 </dev/null"#, "/bin/bash"]
        return ScratchPostgres.spawnAndWait(quiet + arguments, environment: environment.map { "\($0.key)=\($0.value)" })
    }
}
