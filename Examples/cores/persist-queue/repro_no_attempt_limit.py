#!/usr/bin/env python3
"""persist-queue 1.1.0: an item whose deliveries keep being abandoned (its holder dies before
ack) is redelivered after every recovery, without end: the library counts no attempts and never
fails an item on its own. No Ordeal involved.

What lease-attempts demands (its expected-work: the third sweep must fail the 20 items, each
allowed 3 leases): here one item is delivered, abandoned, and recovered by the library's restart
(a new SQLiteAckQueue(path), auto_resume=True by default) four times. Exit 1 when the fourth
delivery still happens and the item is never 'ack_failed'; 0 if the library stops it.
"""

import sys
import tempfile

import persistqueue
from persistqueue import Empty, SQLiteAckQueue


def main():
    folder = tempfile.mkdtemp(prefix="pq-attempts-")
    SQLiteAckQueue(folder).put("item-0")
    deliveries = 0
    for round_ in range(1, 5):
        q = SQLiteAckQueue(folder)          # a restarted worker: resumes every unacked item
        try:
            item = q.get(block=False, raw=True)
        except Empty:
            print("round %d: nothing delivered (failed so far: %d)" % (round_, q.ack_failed_count()))
            break
        deliveries += 1
        print("round %d: delivered %r (pqid %d); the holder dies without ack" % (round_, item["data"], item["pqid"]))
        q.close()                            # abandoned: left unacked
    final = SQLiteAckQueue(folder, auto_resume=False)
    print("deliveries: %d; ack_failed_count: %d; unack_count: %d" % (deliveries, final.ack_failed_count(), final.unack_count()))
    if deliveries > 3 and final.ack_failed_count() == 0:
        print("FAIL (persist-queue %s): no attempt limit: the item was delivered %d times and never failed"
              % (persistqueue.__version__, deliveries))
        return 1
    print("OK: the item stopped being redelivered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
