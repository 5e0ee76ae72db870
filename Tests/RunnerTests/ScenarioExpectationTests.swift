import OrdealModel
import OrdealRunner
import Testing

/// `expect:` (the work a scenario demands), `reader:` (which group's command reads the final
/// state), `premises:` (what must have happened) and a kill's `jitter:`, as the loader reads
/// them and as it refuses them.
@Suite struct ScenarioExpectationTests {
    static let workers = """
        workers:
          - name: writer
            role: checkpoint-writer
            command: [python3, w.py]
          - name: sweeper
            role: sweeper
        """

    @Test func expectationsAndTheReaderGroupAreRead() throws {
        let scenario = try ScenarioLoader.load(
            yaml: Self.workers + """

                expect: [{op: checkpoint.commit, acknowledged: 100}, {op: sweep.run, group: sweeper, total: {recovered: 5}}]
                reader: sweeper
                """, path: "Scenarios/s.yaml")
        #expect(scenario.expectations == [
            WorkExpectation(op: "checkpoint.commit", acknowledged: 100),
            WorkExpectation(op: "sweep.run", group: "sweeper", totals: ["recovered": 5]),
        ])
        #expect(scenario.reader.group == "sweeper" && scenario.reader.command == nil)
    }

    @Test func premisesAndAKillsJitterAreRead() throws {
        let scenario = try ScenarioLoader.load(
            yaml: Self.workers + """

                faults: [{kind: kill, target: writer, after_ops: 3, jitter: 12ms}]
                premises: [restarted, kill-inside-call]
                """, path: "Scenarios/s.yaml")
        #expect(scenario.premises == [.restarted, .killInsideCall])
        #expect(scenario.faults.first?.jitterMillis == 12)
    }

    @Test func withoutReaderTheFirstGroupWithACommandReads() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.workers, path: "Scenarios/s.yaml")
        #expect(scenario.reader.group == "writer")
        #expect(scenario.reader.command == ["python3", "w.py"])
    }

    @Test(arguments: [
        ("expect: [{acknowledged: 3}]", "expect[0]: needs `op`"),
        ("expect: [{op: checkpoint.commit}]", "expect[0]: says no amount"),
        ("expect: [{op: checkpoint.commit, acknowledged: 0}]", "expect[0].acknowledged: must be at least 1"),
        ("expect: [{op: checkpoint.commit, group: nobody, acknowledged: 1}]", "expect[0].group: no worker group is named 'nobody'; groups: writer, sweeper"),
        ("expect: [{op: sweep.run, total: 5}]", "expect[0].total: must map value fields to sums"),
        ("reader: nobody", "reader: no worker group is named 'nobody'"),
        ("premises: [takover]", "premises[0]: unknown premise 'takover'; valid: takeover, stale-refused, fault-surfaced, restarted, kill-inside-call, renewal-during-sweep, late-renewal"),
        ("premises: [takeover, takeover]", "premises[1]: premise 'takeover' is listed twice"),
        ("faults: [{kind: kill, target: writer, at: 1s, jitter: 5ms}]", "faults[0].jitter: applies only to `after_ops`"),
        ("faults: [{kind: kill, target: writer, after_ops: 3, jitter: soon}]", "faults[0].jitter"),
    ])
    func aBadExpectationOrReaderNamesTheFieldAndTheFix(line: String, message: String) {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(yaml: Self.workers + "\n" + line, path: "Scenarios/s.yaml") }
        do {
            _ = try ScenarioLoader.load(yaml: Self.workers + "\n" + line, path: "Scenarios/s.yaml")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
