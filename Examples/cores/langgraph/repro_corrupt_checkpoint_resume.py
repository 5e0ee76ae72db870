#!/usr/bin/env python3
"""LangGraph resumes a thread from a checkpoint whose stored bytes were damaged, without noticing.

Standalone (langgraph + langgraph-checkpoint-sqlite only, no Ordeal). A StateGraph chain of
three nodes, compiled with SqliteSaver, runs on one thread until node step_2 fails (an
exception, as in the durable-execution docs' "Recovering from Failures"); the thread's latest
checkpoint then holds step_1's update, {"snapshot": "[step 1 result 12345]"}. With the saver
closed, one digit of that snapshot is flipped where the database file stores it (every copy,
as a bad sector or a torn write would: a digit stays a digit, so msgpack still parses). The
graph is then resumed as documented (same thread id, None input).

Exits 1, printing the damaged state, when LangGraph resumes from the damaged checkpoint (it
stores no checksum, so its read path cannot tell); exits 0 when it refuses or reads the
original value back.
"""

import os
import sqlite3
import sys
import tempfile
from typing import TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

ORIGINAL = "[step 1 result 12345]"
DAMAGED = "[step 1 result 12344]"  # the last digit's low bit flipped, as Ordeal's corrupt fault does


class State(TypedDict):
    snapshot: str


def build(fail_at):
    def make(i):
        def node(state):
            if i == fail_at:
                raise RuntimeError("step_%d fails (the process would crash here)" % i)
            return {"snapshot": "[step %d result 12345]" % i}
        return node
    builder = StateGraph(State)
    previous = START
    for i in range(3):
        builder.add_node("step_%d" % i, make(i))
        builder.add_edge(previous, "step_%d" % i)
        previous = "step_%d" % i
    builder.add_edge(previous, END)
    return builder


def main():
    path = os.path.join(tempfile.mkdtemp(prefix="lg-corrupt-"), "store.sqlite")
    config = {"configurable": {"thread_id": "t"}}
    with SqliteSaver.from_conn_string(path) as saver:
        try:
            build(fail_at=2).compile(checkpointer=saver).invoke({"snapshot": ""}, config, durability="sync")
        except RuntimeError:
            pass
        head = build(fail_at=None).compile(checkpointer=saver).get_state(config)
        assert head.values["snapshot"] == ORIGINAL and head.next == ("step_2",), head
    # Bring the database to rest (the WAL copied into the file), then damage every copy.
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(open(path, "rb").read())
    needle, copies = ORIGINAL.encode(), 0
    at = data.find(needle)
    while at >= 0:
        data[at:at + len(needle)] = DAMAGED.encode()
        copies += 1
        at = data.find(needle, at + len(needle))
    with open(path, "r+b") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    print("flipped one digit in %d stored copies of %r" % (copies, ORIGINAL))

    seen = []
    try:
        with SqliteSaver.from_conn_string(path) as saver:
            graph = build(fail_at=None).compile(checkpointer=saver)
            resumed_from = graph.get_state(config).values.get("snapshot")
            for event in graph.stream(None, config, stream_mode="checkpoints", durability="sync"):
                seen.append(event["values"].get("snapshot"))
            final = graph.get_state(config)
    except Exception as error:
        print("LangGraph refused the damaged checkpoint: %s: %s" % (type(error).__name__, error))
        return 0
    print("get_state before resuming returned snapshot %r" % resumed_from)
    print("the resumed run's checkpoints: %r; final next=%r" % (seen, final.next))
    if resumed_from == DAMAGED:
        print("LangGraph resumed from the damaged checkpoint without noticing (no checksum is stored)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
