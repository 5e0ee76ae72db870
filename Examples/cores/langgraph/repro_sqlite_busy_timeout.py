#!/usr/bin/env python3
"""SqliteSaver.put gives up with "database is locked" after 5 s of waiting for the write lock.

Standalone (no Ordeal): langgraph-checkpoint-sqlite 3.1.2 (Python's sqlite3).
The mechanism behind stress-100-tasks' failures (see limitations.yaml): the saver opened as
documented (`SqliteSaver.from_conn_string(path)`, i.e. `sqlite3.connect(path,
check_same_thread=False)`) waits at most Python's default `timeout=5.0` seconds for another
writer's lock, then `put` raises sqlite3.OperationalError. With 100 processes on a loaded
2-core machine, some puts wait that long and fail. Here one other connection holds the write
lock (BEGIN IMMEDIATE) for 7 s, as a slow writer would.

Prints what happened and exits 1 when put raised "database is locked"; exits 0 if it waited
for the lock and succeeded.
"""

import os
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.sqlite import SqliteSaver

HOLD_S = 7.0


def main():
    path = os.path.join(tempfile.mkdtemp(), "busy.sqlite")
    with SqliteSaver.from_conn_string(path) as saver:
        saver.setup()
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")            # another writer holds the write lock
        threading.Timer(HOLD_S, lambda: holder.execute("COMMIT")).start()
        version = saver.get_next_version(None, None)
        checkpoint = {"v": 1, "id": str(uuid6(clock_seq=1)), "ts": datetime.now(timezone.utc).isoformat(),
                      "channel_values": {"state": {"step": 1}}, "channel_versions": {"state": version},
                      "versions_seen": {}, "updated_channels": ["state"]}
        config = {"configurable": {"thread_id": "busy", "checkpoint_ns": ""}}
        started = time.monotonic()
        try:
            saver.put(config, checkpoint, {"source": "update", "step": 1, "parents": {}}, {"state": version})
        except sqlite3.OperationalError as error:
            print("put raised %s (%s) after %.1f s while another writer held the lock for %.0f s"
                  % (error, getattr(error, "sqlite_errorname", "?"), time.monotonic() - started, HOLD_S))
            time.sleep(HOLD_S)
            sys.exit(1)
        print("OK: put waited %.1f s for the lock and succeeded" % (time.monotonic() - started))


if __name__ == "__main__":
    main()
