import OrdealModel
import OrdealRunner
import Testing

/// A scenario judges a worker of the user's own only when the worker declares every role and
/// op the scenario needs; one it cannot judge is not-applicable, never run to an empty pass.
@Suite struct ApplicabilityTests {
    let worker = WorkerIdentity(protocolVersion: 2, roles: ["lease-worker", "sweeper", "reader"], ops: ["lease.acquire", "lease.complete", "sweep.run"])

    func scenario(_ yaml: String) throws -> Scenario { try ScenarioLoader.load(yaml: yaml, path: "Scenarios/s.yaml") }

    @Test func aFaultThatFiresOnAnOpTheWorkerNeverWritesMakesTheScenarioNotApplicable() throws {
        let s = try scenario("""
            workers:
              - {name: holder, role: lease-worker}
            faults:
              - {kind: pause, target: holder, after_ops: 1, op: lease.renew, duration: 100ms}
            """)
        #expect(worker.reasonNotApplicable(s) == "the worker does not declare op lease.renew, which this scenario needs")
    }

    @Test func aFaultOnAnOpTheWorkerWritesLeavesTheScenarioApplicable() throws {
        let s = try scenario("""
            workers:
              - {name: holder, role: lease-worker}
            faults:
              - {kind: pause, target: holder, after_ops: 1, op: lease.acquire, duration: 100ms}
            """)
        #expect(worker.reasonNotApplicable(s) == nil)
    }
}
