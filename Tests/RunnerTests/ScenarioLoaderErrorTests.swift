import OrdealSupport
import OrdealReports
import OrdealCheckers
import OrdealSystem
import OrdealModel
import OrdealRunner
import Testing

/// One test per class of problem: each asserts the file, the line, the field and that the
/// message names the valid choices or the fix.
@Suite struct ScenarioLoaderErrorTests {
    @Test func unknownFaultKindNamesTheValidKinds() {
        let yaml = """
            workers:
              - role: checkpoint-writer
            faults:
              - kind: kil
                target: checkpoint-writer
                after_ops: 5
            """
        let problem = loaderProblem(yaml, path: "Scenarios/kill9.yaml")
        #expect(problem?.description == "Scenarios/kill9.yaml:4: faults[0].kind: unknown fault kind 'kil'; valid: kill, pause, disk-full, io-error, clock-skew, power-loss, corrupt, network, command")
    }

    @Test func yamlSyntaxErrorBecomesAProblemWithItsLine() {
        let yaml = """
            name: broken
            workers:
              - role: checkpoint-writer
                count: [1, 2
            faults: []
            """
        let problem = loaderProblem(yaml)
        #expect(problem?.file == "Scenarios/s.yaml")
        #expect(problem?.field == "yaml")
        // The bracket opened on line 4 and was never closed: that line is named, not the next.
        #expect(problem?.line == 4)
        #expect(problem?.message.contains("the '[' opened on this line is never closed") == true, "\(problem?.message ?? "")")
        let brace = loaderProblem("name: b\nworkers:\n  - role: checkpoint-writer\n    params: {task: t, count: 3\nfaults: []\n")
        #expect(brace?.line == 4 && brace?.message.contains("'{' opened on this line") == true)
    }

    @Test func duplicateKeysAreAYamlProblem() {
        let problem = loaderProblem("timeout: 1s\ntimeout: 2s\n" + minimalWorkers)
        #expect(problem?.field == "yaml")
        #expect(problem?.message.contains("'timeout' appears more than once") == true)
    }

