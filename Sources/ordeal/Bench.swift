import OrdealReports
import OrdealModel
import OrdealSystem
import ArgumentParser
import Bench
import BenchKit
import Foundation
import OrdealSupport

extension Ordeal {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the recovery core on several backends side by side, beside each backend's floor.",
            discussion: """
                Operations: the backend's floor (raw.insert_txn on SQLite: a bare BEGIN
                IMMEDIATE / INSERT / COMMIT; raw.roundtrip on a server backend; none
                for memory), checkpoint.commit (commitStep with evidence; beginStep is
                prepared outside the clock), checkpoint.workflow (begin, commit, verify,
                last verified), checkpoint.verify, checkpoint.last_verified, cache.hit,
                ledger.replay, lease.acquire_release, agent.mix and sweep.expired_N (one
                sweep of N expired leases, setup excluded; with worker processes, in
                one of them).
                agent.mix, per 10 operations: 5 cache lookups, 2 ledger replays,
                2 lease renewals, 1 checkpoint commit; its load phase is run and timed
                apart from the measured phase.

                Backends (--backend, comma-separated; ratios are to the first):
                \(BenchBackends.validForms.joined(separator: ", ")). Each SQLite spec gets a
                fresh database file, a PostgreSQL URL a new database on that server; each
                backend's floor is measured too (raw.insert_txn, raw.roundtrip). Backends and operations are interleaved in rounds
                so that machine drift hits all alike; a warm-up is run and discarded.

                Your own backend: build a worker on WorkerKit that registers it
                (Backends.register(scheme:open:), then WorkerMain.run) and pass it as
                --worker PATH. Every backend of the run is then measured in that
                worker's processes (`PATH bench-worker ...`), yours and the built-in
                ones alike, with one worker unless --workers says more; a spec of
                yours may hold {data}, a fresh folder of the run.

                A core in another language: a worker speaking the bench-worker
                protocol (docs/bench-worker-protocol.md; the Python kit implements it)
                measures its own core. Give it beside Ordeal's own worker to get one
                table: --worker ordeal --worker 'python3 my_adapter.py'. Each worker
                gets every --backend; a worker of your own names its column by the spec
                its --describe answers.

                Loops: closed by default (each worker issues the next operation when
                the last returns). --rate R runs an open loop at R ops/s per worker:
                latency counts from each operation's intended start, so stalls are not
                hidden (no coordinated omission). The report says which loop ran.

                Output: a terminal table, and a run folder (--out DIR, or
                Reports/bench-<time>-<id>/) with results.json (schema:
                docs/bench-results.schema.json), histograms.json (whole HDR histograms,
                mergeable), history.jsonl (streamed while running), report.md,
                report.html, plots/*.svg and manifest.json; with --sign-key,
                attestation.dsse.json. Check it as any run folder:
                `ordeal verify DIR --pubkey KEY.pub`.
                --json FILE writes {"schemaVersion", "results": [{"backend",
                "durability", "workers", "op", "loop", "count", "p50_us", "p95_us",
                "p99_us", "p999_us", "max_us", "ops_per_s"}], "meta"}. Build with
                `-c release`: a debug build's figures mean little.

                EXAMPLES
                  Side by side, 20,000 operations each (the default is sqlite:normal):
                    ordeal bench --backend sqlite:normal,sqlite:full,memory
                  With a PostgreSQL server (`bash ci/postgres.sh start` prints its URL last):
                    url=$(bash ci/postgres.sh start | tail -n 1)
                    ordeal bench --backend "sqlite:normal,$url"
                  For a length of time, some operations only:
                    ordeal bench --duration 10s --ops cache.hit,agent.mix
                  Open loop at 2,000 ops/s:
                    ordeal bench --rate 2000 --iterations 20000
                  Worker processes on one database; plots throughput against P99:
                    ordeal bench --workers 1,2,4,8 --iterations 5000
                  Save a baseline (Reports/baselines/main.json), then compare with it:
                    ordeal bench --save-baseline main
                    ordeal bench --baseline main --max-regression p50=20% \\
                      --max-regression p99=10%
                  A backend of your own, through your worker (Examples/custom-backend),
                  beside SQLite; {data} is a folder of the run for that backend:
                    ordeal bench --worker .build/release/custom-backend-worker \\
                      --backend "sqlite:normal,traced:{data}/store.sqlite"
                  A Python core beside Ordeal's own, on SQLite:
                    ordeal bench --worker ordeal \
                      --worker 'python3 Tests/Fixtures/foreign_worker.py' --backend sqlite:normal
                  A long run; the runner prints its peak RSS at the end:
                    ordeal bench --iterations 1000000

                Baselines: --save-baseline NAME writes <baselines-dir>/NAME.json (rows
                and histograms). --baseline NAME compares each row with the baseline's
                on every --max-regression PERCENTILE=PERCENT (p50, p95, p99, p99.9,
                max; default p99=10%). A percentile worse than the baseline by more
                than its tolerance is a regression, named in a sentence; the run then
                exits 5. Improvements never fail a run.

                Exit codes: 0 done and within tolerance, 2 bad input, 3 a worker or an
                operation failed (nothing can be concluded), 5 a regression.
                """)

        @Option(help: "Backends, comma-separated: sqlite:full, sqlite:normal, sqlite:off, memory, postgres://USER@HOST:PORT/DB (a new database on that server for the run).")
        var backend = "sqlite:normal"

        @Option(help: "Measured operations per backend and operation (per worker with --workers). Default 20000.")
        var iterations: Int?

        @Option(help: "Measure for this long per backend and operation instead of a count: 10s, 500ms, 2m.")
        var duration: String?

        @Option(help: "Unmeasured operations before measuring, per backend and operation (per worker process). Default: a tenth of --iterations, 50 to 10000; 1000 with --duration.")
        var warmup: Int?

        @Option(help: "Blocks each measurement is split into, interleaved across backends. Default 20; 2 with --workers.")
        var rounds: Int?

        @Option(help: "Open loop at this many operations per second per worker (default: closed loop).")
        var rate: Double?

        @Option(help: "Worker-process counts to sweep, comma-separated, e.g. 1,2,4,8 (default: one worker, in this process; one worker process with --worker).")
        var workers: String?

        @Option(help: ArgumentHelp(
            "Measure in worker processes of this command: a WorkerKit binary of your own (which opens your backends), or a worker in any language speaking docs/bench-worker-protocol.md ('python3 my_adapter.py'). Repeat it to measure cores side by side; `ordeal` names Ordeal's own worker, e.g. --worker ordeal --worker 'python3 my_adapter.py'.",
            valueName: "command"))
        var worker: [String] = []

        @Option(help: ArgumentHelp(
            "Measure each PostgreSQL backend also through the network-fault proxy, bare and with this latency added each way: latency=1ms. The proxy's own cost per round trip is printed.",
            valueName: "latency=DURATION"))
        var net: String?

        @Option(help: "Only these operations, comma-separated (default: all).")
        var ops: String?

        @Option(name: .customLong("sweep-sizes"), help: "Counts of expired leases to sweep, comma-separated.")
        var sweepSizes = "100,1000,10000"

        @Option(name: .customLong("sweep-repeats"), help: "Measured sweeps per size and backend.")
        var sweepRepeats = 5

        @Option(help: "Also write the results as JSON to this file.")
        var json: String?

        @Option(help: "Folder the run folder is made in (Reports/bench-<time>-<id>), unless --out names it.")
        var reports = "Reports"

        @Option(help: "The run folder itself; it must be new or empty (a run folder holds only its own run's files).")
        var out: String?

        @Flag(help: "Let --out name the folder of a previous run: its files are deleted first.")
        var replace = false

        @Option(name: .customLong("sign-key"), help: "Sign the run folder with this private key (PKCS#8 PEM; default: the PEM in $ORDEAL_SIGNING_KEY), as ordeal run does.")
        var signKey: String?

        @Option(help: "Directory for the benchmark databases (default: a new temporary one, removed after).")
        var directory: String?

        @Option(name: .customLong("save-baseline"), help: "Save this run as baseline NAME.")
        var saveBaseline: String?

        @Option(help: "Compare this run with baseline NAME; exit 5 on a regression beyond tolerance.")
        var baseline: String?

        @Option(name: .customLong("max-regression"), help: "Tolerance PERCENTILE=PERCENT, repeatable (p50, p95, p99, p99.9, max). Default p99=10%.")
        var maxRegression: [String] = []

        @Option(name: .customLong("baselines-dir"), help: "Where baselines are kept.")
        var baselinesDir = "Reports/baselines"

        func validate() throws {
            do { _ = try request(directory: directory ?? "") } catch let error as BenchError { throw ValidationError(error.message) }
        }

        func run() throws {
            #if DEBUG
            Tools.warn("ordeal bench: this is a debug build; build with `swift build -c release` for meaningful figures")
            #endif
            try BenchCommand(bench: self).run()
        }
    }
}
