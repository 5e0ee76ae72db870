import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import Bench
import BenchKit
import Foundation
import OrdealSupport

extension Ordeal.Bench {
    /// The flags as a `BenchRequest`; every bad value is a `BenchError` naming its flag.
    func request(directory scratch: String) throws -> BenchRequest {
        var specs = try BenchBackends.parseList(backend, custom: !worker.isEmpty)
        if let net {
            guard worker.isEmpty, workers == nil else {
                throw BenchError(.badOption, "--net measures in this process only; leave out --worker and --workers")
            }
            guard specs.contains(where: { $0.hasPrefix("postgres") }) else {
                throw BenchError(.badOption, "--net needs a server backend to put the link in front of: add --backend postgres://USER@HOST:PORT/DB")
            }
            specs = BenchNetwork.expand(specs, latencyMillis: try BenchNetwork.parse(net))
        }
        var plan = BenchPlan(backends: specs, directory: scratch)
        if iterations != nil && duration != nil {
            throw BenchError(.badOption, "--iterations and --duration both given; choose one (a count, or a length of time)")
        }
        if let iterations {
            guard iterations >= 1 else { throw BenchError(.badOption, "--iterations must be at least 1") }
            plan.budget = .iterations(iterations)
        }
        if let duration { plan.budget = .duration(nanos: try BenchParse.duration(duration)) }
        if let workers {
            plan.workers = try BenchParse.counts(workers, option: "--workers")
            plan.workerCommand = [Self.executablePath, "bench-worker"]
        }
        if !worker.isEmpty {
            plan.workerCommands = try worker.map { text in
                if text == "ordeal" { return [Self.executablePath, "bench-worker"] }
                let words = try Tools.words(text, option: "--worker")
                return [try BenchParse.executable(words[0])] + words.dropFirst() + ["bench-worker"]
            }
        }
        let count: Int? = if case .iterations(let n) = plan.budget { n } else { nil }
        plan.rounds = rounds ?? min(plan.workerCommand.isEmpty ? 20 : 2, count ?? 20)
        plan.warmup = warmup ?? count.map { min(max($0 / 10, 50), 10_000) } ?? 1_000
        guard plan.warmup >= 0 else { throw BenchError(.badOption, "--warmup must be 0 or more") }
        if let rate { plan.loop = .open(perSecond: rate) }
        plan.ops = ops.map(BenchParse.names)
        plan.sweepSizes = try BenchParse.counts(sweepSizes, option: "--sweep-sizes")
        guard sweepRepeats >= 1 else { throw BenchError(.badOption, "--sweep-repeats must be at least 1") }
        plan.sweepRepeats = sweepRepeats
        try plan.validate()

        var request = BenchRequest(plan: plan, reports: reports, baselinesDirectory: baselinesDir)
        request.out = out
        request.commandLine = CommandLine.arguments.map { Shell.quoted($0) }.joined(separator: " ")
        request.json = json
        request.baseline = baseline
        request.saveBaseline = saveBaseline
        request.tolerances = try maxRegression.map { (text: String) throws(BenchError) in try Tolerance.parse(text) }
        if !request.tolerances.isEmpty && baseline == nil {
            throw BenchError(.badOption, "--max-regression needs --baseline NAME: a tolerance is against a saved baseline")
        }
        if request.tolerances.isEmpty { request.tolerances = [Tolerance(percentile: .p99, percent: 10)] }
        return request
    }

    /// This executable, which also plays the worker (`ordeal bench-worker`).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Runs a parsed `ordeal bench`; its errors say their own exit codes (`ordeal`'s main prints them).
struct BenchCommand {
    let bench: Ordeal.Bench

    func run() throws {
        let key = try Sealing.signingKey(file: bench.signKey)
        if let out = bench.out { try Tools.prepareRunFolder(out, option: "--out", replace: bench.replace) }
        let scratch = try bench.directory ?? Posix.makeTemporaryDirectory(prefix: "ordeal-bench")
        try Tools.requireWritableDirectory(scratch, option: "--directory")
        defer { if bench.directory == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let status: ExitStatus
        let folder: String
        var request = try bench.request(directory: scratch)
        request.signingKeyID = key?.publicKey.keyID
        do {
            (status, folder) = try BenchDriver.run(request, print: { Swift.print($0); fflush(nil) }, progress: { Tools.warn("bench: " + $0) })
        } catch let error as any ExitStatusProviding {
            throw error
        } catch {
            // A backend failed during the load phase or a sweep: nothing can be concluded (exit 3).
            throw BenchError(.workerFailed, "ordeal bench could not finish, so its figures are void: \(error)")
        }
        try Sealing.sealBench(directory: folder, key: key, backends: request.plan.backends)
        if status != .passed {
            Tools.warn("ordeal bench: a percentile regressed beyond its tolerance (see REGRESSION lines); exit \(status.rawValue)")
            throw ExitCode(status)
        }
    }
}