    @Test func unknownKeysAreReportedAtEveryLevelWithTheValidKeys() {
        let yaml = """
            timout: 60s
            workers:
              - role: checkpoint-writer
                cout: 2
            faults:
              - kind: kill
                target: checkpoint-writer
                after_ops: 5
                delay: 1s
            thresholds:
              - op: checkpoint.commit
                p90: 5ms
                p99: 5ms
              - recovery: {p98: 5ms, p50: 5ms}
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["timout", "workers[0].cout", "faults[0].delay", "thresholds[0].p90", "thresholds[1].recovery.p98"])
        #expect(problems.map(\.line) == [1, 4, 9, 12, 14])
        #expect(problems[0].message == "unknown key 'timout'; valid: name, description, seed, backend, durability, timeout, liveness, workers, faults, checks, thresholds, expected_failures, backends, expect, reader, premises")
        #expect(problems[1].message.contains("valid: name, role, count, command, params, restart, after"))
        #expect(problems[2].message.contains("valid: kind, target, after_ops, op, at, random, sync_point, duration, restart_delay"))
        #expect(problems[3].message.contains("valid: op, recovery, on, p50, p95, p99, p999, max"))
        #expect(problems[4].message == "unknown percentile 'p98'; valid: p50, p95, p99, p999, max")
    }

    @Test func wrongTypesAreReportedWithTheExpectedForm() {
        let yaml = """
            description: [a, b]
            workers:
              - role: checkpoint-writer
                count: three
                command: python3 w.py
                params: {nested: {a: 1}}
            faults: {kind: kill}
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["description", "workers[0].count", "workers[0].command", "workers[0].params.nested", "faults"])
        #expect(problems.map(\.line) == [1, 4, 5, 6, 7])
        #expect(problems[1].message.contains("expected a whole number ≥ 1; found 'three'"))
        #expect(problems[2].message.contains("e.g. [python3, worker.py]"))
    }

    @Test func missingOrEmptyWorkersIsAnError() {
        let missing = loaderProblem("name: x\n")
        #expect(missing?.field == "workers")
        #expect(missing?.line == 1)
        #expect(missing?.message.contains("at least one worker group") == true)
        let empty = loaderProblem("name: x\nworkers: []\n")
        #expect(empty?.line == 2)
        #expect(empty?.message.contains("is empty") == true)
        let file = loaderProblem("")
        #expect(file?.message.contains("the file is empty") == true)
    }

    @Test func unknownRoleListsTheRolesAndTheCommandEscape() {
        let problem = loaderProblem("workers:\n  - role: checkpoint-writr\n")
        #expect(problem?.line == 2)
        #expect(problem?.field == "workers[0].role")
        #expect(problem?.message.contains("unknown role 'checkpoint-writr'; valid: checkpoint-writer, task-runner, lease-worker, sweeper, retention, cache-client, tool-client") == true)
        #expect(problem?.message.contains("`command`") == true)
        #expect(loaderProblem("workers: [{name: w}]\n")?.message.contains("valid roles: checkpoint-writer") == true)
    }

    @Test func countBelowOneIsRejected() {
        let problem = loaderProblem("workers:\n  - role: sweeper\n    count: 0\n")
        #expect(problem?.line == 3)
        #expect(problem?.field == "workers[0].count")
        #expect(problem?.message == "must be at least 1; found 0")
    }

    @Test func groupNamesMustBeUniqueIncludingTheRoleDefault() {
        let yaml = """
            workers:
              - role: sweeper
              - role: sweeper
              - name: a
                role: task-runner
              - name: a
                role: task-runner
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["workers[1].name", "workers[3].name"])
        #expect(problems.map(\.line) == [3, 6])
        #expect(problems[0].message.contains("defaults to its role"))
        #expect(problems[1].message.contains("give each group a distinct `name`"))
    }

    @Test func afterMustNameAnEarlierGroup() {
        let yaml = """
            workers:
              - role: sweeper
                after: writer
              - name: writer
                role: checkpoint-writer
                after: nothing
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.line) == [3, 6])
        #expect(problems[0].message.contains("no group comes before this one"))
        #expect(problems[1].message.contains("'nothing' is not an earlier group; valid: sweeper"))
    }

    @Test func faultTargetMustNameAGroupOrAnExistingInstance() {
        let yaml = """
            workers:
              - name: writer
                role: checkpoint-writer
                count: 2
            faults:
              - {kind: kill, target: writer-2, after_ops: 1}
              - {kind: kill, target: writter, after_ops: 1}
              - {kind: kill, target: writer-1, after_ops: 1}
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["faults[0].target", "faults[1].target"])
        #expect(problems.map(\.line) == [6, 7])
        #expect(problems[0].message.contains("its instances are writer-0 to writer-1"))
        #expect(problems[1].message == "unknown target 'writter'; valid: the groups writer or their instances writer-0 to writer-1")
    }

    @Test func aFaultNeedsExactlyOneTrigger() {
        let yaml = """
            workers: [{role: sweeper}]
            faults:
              - kind: kill
                target: sweeper
              - kind: kill
                target: sweeper
                after_ops: 3
                at: 1s
              - kind: kill
                target: sweeper
                at: 1s
                op: sweep
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["faults[0]", "faults[1].at", "faults[2].op"])
        #expect(problems.map(\.line) == [3, 8, 12])
        #expect(problems[0].message.contains("give exactly one of after_ops (optionally with op), at, random"))
        #expect(problems[1].message.contains("more than one trigger (after_ops, at)"))
        #expect(problems[2].message.contains("applies only to `after_ops`"))
    }

    @Test func randomWindowNeedsMinAtMostMax() {
        let yaml = "workers: [{role: sweeper}]\nfaults:\n  - {kind: kill, target: sweeper, random: [2s, 100ms]}\n"
        let problem = loaderProblem(yaml)
        #expect(problem?.line == 3)
        #expect(problem?.field == "faults[0].random")
        #expect(problem?.message.contains("min 2000ms is greater than max 100ms") == true)
        let short = loaderProblem("workers: [{role: sweeper}]\nfaults: [{kind: kill, target: sweeper, random: [1s]}]\n")
        #expect(short?.message.contains("expected two durations [min, max]") == true)
    }

    @Test func aPauseNeedsAPositiveDurationAndAKillTakesNone() {
        let yaml = """
            workers: [{role: sweeper}]
            faults:
              - {kind: pause, target: sweeper, at: 1s}
              - {kind: pause, target: sweeper, at: 1s, duration: 0ms}
              - {kind: kill, target: sweeper, at: 1s, duration: 1s}
              - {kind: pause, target: sweeper, at: 1s, duration: 1s, restart_delay: 1s}
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["faults[0].duration", "faults[1].duration", "faults[2].duration", "faults[3].restart_delay"])
        #expect(problems.map(\.line) == [3, 4, 5, 6])
        #expect(problems[0].message.contains("a pause needs `duration`"))
        #expect(problems[1].message.contains("must be greater than 0"))
        #expect(problems[2].message.contains("applies to pause, disk-full, io-error, clock-skew and network"))
        #expect(problems[3].message.contains("applies to kill, power-loss and corrupt only"))
    }

    @Test func unknownCheckListsTheChecks() {
        let problem = loaderProblem(minimalWorkers + "checks: [acked-durable, integrty]\n")
        #expect(problem?.line == 2)
        #expect(problem?.field == "checks[1]")
        #expect(problem?.message == "unknown check 'integrty'; valid: acked-durable, integrity, sequence-contiguous, lease-safety, effects-at-most-once, resume-correct, liveness, recovery-time, cache-answers")
    }

    @Test func thresholdsNeedASubjectAndAtLeastOnePercentile() {
        let yaml = """
            workers: [{role: sweeper}]
            thresholds:
              - op: sweep
              - {op: sweep, recovery: {p50: 1ms}}
              - {p99: 1ms}
              - recovery: {}
              - {recovery: {p50: 1ms}, p99: 2ms}
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["thresholds[0]", "thresholds[1].recovery", "thresholds[2]", "thresholds[3].recovery", "thresholds[4].p99"])
        #expect(problems.map(\.line) == [3, 4, 5, 6, 7])
        #expect(problems[0].message.contains("give one or more of p50, p95, p99, p999, max"))
        #expect(problems[1].message.contains("not both"))
        #expect(problems[2].message.contains("a threshold needs `op: NAME`"))
        #expect(problems[4].message.contains("put the percentiles inside it"))
    }

    /// Latencies are reported in µs, so thresholds are written in them too; a duration kept
    /// in whole milliseconds that rounds to 0 is refused, not run as 0.
    @Test func thresholdsTakeMicrosecondsAndAMillisecondDurationNeverRoundsToZero() throws {
        let scenario = try ScenarioLoader.load(yaml: minimalWorkers + "thresholds: [{op: x, p50: 800us, p99: 1500µs}]\n", path: "t.yaml")
        #expect(scenario.thresholds.map(\.maxMicros) == [800, 1_500])
        let problem = loaderProblem("timeout: 300us\n" + minimalWorkers)
        #expect(problem?.field == "timeout" && problem?.message.contains("rounds to 0") == true)
    }

    @Test func aNetworkFaultNamesItsToxicAndOnlyItsOwnOptions() throws {
        let unknown = loaderProblem(minimalWorkers + "faults: [{kind: network, toxic: flood, target: checkpoint-writer, at: 0ms}]\n")
        #expect(unknown?.field == "faults[0].toxic" && unknown?.message.contains("valid: latency, bandwidth, partition, reset, refuse") == true)
        let missing = loaderProblem(minimalWorkers + "faults: [{kind: network, target: checkpoint-writer, at: 0ms}]\n")
        #expect(missing?.field == "faults[0].toxic" && missing?.message.contains("missing") == true)
        let stray = loaderProblem(minimalWorkers + "faults: [{kind: network, toxic: reset, latency: 5ms, target: checkpoint-writer, at: 0ms}]\n")
        #expect(stray?.field == "faults[0].latency" && stray?.message.contains("latency toxic only") == true)
        let ok = try ScenarioLoader.load(
            yaml: minimalWorkers + "faults: [{kind: network, toxic: latency, latency: 5ms, spread: 2ms, direction: downstream, target: checkpoint-writer, at: 0ms, duration: 1s}]\n",
            path: "n.yaml")
        #expect(ok.faults.first?.options == .network(.latency(millis: 5, jitterMillis: 2, direction: .downstream)))
    }

    @Test func aDurationWithoutAKnownUnitSaysHowToWriteIt() {
        let yaml = "timeout: 60\nliveness: 5h\n" + minimalWorkers + "thresholds: [{op: x, p99: fast}]\n"
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.field) == ["timeout", "liveness", "thresholds[0].p99"])
        #expect(problems.map(\.line) == [1, 2, 4])
        #expect(problems[0].message == "'60' has no unit; write a number followed by us (or µs), ms, s or m, e.g. 800us, 250ms, 1.5s, 2m")
        #expect(problems[1].message == "unknown unit 'h' in '5h'; write a number followed by us (or µs), ms, s or m, e.g. 800us, 250ms, 1.5s, 2m")
        #expect(problems[2].message.contains("'fast' is not a duration"))
    }

    @Test func anOverlongDurationIsRejectedNotTrapped() {
        let problem = loaderProblem("timeout: 99999999999999999999m\n" + minimalWorkers)
        #expect(problem?.field == "timeout")
        #expect(problem?.message.contains("is too long") == true)
    }

    @Test func seedMustBeANonNegativeInteger() {
        for seed in ["-1", "1.5", "abc", "'7'", "9223372036854775808"] {
            let problem = loaderProblem("seed: \(seed)\n" + minimalWorkers)
            #expect(problem?.line == 1)
            #expect(problem?.field == "seed")
            #expect(problem?.message.contains("expected a whole number from 0 to 9223372036854775807") == true)
        }
    }

    @Test func fixedChoicesListTheirValidValues() {
        let yaml = """
            backend: postgres
            durability: sometimes
            workers:
              - role: sweeper
                restart: always
            """
        let problems = loaderProblems(yaml)
        #expect(problems.map(\.line) == [1, 2, 5])
        #expect(problems[0].message == "unsupported backend 'postgres'; valid: sqlite")
        #expect(problems[1].message == "unknown durability 'sometimes'; valid: full, normal, off")
        #expect(problems[2].message == "unknown restart policy 'always'; valid: never, on-kill, on-failure")
    }

    @Test func paramsMustBeScalars() {
        let problem = loaderProblem("workers:\n  - role: sweeper\n    params: {list: [1, 2]}\n")
        #expect(problem?.field == "workers[0].params.list")
        #expect(problem?.line == 3)
        #expect(problem?.message.contains("expected a text, number or true/false value") == true)
    }
}
