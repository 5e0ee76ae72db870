#!/usr/bin/env python3
"""A foreign worker: a small recovery core in Python, put through Ordeal with the Python kit.

The kit (Sources/PythonWorkerKit/ordeal_worker.py) does the protocol; this file is only the
core and the mapping of Ordeal's roles to it, as an adapter for a real core would be.
Roles:

  checkpoint-writer --db PATH [--task T] [--count N]
      commits N checkpoints of task T to its own table in the SQLite file PATH. Each
      sequence number is assigned inside BEGIN IMMEDIATE (the task's highest plus one), so
      concurrent writers never share or skip one; the snapshot is canonical JSON, hashed
      with SHA-256. Each commit is reported after COMMIT returns; a failed COMMIT is
      indeterminate (the row may be stored), and the writer stops.
  reader --db PATH [--effects PATH]
      reports its table (and the effects file) as the protocol's `state` event.
  bench-worker ...
      checkpoint.commit and its floor, raw.insert_txn (a bare BEGIN IMMEDIATE / INSERT /
      COMMIT), for `ordeal bench --worker 'python3 foreign_worker.py'`.
"""

import hashlib
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "PythonWorkerKit"))
from ordeal_worker import Failed, Indeterminate, Usage, Worker  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS foreign_checkpoints (
    task_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
);
CREATE TABLE IF NOT EXISTS foreign_floor (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);
"""


def canonical(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def wal_switch(db, deadline):
    """Switches the file to WAL. SQLite does not call the busy handler for this switch when
    another process is opening the same new file, so SQLITE_BUSY is retried until deadline."""
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def connect(options):
    """The core's store: the --db file at the --durability (or sqlite:D of --backend) setting."""
    path = options.get("db")
    if not path:
        raise Usage("--db PATH is required")
    durability = options.get("durability") or options.get("backend", "sqlite:normal").partition(":")[2] or "normal"
    synchronous = {"full": "FULL", "normal": "NORMAL", "off": "OFF"}.get(durability)
    if synchronous is None:
        raise Usage("--durability must be full, normal or off, not %r" % durability)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA busy_timeout=30000")
    wal_switch(db, deadline=time.monotonic() + 30)
    db.execute("PRAGMA synchronous=%s" % synchronous)
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return db


def commit_checkpoint(db, task, snapshot):
    """Commits the next checkpoint of `task`; returns its {seq, sha256}."""
    digest = hashlib.sha256(snapshot).hexdigest()
    try:
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT MAX(seq) FROM foreign_checkpoints WHERE task_id = ?", (task,)).fetchone()
        seq = (row[0] or 0) + 1
        db.execute(
            "INSERT INTO foreign_checkpoints (task_id, seq, snapshot, sha256, created_at_ms) VALUES (?, ?, ?, ?, ?)",
            (task, seq, snapshot.decode("utf-8"), digest, int(time.time() * 1000)),
        )
    except sqlite3.OperationalError as error:
        # Before COMMIT nothing is stored: a definite failure (a full disk says SQLITE_FULL).
        if db.in_transaction:
            db.execute("ROLLBACK")
        code = "SQLITE_FULL" if "full" in str(error) else "SQLITE_ERROR"
        raise Failed(str(error), {"error_code": code})
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except sqlite3.Error as error:
        if "full" in str(error):
            # SQLITE_FULL at COMMIT: the WAL frames could not be written, so nothing is stored;
            # the transaction is rolled back (by SQLite, or here when it is still open).
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise Failed(str(error), {"error_code": "SQLITE_FULL"})
        # Any other failed COMMIT (an fsync error): the row may be stored; nobody can know.
        raise Indeterminate(str(error))
    return {"seq": seq, "sha256": digest}


def checkpoint_writer(ctx):
    """Commits --count checkpoints; a failed commit is retried after --retry-ms (when given),
    an indeterminate one stops the writer without touching the connection again."""
    db = connect(ctx.options)
    task = ctx.opt_str("task", "task-1")
    retry_ms = ctx.opt_int("retry-ms", 0)
    i = 0
    while i < ctx.opt_int("count", 100):
        snapshot = canonical({"i": i, "writer": os.getpid()})
        outcome = {}

        def commit():
            try:
                return commit_checkpoint(db, task, snapshot)
            except Failed:
                outcome["failed"] = True
                raise
        if ctx.op("checkpoint.commit", task, commit) is not None:
            i += 1
        elif outcome.get("failed") and retry_ms > 0:
            time.sleep(retry_ms / 1000)
        elif outcome.get("failed"):
            raise RuntimeError("a commit failed and --retry-ms was not given")
        else:
            raise RuntimeError("a commit's outcome is unknown; stopping without touching the connection again")


def reader(ctx):
    db = connect(ctx.options)
    problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
    checkpoints = [
        {"task": task, "seq": seq, "sha256": digest, "verified": False, "type": "manual_checkpoint",
         "snapshot_ok": hashlib.sha256(snapshot.encode("utf-8")).hexdigest() == digest}
        for task, seq, snapshot, digest in db.execute(
            "SELECT task_id, seq, snapshot, sha256 FROM foreign_checkpoints ORDER BY task_id, seq")
    ]
    ctx.state({"integrity_problems": [] if problems == ["ok"] else problems, "checkpoints": checkpoints})


def bench_commit(options):
    db = connect(options)
    task = "bench-%s" % options.get("tag", "t")
    return lambda i: commit_checkpoint(db, task, canonical({"i": i}))


def bench_floor(options):
    db = connect(options)

    def insert(i):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO foreign_floor (payload) VALUES (?)", ("x" * 64,))
        db.execute("COMMIT")
    return insert


WORKER = Worker(
    "foreign-python-sqlite", "1.0",
    roles={"checkpoint-writer": checkpoint_writer, "reader": reader},
    ops=["checkpoint.commit"],
    bench={"checkpoint.commit": bench_commit, "raw.insert_txn": bench_floor}, floor="raw.insert_txn",
    backend=lambda options: "python-" + options.get("backend", "sqlite:%s" % options.get("durability", "normal")),
)

if __name__ == "__main__":
    WORKER.main()
