#!/usr/bin/env python3
"""Two writers on one LangGraph thread fork it: SqliteSaver accepts two children of one parent.

Standalone (no Ordeal): langgraph-checkpoint-sqlite 3.1.2 on langgraph-checkpoint 4.3.2.
This is the documented property behind `sequence-contiguous` failing in
concurrent-checkpoints / stress-contention (see limitations.yaml), shown without Ordeal:

Two savers (two connections, as two processes would have) both read the thread's latest
checkpoint with get_tuple, and each puts a child of it with metadata.step = parent step + 1,
as LangGraph's loop does. `put` has no compare-and-set on the parent: both puts succeed, and
the thread now has two checkpoints with the same parent and the same step; get_tuple returns
one of them (the larger checkpoint id) and the other branch is silently no longer the head.

Prints the fork and exits 1 when both children were stored; exits 0 if the second put was
refused or only one child exists.
"""

import os
import sys
import tempfile
from datetime import datetime, timezone

from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.sqlite import SqliteSaver

THREAD = {"configurable": {"thread_id": "shared", "checkpoint_ns": ""}}


def child(saver, parent, who):
    step = parent.metadata["step"] + 1 if parent else 1
    version = saver.get_next_version(parent.checkpoint["channel_versions"]["state"] if parent else None, None)
    checkpoint = {"v": 1, "id": str(uuid6(clock_seq=step)), "ts": datetime.now(timezone.utc).isoformat(),
                  "channel_values": {"state": {"who": who, "step": step}},
                  "channel_versions": {"state": version}, "versions_seen": {}, "updated_channels": ["state"]}
    config = {"configurable": dict(THREAD["configurable"])}
    if parent:
        config["configurable"]["checkpoint_id"] = parent.config["configurable"]["checkpoint_id"]
    return config, checkpoint, {"source": "update", "step": step, "parents": {}}, {"state": version}


def main():
    path = os.path.join(tempfile.mkdtemp(), "fork.sqlite")
    with SqliteSaver.from_conn_string(path) as a, SqliteSaver.from_conn_string(path) as b:
        a.put(*child(a, None, "a"))                      # step 1, the common parent
        head_a = a.get_tuple(THREAD)                     # both writers read the same head
        head_b = b.get_tuple(THREAD)
        a.put(*child(a, head_a, "a"))                    # both acknowledged
        b.put(*child(b, head_b, "b"))
        rows = list(a.list(THREAD))
        latest = a.get_tuple(THREAD)
    parent_id = head_a.config["configurable"]["checkpoint_id"]
    children = [r for r in rows if r.parent_config and r.parent_config["configurable"]["checkpoint_id"] == parent_id]
    for r in children:
        print("child of %s: id %s step %s written by %s" % (
            parent_id, r.config["configurable"]["checkpoint_id"], r.metadata["step"], r.checkpoint["channel_values"]["state"]["who"]))
    if len(children) > 1:
        print("FORK: %d acknowledged puts share parent %s and step %s; get_tuple now returns only %s's"
              % (len(children), parent_id, children[0].metadata["step"], latest.checkpoint["channel_values"]["state"]["who"]))
        sys.exit(1)
    print("OK: one child only")


if __name__ == "__main__":
    main()
