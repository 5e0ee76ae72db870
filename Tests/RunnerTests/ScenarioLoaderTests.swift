import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import RecoveryCore
import Testing

/// The problems `yaml` produces; records an issue when it loads.
func loaderProblems(_ yaml: String, path: String = "Scenarios/s.yaml") -> [ScenarioError.Problem] {
    do {
        let scenario = try ScenarioLoader.load(yaml: yaml, path: path)
        Issue.record("expected problems, loaded \(scenario.name)")
        return []
    } catch {
        return error.problems
    }
}

/// The single problem `yaml` produces; records an issue when there is not exactly one.
func loaderProblem(_ yaml: String, path: String = "Scenarios/s.yaml") -> ScenarioError.Problem? {
    let problems = loaderProblems(yaml, path: path)
    #expect(problems.count == 1, "\(problems)")
    return problems.first
}

let minimalWorkers = "workers: [{role: checkpoint-writer}]\n"

@Suite struct ScenarioLoaderTests {
    @Test func fullFileRoundTripsEveryFieldIntoTheModel() throws {
        let yaml = """
            name: kill9-recovery
            description: A checkpoint writer is killed mid-stream.
            seed: 42
            backend: sqlite
            durability: full
            timeout: 1.5m
            liveness: 2s
            workers:
              - name: setup
                role: task-runner
                restart: never
              - name: writer
                role: checkpoint-writer
                count: 3
                command: [python3, w.py, "--fast"]
                params:
                  task: t1
                  count: 300
                  verbose: true
                restart: on-kill
                after: setup
            faults:
              - kind: kill
                target: writer
                after_ops: 50
                op: checkpoint.commit
                restart_delay: 250ms
              - kind: pause
                target: writer-2
                at: 200ms
                duration: 500ms
              - kind: kill
                target: setup-0
                random: [100ms, 2s]
            checks: [acked-durable, integrity, sequence-contiguous]
            thresholds:
              - op: checkpoint.commit
                p99: 50ms
                max: 0.5s
              - recovery: {p50: 50ms, p999: 2s}
            """
        let scenario = try ScenarioLoader.load(yaml: yaml, path: "Scenarios/kill9.yaml")
        let expected = Scenario(
            name: "kill9-recovery", description: "A checkpoint writer is killed mid-stream.",
            sourcePath: "Scenarios/kill9.yaml", seed: 42, backend: "sqlite", durability: .full, timeoutMillis: 90_000,
            livenessMillis: 2_000,
            workers: [
                WorkerGroup(name: "setup", role: "task-runner", restart: .never),
                WorkerGroup(
                    name: "writer", role: "checkpoint-writer", count: 3, command: ["python3", "w.py", "--fast"],
                    params: ["task": "t1", "count": "300", "verbose": "true"], restart: .onKill, after: "setup"),
            ],
            faults: [
                FaultSpec(kind: .kill, target: "writer", trigger: .afterOps(count: 50, op: "checkpoint.commit"), restartDelayMillis: 250),
                FaultSpec(kind: .pause, target: "writer-2", trigger: .atMillis(200), durationMillis: 500),
                FaultSpec(kind: .kill, target: "setup-0", trigger: .random(minMillis: 100, maxMillis: 2_000)),
            ],
            checks: ["acked-durable", "integrity", "sequence-contiguous"],
            thresholds: [
                Threshold(subject: .op("checkpoint.commit"), percentile: .p99, maxMicros: 50_000),
                Threshold(subject: .op("checkpoint.commit"), percentile: .max, maxMicros: 500_000),
                Threshold(subject: .recovery, percentile: .p50, maxMicros: 50_000),
                Threshold(subject: .recovery, percentile: .p999, maxMicros: 2_000_000),
            ])
        #expect(scenario == expected)
    }

