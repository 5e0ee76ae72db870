import Testing

@testable import BenchKit

/// The bench worker's command line: what the runner renders, the worker parses back.
@Suite struct BenchWorkerOptionsTests {
    @Test(arguments: [
        BenchWorker.Options(backend: "memory", database: nil, op: nil, tag: "t-describe"),
        BenchWorker.Options(
            backend: "sqlite:full", database: "/tmp/x.sqlite", op: "cache.hit", tag: "t1", budget: .iterations(500), warmup: 20),
        BenchWorker.Options(
            backend: "traced:/d/s.sqlite", database: nil, op: "sweep.expired_100", tag: "t2", budget: .duration(nanos: 2_000_000),
            warmup: 1, loop: .open(perSecond: 2_500)),
    ])
    func whatTheRunnerWritesTheWorkerReadsBack(options: BenchWorker.Options) throws {
        #expect(try BenchWorker.Options(arguments: options.arguments) == options)
    }

    @Test(arguments: [
        (["--tag", "t", "--describe"], "--backend SPEC and --tag TAG are required"),
        (["--backend", "memory", "--tag", "t"], "either --describe or --op"),
        (["--backend", "memory", "--tag", "t", "--describe", "--op", "cache.hit"], "either --describe or --op"),
        (["--backend", "memory", "--tag", "t", "--op", "cache.hit"], "--iterations N or --duration-ns N"),
        (["--backend", "memory", "--tag", "t", "--op", "cache.hit", "--iterations", "ten"], "--iterations ten is not a number"),
        (["--backend", "memory", "--tag", "t", "--op", "cache.hit", "--iterations", "0"], "1 or more"),
        (["--backend", "memory", "--tag", "t", "--verbose"], "unknown argument --verbose"),
        (["--backend"], "--backend needs a value"),
    ])
    func aBadCommandLineIsRejectedNamingTheArgument(arguments: [String], expected: String) {
        #expect {
            try BenchWorker.Options(arguments: arguments)
        } throws: { error in
            guard let error = error as? BenchError else { return false }
            return error.isBadInput && error.message.contains(expected)
        }
    }

    @Test func sweepNamesCarryTheirSize() {
        #expect(Workloads.sweepSize("sweep.expired_10000") == 10_000)
        #expect(Workloads.sweepSize("sweep.expired_0") == nil)
        #expect(Workloads.sweepSize("sweep.expired_x") == nil)
        #expect(Workloads.sweepSize("cache.hit") == nil)
    }
}
