#!/usr/bin/env python3
"""Ordeal adapter for persist-queue 1.1.0 (`persistqueue.UniqueAckQ`, a `SQLiteAckQueue`).

Roles (see README.md for the full mapping table and what the library does not offer):

  lease-worker  get(block=False, raw=True) = lease.acquire; ack(id=pqid) = lease.complete
  sweeper       resume_unack_tasks() = sweep.run (the library's only recovery call)
  reader        queue() read back as the protocol's `work_items`
  bench-worker  lease.acquire_release (get + ack of pre-loaded items), floor raw.insert_txn

Every call goes through the library's public API; nothing of it is patched. The queue lives in
the SQLite file the runner names with --db: persist-queue takes a folder (`path`) and a file
name in it (`db_file_name`), so path = dirname(--db), db_file_name = basename(--db).

About the token (read this before the verdicts): persist-queue has no fencing token and no
lease. The only handle a holder gets is the row id `pqid`, which `ack(id=...)` takes; it is the
same for every delivery of an item, so it is not a fencing token and is not reported as one.
The worker declares `fencing_tokens=False` (docs/worker-protocol.md, "A core without fencing
tokens"): its lease ops carry no token, and Ordeal numbers each item's deliveries in the order
they were acknowledged, so a holder that acks an item delivered to another since is judged a
stale completion, which is what this library allows.
"""

import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Sources", "PythonWorkerKit"))
from ordeal_worker import Failed, Indeterminate, Usage, Worker  # noqa: E402

import persistqueue  # noqa: E402
from persistqueue import AckStatus, Empty, UniqueAckQ  # noqa: E402

POLL_S = 0.02          # how often a worker with nothing to take looks again (as Ordeal's own)
OPEN_DEADLINE_S = 30   # how long opening the queue is retried while other processes open it
EMPTY_WAIT_S = 10      # how long a worker that finds no item at all waits for a seeder
FLOOR_TABLE = "ordeal_floor"

# The library's statuses (persistqueue.AckStatus) as the protocol's work-item statuses.
STATUS = {
    int(AckStatus.inited): "pending",      # put, never delivered
    int(AckStatus.ready): "pending",       # nack'ed or resumed: deliverable again
    int(AckStatus.unack): "in_progress",   # delivered by get(), not yet acked
    int(AckStatus.acked): "completed",     # ack()
    int(AckStatus.ack_failed): "failed",   # ack_failed()
}


def log(message):
    sys.stderr.write("persist-queue adapter: %s\n" % message)
    sys.stderr.flush()


def db_path(options):
    path = options.get("db")
    if not path:
        raise Usage("--db PATH is required (persist-queue runs on a SQLite file)")
    return os.path.abspath(path)


def open_queue(path, name="default"):
    """The queue on the --db file. Mapping choices:
    - UniqueAckQ, the ack queue with UNIQUE(data): seeding the same item id twice is ignored by
      the library (`put` of a duplicate returns None), which is what `--seed-items` asks for
      when 20 workers seed the same 50 items. Its get/ack/nack/resume are SQLiteAckQueue's.
    - auto_resume=False: by default every SQLiteAckQueue constructor calls
      resume_unack_tasks(), which puts back EVERY unacked item, including those other live
      processes hold. Workers and the reader must not recover anything by merely opening the
      queue; recovery is the sweeper's job, by the same call, made explicitly.
    - timeout=30: the library's own `timeout` parameter (seconds waiting for SQLite's lock).
    - The constructor switches the file to WAL; SQLite can answer "database is locked" to that
      switch while other processes open the same new file, so the constructor is retried.
    """
    deadline = time.monotonic() + OPEN_DEADLINE_S
    while True:
        try:
            return UniqueAckQ(path=os.path.dirname(path), db_file_name=os.path.basename(path),
                              name=name, auto_resume=False, timeout=30)
        except sqlite3.OperationalError as error:
            if time.monotonic() > deadline or ("locked" not in str(error) and "busy" not in str(error)):
                raise
            time.sleep(0.01)


def rows(q):
    """The queue's rows through its public `queue()`: [{id, data, timestamp, status}]."""
    return q.queue()


def open_items(q):
    """Items still pending or in progress, by anyone (read from the file, not the per-process
    `qsize()`, which counts only this process's own puts and gets)."""
    return sum(1 for r in rows(q) if STATUS.get(int(r["status"])) in ("pending", "in_progress"))


def busy(error):
    text = str(error).lower()
    return "locked" in text or "busy" in text


