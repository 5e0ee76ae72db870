import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import Foundation

/// The executables this package built, found beside the test bundle (or in `$ORDEAL_BIN_DIR`).
enum Binaries {
    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["ORDEAL_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // .build/debug/OrdealPackageTests.xctest (a file on Linux, a bundle on macOS)
        while url.pathExtension != "xctest" && url.path != "/" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent()
    }

    static var worker: String { directory.appendingPathComponent("ordeal-worker").path }
    static var ordeal: String { directory.appendingPathComponent("ordeal").path }
    /// The deliberately faulty worker (test-only): `--fault NAME` breaks one guarantee.
    static var faultyWorker: String { directory.appendingPathComponent("ordeal-faulty-worker").path }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "ordeal-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `dir/NAME.yaml` for each (name, count): one checkpoint writer committing `count`
    /// checkpoints, the smallest scenario that runs for as long as a test needs.
    static func writeWriterScenarios(_ dir: String, _ scenarios: [(name: String, count: Int)]) throws {
        for (name, count) in scenarios {
            try """
                name: \(name)
                workers:
                  - role: checkpoint-writer
                    params: {task: t, count: \(count)}
                """.write(toFile: dir + "/\(name).yaml", atomically: true, encoding: .utf8)
        }
    }

    struct Result {
        var status: Int32
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
    }

    /// Runs an executable to completion, capturing its output.
    static func run(_ path: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, reason: process.terminationReason,
            stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
