#!/usr/bin/env python3
"""persist-queue 1.1.0: after resume_unack_tasks() hands an item to a second holder, the first
(stale) holder can still ack it, and the item is acknowledged twice. No Ordeal involved.

What lease-expiry-takeover / lease-zombie-holder exercise, with the library alone:
  1. holder A gets the item (get(raw=True) -> pqid) and stalls (a pause, a GC, a slow call);
  2. recovery runs: a new SQLiteAckQueue(path) (auto_resume=True, the library's default
     "restart after a crash"), i.e. resume_unack_tasks(), puts the unacked item back to ready;
  3. holder B gets the same item, with the same pqid: nothing tells the two holders apart;
  4. A wakes up and acks: accepted (ack returns the id), the item is 'acked' while B works;
  5. B acks: accepted too. Two completions of one item, both acknowledged by the library.

Each holder is its own SQLiteAckQueue object (its own SQLite connection) on one file, as each
would be in its own process. Exit 1 when the stale ack is accepted, 0 when it is refused.
"""

import sys
import tempfile

import persistqueue
from persistqueue import SQLiteAckQueue


def main():
    folder = tempfile.mkdtemp(prefix="pq-stale-ack-")
    SQLiteAckQueue(folder).put("item-0")

    holder_a = SQLiteAckQueue(folder, auto_resume=False)
    a = holder_a.get(block=False, raw=True)
    print("A got %r with pqid %d" % (a["data"], a["pqid"]))

    # A stalls; the library's recovery runs (opening the queue with its default auto_resume).
    restarted = SQLiteAckQueue(folder)
    print("recovery: a new SQLiteAckQueue(path) resumed the unacked item; ready_count=%d" % restarted.ready_count())

    holder_b = SQLiteAckQueue(folder, auto_resume=False)
    b = holder_b.get(block=False, raw=True)
    print("B got %r with pqid %d (the same handle as A's: %s)" % (b["data"], b["pqid"], a["pqid"] == b["pqid"]))

    stale = holder_a.ack(id=a["pqid"])
    status_after_stale = {r["id"]: r["status"] for r in holder_b.queue()}[b["pqid"]]
    print("A (stale) ack returned %r; the item's status is now %s (acked=%s) while B still works"
          % (stale, status_after_stale, persistqueue.AckStatus.acked))
    current = holder_b.ack(id=b["pqid"])
    print("B ack returned %r; acked_count=%d" % (current, holder_b.acked_count()))

    if stale is not None:
        print("FAIL (persist-queue %s): the stale holder's ack was accepted after the item was handed "
              "to another holder; the item was completed twice (no fencing)" % persistqueue.__version__)
        return 1
    print("OK: the stale ack was refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