    @Test func omittedFieldsTakeTheDefaultsOfTheSpec() throws {
        let yaml = minimalWorkers + "faults: [{kind: kill, target: checkpoint-writer, after_ops: 5}]\n"
        let scenario = try ScenarioLoader.load(yaml: yaml, path: "Scenarios/minimal.yaml")
        #expect(scenario.name == "minimal")
        #expect(scenario.description == "")
        #expect(scenario.sourcePath == "Scenarios/minimal.yaml")
        #expect(scenario.seed == ScenarioLoader.defaultSeed(forName: "minimal"))
        #expect(scenario.backend == "sqlite")
        #expect(scenario.durability == .normal)
        #expect(scenario.timeoutMillis == 60_000)
        #expect(scenario.livenessMillis == 10_000)
        #expect(scenario.checks == [])
        #expect(scenario.thresholds == [])
        #expect(scenario.workers == [WorkerGroup(name: "checkpoint-writer", role: "checkpoint-writer", count: 1, command: nil, params: [:], restart: .onKill, after: nil)])
        #expect(scenario.faults == [FaultSpec(kind: .kill, target: "checkpoint-writer", trigger: .afterOps(count: 5, op: nil), durationMillis: 0, restartDelayMillis: 0)])
    }

    @Test func defaultNameDropsTheYmlExtensionToo() throws {
        #expect(try ScenarioLoader.load(yaml: minimalWorkers, path: "/x/y/pause-storm.yml").name == "pause-storm")
    }

    @Test func defaultSeedIsTheFNV1aHashOfTheName() throws {
        // FNV-1a 64 of "", "a", "foobar" is cbf29ce484222325, af63dc4c8601ec8c, 85944171f73967e8;
        // a seed keeps the low 63 bits.
        #expect(ScenarioLoader.defaultSeed(forName: "") == 0x4bf2_9ce4_8422_2325)
        #expect(ScenarioLoader.defaultSeed(forName: "a") == 0x2f63_dc4c_8601_ec8c)
        #expect(ScenarioLoader.defaultSeed(forName: "foobar") == 0x0594_4171_f739_67e8)
        let named = try ScenarioLoader.load(yaml: "name: foobar\n" + minimalWorkers, path: "other.yaml")
        #expect(named.seed == 0x0594_4171_f739_67e8)
    }

    @Test func durationsAcceptMillisecondsSecondsAndMinutes() throws {
        let yaml = "timeout: 2m\nliveness: 250ms\n" + minimalWorkers
        let scenario = try ScenarioLoader.load(yaml: yaml, path: "d.yaml")
        #expect(scenario.timeoutMillis == 120_000)
        #expect(scenario.livenessMillis == 250)
        #expect(try ScenarioLoader.load(yaml: "timeout: 1.5s\n" + minimalWorkers, path: "d.yaml").timeoutMillis == 1_500)
    }

    @Test func aCommandAllowsAnyRoleName() throws {
        let yaml = "workers: [{role: my-own-role, command: [./worker]}]\n"
        let scenario = try ScenarioLoader.load(yaml: yaml, path: "own.yaml")
        #expect(scenario.workers[0].role == "my-own-role")
        #expect(scenario.workers[0].command == ["./worker"])
    }

    @Test func errorDescriptionIsOneLinePerProblem() {
        let error = ScenarioError(problems: [
            .init(file: "Scenarios/kill9.yaml", line: 14, field: "faults[0].kind", message: "unknown fault kind 'kil'; valid: kill, pause"),
            .init(file: "Scenarios", line: nil, field: "", message: "no scenario files"),
        ])
        #expect(error.description == "Scenarios/kill9.yaml:14: faults[0].kind: unknown fault kind 'kil'; valid: kill, pause\nScenarios: no scenario files")
    }

    @Test func everyProblemOfOneFileIsReportedTogether() {
        let yaml = """
            durability: sometimes
            workers:
              - role: checkpoint-writer
                count: 0
            checks: [integrty]
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["durability", "workers[0].count", "checks[0]"])
        #expect(problems.map(\.line) == [1, 4, 5])
    }
}
