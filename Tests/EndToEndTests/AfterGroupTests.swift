import Foundation
import OrdealModel
import OrdealSupport
import Testing

/// Groups that start after another (`after:`): when the group they wait for fails, every group
/// down the chain is given up at once, with the reason, instead of waiting for the timeout.
@Suite struct AfterGroupTests {
    @Test func aFailedGroupEndsItsChainOfDependentsWithoutWaitingForTheTimeout() throws {
        let dir = try Binaries.temporaryDirectory()
        let file = dir + "/chain.yaml"
        // Reads as the reader, fails as any other role.
        let failing = "[sh, -c, 'if [ \"$0\" = reader ]; then exec \(Binaries.worker) \"$0\" \"$@\"; fi; exit 1']"
        try """
        name: chain
        timeout: 60s
        workers:
          - name: first
            role: checkpoint-writer
            command: \(failing)
            restart: never
          - name: second
            role: checkpoint-writer
            command: \(failing)
            after: first
          - name: third
            role: checkpoint-writer
            command: \(failing)
            after: second
        checks: [acked-durable]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let started = Date()
        let result = try Binaries.run(Binaries.ordeal, ["run", file, "--out", dir + "/out"])
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 30, "the run waited \(seconds) s: the timeout, not the failure, ended it")
        #expect(result.status == ExitStatus.unknown.rawValue, "\(result.stdout)")
        #expect(result.stdout.contains("group second waits for first, whose workers did not all exit 0"), "\(result.stdout)")
        #expect(!result.stdout.contains("did not finish within its timeout"), "\(result.stdout)")
    }
}