def ack(q, pqid):
    """lease.complete: `ack(id=pqid)`. The library never refuses an ack (it updates the row by
    id whatever its status), so there is no lease-lost outcome to report. SQLite's busy error
    comes at the UPDATE, before anything is written: a definite failure. Any other error may
    have come at COMMIT: indeterminate."""
    try:
        returned = q.ack(id=pqid)
    except sqlite3.OperationalError as error:
        if busy(error):
            raise Failed(str(error), {"error_code": "SQLITE_BUSY"})
        raise Indeterminate(str(error))
    except sqlite3.Error as error:
        raise Indeterminate(str(error))
    if returned is None:
        raise Failed("ack returned None: the library found no item id to ack")
    return returned


def lease_worker(ctx):
    path = db_path(ctx.options)
    q = open_queue(path)
    count = ctx.opt_int("items", 10)
    prefix = ctx.opt_str("prefix", "item")
    work_ms = ctx.opt_int("work-ms", 0)
    # What the library has no notion of, said once in workers.log.
    for flag, what in (("lease-ms", "no lease duration: an unacked item is held until ack, nack or "
                                    "resume_unack_tasks()"),
                       ("heartbeat-ms", "no heartbeat or renewal"),
                       ("max-attempts", "no attempt limit")):
        if flag in ctx.options:
            log("--%s %s ignored: persist-queue has %s" % (flag, ctx.options[flag], what))

    # Seeding: put(item id); UniqueAckQ ignores a duplicate. Without --seed-items, seed only an
    # empty queue (as Ordeal's own worker does).
    seed = ctx.opt_bool("seed-items", default=not rows(q))
    if seed:
        for i in range(count):
            q.put("%s-%d" % (prefix, i))

    start_delay = ctx.opt_int("start-delay-ms", 0)
    if start_delay > 0:
        time.sleep(start_delay / 1000)

    abandon = ctx.opt_bool("abandon", False)
    take = ctx.opt_int("take", 1 << 62)
    limit = count if abandon else take
    taken = 0
    errors_in_a_row = 0
    started = time.monotonic()
    while taken < limit:
        start = time.monotonic_ns()
        try:
            got = q.get(block=False, raw=True)
        except Empty:
            if abandon:
                break
            # Nothing left by anyone: stop, once some item exists. A worker that does not seed
            # can start before the seeding worker has put anything (Python starts slowly): it
            # waits up to EMPTY_WAIT_S for items to appear, as the sweeper does.
            items = rows(q)
            if not any(STATUS.get(int(r["status"])) in ("pending", "in_progress") for r in items):
                if items or time.monotonic() - started > EMPTY_WAIT_S:
                    break
            time.sleep(POLL_S)
            continue
        except sqlite3.OperationalError as error:
            # Nothing was handed to us (get raised), so there is no item to report the failure
            # under; the item, if its UPDATE landed, stays unacked for the sweeper.
            errors_in_a_row += 1
            log("get failed (%s); retrying" % error)
            if errors_in_a_row > 100:
                raise
            time.sleep(POLL_S)
            continue
        errors_in_a_row = 0
        item_id, pqid = str(got["data"]), int(got["pqid"])
        # lease.acquire: get() returned the item. No token (the library has none: see the module
        # docstring) and no lease_ms (it has no lease length).
        ctx.emit_op("lease.acquire", item_id, "ok", time.monotonic_ns() - start, {})
        taken += 1
        if abandon:
            continue  # exit without ack: the item stays unacked (the library's "crashed holder")
        if work_ms > 0:
            time.sleep(work_ms / 1000)
        # lease.complete: ack. Output: the library stores no result with an ack; what it keeps
        # of a completed item is its payload, the item id, so that is the output reported (and
        # read back by the reader): acked-durable then judges that the ack itself stuck.
        deadline = time.monotonic() + 30
        while True:
            outcome = {}

            def complete():
                try:
                    ack(q, pqid)
                except Failed:
                    outcome["failed"] = True
                    raise
                return {"output": item_id}
            if ctx.op("lease.complete", item_id, complete) is not None or not outcome.get("failed"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("ack of %s kept failing for 30 s" % item_id)
            time.sleep(POLL_S)


def sweeper(ctx):
    """sweep.run: `resume_unack_tasks()`, the library's recovery ("restart after a crash"): it
    puts every unacked item back to ready, with no notion of expiry or of whether the holder is
    alive. It returns nothing, so `recovered` is `unack_count()` read just before the call
    (exact when nothing else runs beside the sweep, as in sweep-stress and lease-attempts; beside
    live workers it can be off by the items acquired or acked between the two statements).
    `failed` is always 0: the library never fails an item on its own (ack_failed() is the
    consumer's call)."""
    q = open_queue(db_path(ctx.options))
    interval = ctx.opt_int("interval-ms", 100)
    until_idle = ctx.opt_bool("until-idle", False)
    rounds = ctx.opt_int("rounds", 1 << 62 if until_idle else 1)
    expected = ctx.opt_int("expect-recovered", -1)
    start_delay = ctx.opt_int("start-delay-ms", 0)
    if start_delay > 0:
        time.sleep(start_delay / 1000)
    recovered_total, round_, failures, seen = 0, 0, 0, False
    while True:
        round_ += 1
        start = time.monotonic_ns()
        try:
            before = q.unack_count()
            q.resume_unack_tasks()
            nanos = time.monotonic_ns() - start
            ctx.emit_op("sweep.run", "sweep", "ok", nanos,
                        {"recovered": before, "failed": 0, "duration_us": round(nanos / 1000, 1)})
            recovered_total += before
            failures = 0
        except sqlite3.Error as error:
            ctx.emit_op("sweep.run", "sweep", "info", time.monotonic_ns() - start, None, str(error))
            failures += 1
            if failures >= 3:
                raise
        if round_ >= rounds:
            break
        if until_idle:
            seen = seen or bool(rows(q))
            if seen and open_items(q) == 0:
                break
        time.sleep(interval / 1000)
    if expected >= 0 and recovered_total != expected:
        raise RuntimeError("the sweeps recovered %d unacked items, expected %d (--expect-recovered)"
                           % (recovered_total, expected))


def reader(ctx):
    """The final state: every row of the queue through `queue()`. No token (the library has
    none); output = the payload of a completed item (what the library keeps). No
    `attempts`/`max_attempts`: the library counts no deliveries. integrity_problems is SQLite's
    own `PRAGMA integrity_check` on the file (read-only connection; the library offers no check),
    plus any item id stored in two rows (UniqueAckQ's UNIQUE(data) should make that impossible)."""
    path = db_path(ctx.options)
    q = open_queue(path)
    items, seen, problems = [], {}, []
    for r in rows(q):
        status = STATUS.get(int(r["status"]), "unknown-status-%s" % r["status"])
        item_id, pqid = str(r["data"]), int(r["id"])
        if item_id in seen:
            problems.append("item %s is stored in rows %d and %d" % (item_id, seen[item_id], pqid))
        seen[item_id] = pqid
        entry = {"id": item_id, "status": status}
        if status == "completed":
            entry["output"] = item_id
        items.append(entry)
    check = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
    try:
        result = [row[0] for row in check.execute("PRAGMA integrity_check")]
    finally:
        check.close()
    if result != ["ok"]:
        problems.extend(result)
    ctx.state({"integrity_problems": problems, "work_items": items})


# The bench (docs/bench-worker-protocol.md).

def bench_table_name(options):
    """Each bench process works on a queue (table) of its own, named by --tag: persist-queue is
    not meant for several processes taking from one queue (see README), and a shared one would
    measure its races, not its cost."""
    return "bench_" + re.sub(r"[^A-Za-z0-9_]", "_", options.get("tag", "t"))


def bench_acquire_release(options):
    """lease.acquire_release = get(block=False, raw=True) + ack(id=pqid) of one pre-loaded item
    (put outside the clock, in the load phase, one put per item as the library offers no batch
    put for the ack queue): as Ordeal's own op, acquire and complete one pending item. It loads
    warmup + iterations items, or 20,000 with --duration-ns; --describe loads nothing."""
    q = open_queue(db_path(options), name=bench_table_name(options))
    if "describe" in options:
        return lambda i: None
    if "iterations" in options:
        n = int(options.get("warmup", "0")) + int(options["iterations"])
    else:
        n = 20_000
    tag = options.get("tag", "t")
    for i in range(n):
        q.put("lease-%s-%d" % (tag, i))

    def op(i):
        got = q.get(block=False, raw=True)
        q.ack(id=got["pqid"])
    return op


def bench_floor(options):
    """raw.insert_txn: BEGIN IMMEDIATE / INSERT / COMMIT into a table of its own in the same file,
    on a connection set up as the library sets up its own (WAL, SQLite's default
    synchronous=FULL: persist-queue has no durability setting)."""
    path = db_path(options)
    open_queue(path, name=bench_table_name(options)).close()  # the file exists, in WAL mode
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)" % FLOOR_TABLE)

    def insert(i):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO %s (payload) VALUES (?)" % FLOOR_TABLE, ("x" * 64,))
        db.execute("COMMIT")
    return insert


WORKER = Worker(
    "persist-queue", persistqueue.__version__,
    roles={"lease-worker": lease_worker, "sweeper": sweeper, "reader": reader},
    ops=["lease.acquire", "lease.complete", "sweep.run"],
    bench={"lease.acquire_release": bench_acquire_release, "raw.insert_txn": bench_floor},
    floor="raw.insert_txn",
    fencing_tokens=False,
    # The library ignores --durability (it has no setting); its SQLite runs WAL, synchronous=FULL.
    backend=lambda options: "persist-queue:sqlite-wal-full",
)

if __name__ == "__main__":
    WORKER.main()
