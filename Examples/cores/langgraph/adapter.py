#!/usr/bin/env python3
"""Ordeal adapter for the LangGraph checkpointers: SqliteSaver and PostgresSaver.

One worker for both savers (versions in README.md):
  * without --backend, or with a `sqlite:` one: langgraph.checkpoint.sqlite.SqliteSaver on the
    SQLite file --db, opened as its docs show (`SqliteSaver.from_conn_string(path)`, i.e.
    `sqlite3.connect(path, check_same_thread=False)`); its settings are left as the library
    sets them (journal_mode=WAL in setup(), `synchronous` left at SQLite's default).
    --durability is therefore NOT applied: SqliteSaver offers no durability setting and its
    docs do not tell users to set any PRAGMA. The ready event's backend names what it really runs.
  * with --backend postgres://...: langgraph.checkpoint.postgres.PostgresSaver, opened with
    `PostgresSaver.from_conn_string(url)` and `setup()`, as its docs say.

Roles:
  checkpoint-writer  one `put` per checkpoint on the thread `--task` (mapping below)
  reader             every thread's checkpoints through `list(None)`
  bench-worker       checkpoint.commit (a put), checkpoint.last (get_tuple of the latest),
                     floor raw.insert_txn (a bare INSERT transaction on the same database)

  task-runner        a StateGraph chain of --steps nodes compiled with the saver, run on the
                     thread --task and resumed after a crash with None input (graph_runner.py)

Mapping of Ordeal's `seq` (documented in README.md): as LangGraph's own loop does for a run,
the writer reads the thread's latest checkpoint once with `get_tuple` when it starts (a
restarted writer resumes from it), then puts each checkpoint as a child of the previous one
it put: parent_checkpoint_id = that checkpoint's id, metadata.step = its step + 1 (1 for the
first of the thread). `seq` IS metadata.step, the library's own "step number of the
checkpoint"; the reader reports metadata.step as read back through `list`. `sha256` is the
SHA-256 of the canonical JSON of the checkpoint dict handed to put; the reader recomputes it
from the checkpoint dict `list` returns, so `snapshot_ok` says the library gave back what was
put. `verified` is always false: LangGraph stores no evidence and verifies nothing.
"""

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from contextlib import ExitStack
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Sources", "PythonWorkerKit"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ordeal_worker import Failed, Indeterminate, Usage, Worker  # noqa: E402

from importlib.metadata import version as dist_version  # noqa: E402

from langgraph.checkpoint.base.id import uuid6  # noqa: E402
from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: E402

import graph_runner  # noqa: E402  (the task-runner role, beside this file)

CHANNEL = "state"  # the one channel of the thread's state
# PostgreSQL only: how long the writer waits for a put before it calls the outcome unknown.
# PostgresSaver has no timeout of its own; a put whose reply never comes would wait forever.
PG_DEADLINE_S = 10.0


def is_postgres(options):
    return options.get("backend", "").startswith(("postgres://", "postgresql://"))


