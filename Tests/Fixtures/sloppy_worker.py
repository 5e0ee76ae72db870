#!/usr/bin/env python3
"""A worker with one protocol defect, for the tests that show a sloppy worker never passes.

    sloppy_worker.py DEFECT ROLE --db PATH [--task T] [--count N] ...

An honest checkpoint writer and reader on SQLite (standard library only), but for DEFECT:
  none                  speaks protocol 1 exactly (the control)
  misspelled-op         writes `checkpoint.comit`
  wrong-case-outcome    writes `"outcome": "OK"`
  missing-value-field   acknowledges commits without `sha256`
  unknown-event         writes a `progress` event after each commit
  acknowledges-nothing  commits but writes no op line
  never-performs        declares checkpoint-writer (protocol 2) and does no work
  wrong-done-count      says `done` with one op more than it wrote
  checkpoints-only      honest, protocol 2, declaring only checkpoint-writer and reader
  reader-bad-state      a reader whose state is a list once the store holds checkpoints
"""

import hashlib
import json
import os
import sqlite3
import sys
import time

SCHEMA = """CREATE TABLE IF NOT EXISTS cps (task TEXT NOT NULL, seq INTEGER NOT NULL, snapshot TEXT NOT NULL,
    sha256 TEXT NOT NULL, PRIMARY KEY (task, seq))"""


def emit(event):
    data = (json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n").encode()
    while data:
        data = data[os.write(1, data):]


def main(argv):
    defect, role, rest = argv[0], argv[1], argv[2:]
    options = dict(zip(rest[0::2], rest[1::2]))
    db = sqlite3.connect(options["--db"], timeout=30, isolation_level=None)
    db.execute(SCHEMA)
    ready = {"event": "ready", "pid": os.getpid(), "role": role, "versions": {"protocol": 1}}
    if defect == "checkpoints-only":
        ready["versions"]["protocol"] = 2
        ready["capabilities"] = {"roles": ["checkpoint-writer", "reader"], "ops": ["checkpoint.commit"]}
        ready["core"] = {"name": "sloppy-fixture", "version": "1"}
    if defect == "never-performs":
        ready["versions"]["protocol"] = 2
        ready["capabilities"] = {"roles": ["checkpoint-writer", "reader"], "ops": ["checkpoint.commit"]}
    emit(ready)
    if role == "reader":
        rows = db.execute("SELECT task, seq, snapshot, sha256 FROM cps ORDER BY task, seq").fetchall()
        checkpoints = [{"task": t, "seq": s, "sha256": h, "verified": True, "type": "manual_checkpoint",
                        "snapshot_ok": hashlib.sha256(snap.encode()).hexdigest() == h} for t, s, snap, h in rows]
        state = {"integrity_problems": [], "checkpoints": checkpoints, "work_items": [],
                 "idempotency": [], "tasks": {}, "effects": {}}
        if defect == "reader-bad-state" and checkpoints:
            state = checkpoints
        emit({"event": "state", "state": state})
        emit({"event": "done", "ops": 0})
        return 0
    task, count, ops = options.get("--task", "t"), int(options.get("--count", "10")), 0
    for _ in range(0 if defect == "never-performs" else count):
        start = time.monotonic_ns()
        db.execute("BEGIN IMMEDIATE")
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM cps WHERE task = ?", (task,)).fetchone()[0]
        snapshot = json.dumps({"seq": seq}, sort_keys=True)
        sha = hashlib.sha256(snapshot.encode()).hexdigest()
        db.execute("INSERT INTO cps VALUES (?, ?, ?, ?)", (task, seq, snapshot, sha))
        db.execute("COMMIT")
        if defect == "acknowledges-nothing":
            continue
        event = {"event": "op", "op": "checkpoint.commit", "key": task, "outcome": "ok",
                 "latency_us": (time.monotonic_ns() - start) / 1000, "value": {"seq": seq, "sha256": sha}}
        if defect == "misspelled-op":
            event["op"] = "checkpoint.comit"
        if defect == "wrong-case-outcome":
            event["outcome"] = "OK"
        if defect == "missing-value-field":
            del event["value"]["sha256"]
        emit(event)
        ops += 1
        if defect == "unknown-event":
            emit({"event": "progress", "done": ops})
    emit({"event": "done", "ops": ops + (1 if defect == "wrong-done-count" else 0)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
