#!/usr/bin/env python3
"""A foreign worker: proves that docs/worker-protocol.md is enough to write a worker.

Python 3 standard library only; shares no code with Ordeal. Roles:

  checkpoint-writer --db PATH [--task T] [--count N]
      commits N checkpoints of task T to its own table in the SQLite file PATH. Each
      sequence number is assigned inside BEGIN IMMEDIATE (the task's highest plus one), so
      concurrent writers never share or skip one; the snapshot is canonical JSON, hashed
      with SHA-256. Each commit is reported after COMMIT returns.
  reader --db PATH [--effects PATH]
      reports its table (and the effects file) as the protocol's `state` event.

Exit status: 0 done, 1 an operation failed, 2 bad usage.
"""

import hashlib
import json
import os
import sqlite3
import sys
import time

PROTOCOL = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS foreign_checkpoints (
    task_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
)
"""


class Usage(Exception):
    pass


def emit(event):
    """One JSON object per line, each line written with os.write until all of it is out."""
    data = (json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")
    while data:
        written = os.write(1, data)
        data = data[written:]


def canonical(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def parse(argv):
    if not argv or argv[0].startswith("-"):
        raise Usage("usage: foreign_worker.py ROLE --db PATH [--NAME VALUE ...]")
    role, options, rest = argv[0], {}, argv[1:]
    while rest:
        flag = rest.pop(0)
        if not flag.startswith("--") or not rest:
            raise Usage("foreign_worker.py: expected --NAME VALUE, got %r" % flag)
        options[flag[2:]] = rest.pop(0)
    if "db" not in options:
        raise Usage("foreign_worker.py %s: --db is required" % role)
    return role, options


def whole_number(options, name, default):
    text = options.get(name, str(default))
    if not text.isdigit():
        raise Usage("foreign_worker.py: --%s must be a whole number, not %r" % (name, text))
    return int(text)


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


def connect(path, durability):
    synchronous = {"full": "FULL", "normal": "NORMAL", "off": "OFF"}.get(durability)
    if synchronous is None:
        raise Usage("foreign_worker.py: --durability must be full, normal or off")
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA busy_timeout=30000")
    wal_switch(db, deadline=time.monotonic() + 30)
    db.execute("PRAGMA synchronous=%s" % synchronous)
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(SCHEMA)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return db


def checkpoint_writer(db, options):
    task = options.get("task", "task-1")
    count = whole_number(options, "count", 100)
    for i in range(count):
        snapshot = canonical({"i": i, "writer": os.getpid()})
        digest = hashlib.sha256(snapshot).hexdigest()
        start = time.monotonic_ns()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT seq FROM foreign_checkpoints WHERE task_id = ? ORDER BY seq DESC LIMIT 1", (task,)
            ).fetchone()
            seq = (row[0] if row else 0) + 1
            db.execute(
                "INSERT INTO foreign_checkpoints (task_id, seq, snapshot, sha256, created_at_ms) VALUES (?, ?, ?, ?, ?)",
                (task, seq, snapshot.decode("utf-8"), digest, int(time.time() * 1000)),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.Error as error:
            # COMMIT itself failed: whether the row is stored is unknown.
            emit({"event": "op", "op": "checkpoint.commit", "key": task, "outcome": "info",
                  "latency_us": 0, "error": str(error)})
            raise
        latency = (time.monotonic_ns() - start) / 1000
        emit({"event": "op", "op": "checkpoint.commit", "key": task, "outcome": "ok",
              "latency_us": round(latency, 1), "value": {"seq": seq, "sha256": digest}})
    return count


def effect_counts(path):
    counts = {}
    if not path or not os.path.exists(path):
        return counts
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            if line:
                key = line.decode("utf-8", "replace")
                counts[key] = counts.get(key, 0) + 1
    return counts


def reader(db, options):
    problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
    checkpoints = []
    for task, seq, snapshot, digest in db.execute(
        "SELECT task_id, seq, snapshot, sha256 FROM foreign_checkpoints ORDER BY task_id, seq"
    ):
        checkpoints.append({
            "task": task, "seq": seq, "sha256": digest,
            "snapshot_ok": hashlib.sha256(snapshot.encode("utf-8")).hexdigest() == digest,
            "verified": False, "type": "manual_checkpoint",
        })
    state = {
        "integrity_problems": [] if problems == ["ok"] else problems,
        "checkpoints": checkpoints,
        "work_items": [],
        "idempotency": [],
        "tasks": {},
        "effects": effect_counts(options.get("effects")),
    }
    emit({"event": "state", "state": state})
    return 0


ROLES = {"checkpoint-writer": checkpoint_writer, "reader": reader}


def main(argv):
    try:
        role, options = parse(argv)
        if role not in ROLES:
            raise Usage("foreign_worker.py: unknown role %r; roles: %s" % (role, ", ".join(sorted(ROLES))))
        durability = options.get("durability", "full")
        db = connect(options["db"], durability)
    except Usage as error:
        sys.stderr.write("%s\n" % error)
        return 2
    except sqlite3.Error as error:
        sys.stderr.write("foreign_worker.py: cannot open %s: %s\n" % (options.get("db"), error))
        return 1
    emit({"event": "ready", "pid": os.getpid(), "role": role, "backend": "sqlite:%s" % durability,
          "versions": {"protocol": PROTOCOL, "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version}})
    try:
        ops = ROLES[role](db, options)
    except Usage as error:
        sys.stderr.write("%s\n" % error)
        return 2
    except sqlite3.Error as error:
        sys.stderr.write("foreign_worker.py %s: %s\n" % (role, error))
        return 1
    emit({"event": "done", "ops": ops})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