def canonical(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def digest(checkpoint):
    return hashlib.sha256(canonical(checkpoint)).hexdigest()


class Store:
    """A saver opened as the library's docs show, with what the adapter needs to know of it."""

    def __init__(self, options):
        self.stack = ExitStack()
        self.postgres = is_postgres(options)
        if self.postgres:
            import psycopg
            from langgraph.checkpoint.postgres import PostgresSaver
            self.saver = self.stack.enter_context(PostgresSaver.from_conn_string(options["backend"]))
            # "It MUST be called directly by the user the first time": once, as a deployment's
            # migration step. Several processes calling it at once on a new database fail
            # (repro_pg_concurrent_setup.py), so the workers of a scenario take turns.
            # The turn is taken by polling: a session blocked in pg_advisory_lock keeps a
            # statement open, which setup()'s CREATE INDEX CONCURRENTLY would wait for.
            with psycopg.connect(options["backend"], autocommit=True) as lock:
                while not lock.execute("SELECT pg_try_advisory_lock(hashtext('ordeal-langgraph-setup'))").fetchone()[0]:
                    time.sleep(0.05)
                self.saver.setup()
        else:
            path = options.get("db")
            if not path:
                raise Usage("--db PATH is required")
            self.path = path
            self.saver = self.stack.enter_context(SqliteSaver.from_conn_string(path))
            self.saver.setup()  # also run lazily by every call; PRAGMA journal_mode=WAL

    def close(self):
        self.stack.close()


def backend_name(options):
    """The ready event's backend: what the saver runs on, not the runner's --durability."""
    if is_postgres(options):
        return "langgraph-postgres"
    return "langgraph-sqlite:wal"


def thread_config(task):
    return {"configurable": {"thread_id": task, "checkpoint_ns": ""}}


def next_checkpoint(saver, latest, task, i):
    """A child of `latest` (or a first checkpoint): its config, checkpoint, metadata, versions."""
    parent_step = latest.metadata.get("step", 0) if latest else 0
    step = parent_step + 1
    previous_version = latest.checkpoint["channel_versions"].get(CHANNEL) if latest else None
    version = saver.get_next_version(previous_version, None)
    checkpoint = {
        "v": 1,
        "id": str(uuid6(clock_seq=step)),  # as LangGraph's loop makes checkpoint ids
        "ts": datetime.now(timezone.utc).isoformat(),
        "channel_values": {CHANNEL: {"task": task, "step": step, "i": i, "writer": os.getpid()}},
        "channel_versions": {CHANNEL: version},
        "versions_seen": {},
        "updated_channels": [CHANNEL],
    }
    config = thread_config(task)
    if latest:
        config["configurable"]["checkpoint_id"] = latest.config["configurable"]["checkpoint_id"]
    metadata = {"source": "update", "step": step, "parents": {}}
    return config, checkpoint, metadata, {CHANNEL: version}


def sqlite_error(error):
    """Failed for errors that SQLite says leave the statement undone (busy, locked, full);
    Indeterminate for anything else (an I/O error at COMMIT may leave the row durable)."""
    name = getattr(error, "sqlite_errorname", None) or "SQLITE_ERROR"
    text = str(error)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL")):
        return Failed, name
    if name == "SQLITE_ERROR" and ("locked" in text or "full" in text):
        return Failed, "SQLITE_FULL" if "full" in text else "SQLITE_BUSY"
    return Indeterminate, name


def with_deadline(call, seconds):
    """Runs call() in a daemon thread; raises TimeoutError after `seconds` (the thread is left
    behind: the writer stops right after, without touching the connection again)."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as error:  # handed to the caller
            box["error"] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError("no reply within %.0f s" % seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]


def checkpoint_writer(ctx):
    store = Store(ctx.options)
    saver = store.saver
    task = ctx.opt_str("task", "task-1")
    count = ctx.opt_int("count", 100)
    retry_ms = ctx.opt_int("retry-ms", 0)
    done = 0
    # As LangGraph's loop does for a run: read the thread's head once (resuming after a
    # restart), then chain each put on the previous acknowledged one, the parent kept in
    # memory. On PostgreSQL a read that gets no reply ends the role (nothing was written).
    if store.postgres:
        latest = with_deadline(lambda: saver.get_tuple(thread_config(task)), PG_DEADLINE_S)
    else:
        latest = saver.get_tuple(thread_config(task))
    while done < count:
        config, checkpoint, metadata, versions = next_checkpoint(saver, latest, task, done)
        seq, sha = metadata["step"], digest(checkpoint)
        tried = {"seq": seq, "sha256": sha, "checkpoint_id": checkpoint["id"],
                 "parent_id": config["configurable"].get("checkpoint_id")}
        outcome = {}

        def put():
            try:
                if store.postgres:
                    with_deadline(lambda: saver.put(config, checkpoint, metadata, versions), PG_DEADLINE_S)
                else:
                    saver.put(config, checkpoint, metadata, versions)
            except sqlite3.Error as error:
                kind, code = sqlite_error(error)
                outcome["kind"] = kind
                raise kind(str(error), dict(tried, error_code=code))
            except Exception as error:
                # PostgreSQL: a lost connection or a missing reply; the row may be committed.
                outcome["kind"] = Indeterminate
                code = getattr(getattr(error, "diag", None), "sqlstate", None) or type(error).__name__
                raise Indeterminate(str(error), dict(tried, error_code=code))
            # put returned: the library acknowledged the checkpoint.
            return tried
        if ctx.op("checkpoint.commit", task, put) is not None:
            done += 1
            latest = _Latest({"configurable": {"thread_id": task, "checkpoint_ns": "", "checkpoint_id": checkpoint["id"]}},
                             checkpoint, metadata)
        elif outcome.get("kind") is Failed and retry_ms > 0:
            time.sleep(retry_ms / 1000)
        elif outcome.get("kind") is Failed:
            raise RuntimeError("a put failed and --retry-ms was not given")
        else:
            # Fail-stop: the outcome is unknown; do not touch the connection again.
            sys.stderr.write("langgraph: a put's outcome is unknown; stopping\n")
            sys.stderr.flush()
            os._exit(1)
    store.close()


def reader(ctx):
    store = Store(ctx.options)
    problems = []
    if not store.postgres:
        # The storage's own integrity check, on a connection of its own.
        check = sqlite3.connect(store.path)
        rows = [row[0] for row in check.execute("PRAGMA integrity_check")]
        check.close()
        if rows != ["ok"]:
            problems.extend(rows)
    checkpoints = []
    graph_threads = {}  # thread -> channel values of its newest checkpoint
    try:
        for item in store.saver.list(None):  # every thread, newest first
            if graph_runner.is_graph_checkpoint(item.metadata):
                graph_checkpoint(item, checkpoints, problems, graph_threads)
                continue
            step = item.metadata.get("step")
            if not isinstance(step, int) or step < 1:
                problems.append("checkpoint %s of %s has metadata.step %r" % (
                    item.config["configurable"]["checkpoint_id"], item.config["configurable"]["thread_id"], step))
                continue
            thread = item.config["configurable"]["thread_id"]
            value = item.checkpoint.get("channel_values", {}).get(CHANNEL)
            # snapshot_ok: the snapshot read back is the one written for this (thread, step):
            # the state value repeats both. Whether it is byte for byte what was put is judged
            # by acked-durable, from the sha256 recomputed here from what list() returned.
            intact = isinstance(value, dict) and value.get("task") == thread and value.get("step") == step
            checkpoints.append({
                "task": thread, "seq": step,
                "sha256": digest(item.checkpoint), "snapshot_ok": intact,
                "verified": False, "type": "manual_checkpoint",
                "checkpoint_id": item.config["configurable"]["checkpoint_id"],
                "parent_id": (item.parent_config or {}).get("configurable", {}).get("checkpoint_id"),
            })
    except Exception as error:  # a checkpoint the library cannot read back
        problems.append("list() raised %s: %s" % (type(error).__name__, error))
    checkpoints.reverse()
    tasks = {}
    for thread, values in sorted(graph_threads.items()):
        try:
            tasks[thread] = graph_runner.thread_status(store.saver, thread, values)
        except Exception as error:
            problems.append("get_state(%s) raised %s: %s" % (thread, type(error).__name__, error))
    ctx.state({"integrity_problems": problems, "checkpoints": checkpoints, "tasks": tasks})
    store.close()


def graph_checkpoint(item, checkpoints, problems, graph_threads):
    """A checkpoint a graph run wrote (task-runner), as the reader reports it: seq =
    metadata.step + 2 (graph_runner.py); sha256 = SHA-256 of its `snapshot` value as read back
    (the bytes task.step reported as the snapshot; "" for the input checkpoint); snapshot_ok =
    LangGraph read it back into a state: it stores no hash, so that is all its read path says."""
    thread = item.config["configurable"]["thread_id"]
    step = item.metadata.get("step")
    values = item.checkpoint.get("channel_values")
    if not isinstance(step, int) or step < -1:
        problems.append("graph checkpoint %s of %s has metadata.step %r" % (
            item.config["configurable"]["checkpoint_id"], thread, step))
        return
    graph_threads.setdefault(thread, values if isinstance(values, dict) else {})
    checkpoints.append({
        "task": thread, "seq": graph_runner.seq_of(item.metadata),
        "sha256": hashlib.sha256(str((values or {}).get("snapshot", "")).encode("utf-8")).hexdigest(),
        "snapshot_ok": isinstance(values, dict),
        "verified": False, "type": "manual_checkpoint",
        "checkpoint_id": item.config["configurable"]["checkpoint_id"],
        "parent_id": (item.parent_config or {}).get("configurable", {}).get("checkpoint_id"),
    })


def task_runner(ctx):
    store = Store(ctx.options)
    graph_runner.task_runner(ctx, store.saver)
    store.close()


# The bench: each setup opens the saver (load phase) and returns the measured call.

def bench_commit(options):
    store = Store(options)
    task = "bench-commit-%s" % options.get("tag", "t")
    state = {"latest": None}

    def op(i):
        # A put chained on the previous one, as a graph run does (no read in between).
        config, checkpoint, metadata, versions = next_checkpoint(store.saver, state["latest"], task, i)
        saved = store.saver.put(config, checkpoint, metadata, versions)
        state["latest"] = _Latest(saved, checkpoint, metadata)
    return op


class _Latest:
    """The fields of a CheckpointTuple next_checkpoint reads, for a put just made."""

    def __init__(self, config, checkpoint, metadata):
        self.config, self.checkpoint, self.metadata = config, checkpoint, metadata


def bench_last(options):
    store = Store(options)
    task = "bench-last-%s" % options.get("tag", "t")
    latest = None
    for i in range(100):  # a thread of 100 checkpoints to read the head of
        config, checkpoint, metadata, versions = next_checkpoint(store.saver, latest, task, i)
        latest = _Latest(store.saver.put(config, checkpoint, metadata, versions), checkpoint, metadata)

    def op(i):
        if store.saver.get_tuple(thread_config(task)) is None:
            raise RuntimeError("get_tuple found no checkpoint")
    return op


def bench_floor(options):
    """raw.insert_txn: a bare INSERT transaction on the same database, no library."""
    if is_postgres(options):
        import psycopg
        conn = psycopg.connect(options["backend"], autocommit=True)
        conn.execute("CREATE TABLE IF NOT EXISTS ordeal_floor (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")

        def pg_insert(i):
            with conn.transaction():
                conn.execute("INSERT INTO ordeal_floor (payload) VALUES (%s)", ("x" * 64,))
        return pg_insert
    # Same file, same settings as the saver leaves them; `store` stays referenced by the
    # closure below (from_conn_string closes the connection when its context is collected).
    store = Store(options)
    db = store.saver.conn
    db.execute("CREATE TABLE IF NOT EXISTS ordeal_floor (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    db.commit()

    def insert(i, store=store):
        db.execute("INSERT INTO ordeal_floor (payload) VALUES (?)", ("x" * 64,))
        db.commit()
    return insert


def bench_backend(options):
    """The bench column's name. SqliteSaver takes no durability setting: whatever sqlite:D the
    run asks for, it runs WAL with SQLite's default synchronous (FULL in this build), so the
    column says so and keeps the run's spec only to stay distinct."""
    if is_postgres(options):
        return "langgraph-postgres"
    return "langgraph-wal-full@" + options.get("backend", "sqlite")


WORKER = Worker(
    "langgraph-checkpoint",
    "langgraph %s, checkpoint %s, sqlite %s, postgres %s" % (
        dist_version("langgraph"), dist_version("langgraph-checkpoint"), dist_version("langgraph-checkpoint-sqlite"),
        dist_version("langgraph-checkpoint-postgres")),
    roles={"checkpoint-writer": checkpoint_writer, "reader": reader, "task-runner": task_runner},
    ops=["checkpoint.commit", "task.step", "task.finish"],
    bench={"checkpoint.commit": bench_commit, "checkpoint.last": bench_last, "raw.insert_txn": bench_floor},
    floor="raw.insert_txn",
    backend=lambda options: bench_backend(options) if "describe" in options or "op" in options else backend_name(options),
)

if __name__ == "__main__":
    WORKER.main()
