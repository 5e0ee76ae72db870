import OrdealModel
import OrdealRunner
import Testing

/// `kind: network` in a scenario file: each toxic with its own options, and every misuse
/// reported at its line with the fix.
@Suite struct NetworkFaultParserTests {
    func yaml(_ fault: String) -> String {
        "backends: [postgres]\nworkers:\n  - {name: writer, role: checkpoint-writer}\nfaults:\n  - {kind: network, target: writer, after_ops: 5, duration: 1s, \(fault)}\n"
    }

    @Test func eachToxicParsesWithItsOptions() throws {
        let cases: [(String, Toxic)] = [
            ("toxic: latency, latency: 5ms, spread: 2ms", .latency(millis: 5, jitterMillis: 2, direction: .both)),
            ("toxic: bandwidth, rate: 64KB, direction: downstream", .bandwidth(bytesPerSecond: 65_536, direction: .downstream)),
            ("toxic: partition, direction: downstream", .partition(direction: .downstream)),
            ("toxic: slicer, size: 16, interval: 1ms, direction: upstream", .slicer(bytes: 16, delayMillis: 1, direction: .upstream)),
            ("toxic: slicer, size: 8", .slicer(bytes: 8, delayMillis: 0, direction: .both)),
            ("toxic: reset", .reset), ("toxic: refuse", .refuse),
        ]
        for (text, toxic) in cases {
            let scenario = try ScenarioLoader.load(yaml: yaml(text), path: "Scenarios/n.yaml")
            #expect(scenario.faults.first?.options == .network(toxic), "\(text)")
        }
    }

    @Test func anOptionOfAnotherToxicIsReportedAtItsLine() {
        let problem = loaderProblem(yaml("toxic: latency, latency: 5ms, size: 16"))
        #expect(problem?.line == 5 && problem?.field == "faults[0].size")
        #expect(problem?.message == "applies to the slicer toxic only; remove it from this latency toxic")
        #expect(loaderProblem(yaml("toxic: reset, direction: upstream"))?.message == "applies to latency, bandwidth, partition and slicer only; remove it from this reset toxic")
    }

    @Test func aSlicerNeedsAPositiveSize() {
        #expect(loaderProblem(yaml("toxic: slicer"))?.message == "missing; a slicer toxic needs its largest slice in bytes, e.g. `size: 16`")
        #expect(loaderProblem(yaml("toxic: slicer, size: 0"))?.message == "must be at least 1 byte; found 0")
        #expect(loaderProblem(yaml("toxic: slicer, size: many"))?.message.hasPrefix("'many' is not a byte count") == true)
    }

    @Test func anUnknownToxicNamesTheValidOnes() {
        #expect(loaderProblem(yaml("toxic: jitter"))?.message == "unknown toxic 'jitter'; valid: latency, bandwidth, partition, reset, refuse, slicer")
    }
}
