import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
@testable import OrdealRunner
import RecoveryCore
import Testing

/// The scenario side of other backends: thresholds for some backends only, scenarios meant for
/// some backends, command faults, and what `--backend` changes.
@Suite struct BackendScenarioTests {
    static let writer = """
        workers:
          - name: writer
            role: checkpoint-writer
        """

    @Test func aThresholdOnSomeBackendsIsJudgedOnlyThere() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.writer + """

            thresholds:
              - {op: checkpoint.commit, p99: 1ms, on: [sqlite]}
              - {op: checkpoint.commit, p50: 1ms}
            """, path: "Scenarios/s.yaml")
        #expect(scenario.thresholds.map(\.backends) == [["sqlite"], nil])
        // The analysis judges `thresholdsOnItsBackend`: both on SQLite, the unscoped one elsewhere.
        var run = scenario
        run.backend = "sqlite"
        #expect(run.thresholdsOnItsBackend.map(\.percentile) == [.p99, .p50])
        run.backend = "postgres"
        #expect(run.thresholdsOnItsBackend.map(\.percentile) == [.p50])
        let problems = loaderProblems(Self.writer + "\nthresholds:\n  - {op: x, p99: 1ms, on: sqlite}")
        #expect(problems.contains { $0.field == "thresholds[0].on" && $0.message.contains("expected a list") })
    }

    @Test func aCommandFaultNeedsItsCommandAndAScenarioCanNameItsBackends() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.writer + """

            backends: [postgres]
            faults:
              - {kind: command, target: writer, after_ops: 5, run: [bash, ci/postgres.sh, restart]}
            """, path: "Scenarios/s.yaml")
        #expect(scenario.backends == ["postgres"])
        #expect(scenario.isMeant(for: "postgres") && !scenario.isMeant(for: "sqlite"))
        #expect(scenario.faults.first?.options == .command(["bash", "ci/postgres.sh", "restart"]))
        #expect(scenario.faults.first?.kind.usesShim == false)
        let missing = loaderProblems(Self.writer + "\nfaults:\n  - {kind: command, target: writer, after_ops: 5}")
        #expect(missing.contains { $0.field == "faults[0].run" && $0.message.contains("needs the command to run") })
        let empty = loaderProblems(Self.writer + "\nfaults:\n  - {kind: command, target: writer, after_ops: 5, run: []}")
        #expect(empty.contains { $0.field == "faults[0].run" && $0.message.contains("is empty") })
    }

    @Test func aServerBackendLeavesOutScenariosWithLocalFaultsAndSaysWhy() throws {
        let local = try ScenarioLoader.load(
            yaml: Self.writer + "\nfaults:\n  - {kind: disk-full, target: writer, after_ops: 5}", path: "Scenarios/d.yaml")
        let signals = try ScenarioLoader.load(
            yaml: Self.writer + "\nfaults:\n  - {kind: kill, target: writer, after_ops: 5}", path: "Scenarios/k.yaml")
        #expect(BackendOverride.serverReason(local)?.contains("not a server's") == true)
        #expect(BackendOverride.serverReason(signals) == nil)
        let override = BackendOverride(name: "sqlite:full", durability: .full)
        #expect(override.applied(signals).durability == .full && override.applied(signals).backend == "sqlite")
    }
}
