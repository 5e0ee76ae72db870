#!/usr/bin/env python3
"""persist-queue 1.1.0: several processes taking from one SQLiteAckQueue file can each get() the
same item (no resume involved), and each ack of it is accepted. No Ordeal involved.

Why: SQLiteAckQueue._pop selects the first row with status < unack, then marks it unack in a
second statement (UPDATE ... WHERE _id = ?, with no status condition), so two processes that
both select before either updates both get the item. The in-process `action_lock` serialises
threads of one queue object only (the library is documented as thread-safe, not multi-process).

What stress-lease-contention and sweep-stress (two finishers) exercise. Each of WORKERS
processes opens its own queue (auto_resume=False, so nobody resumes anything) and loops
get(block=False) / ack until the queue is empty; the parent then counts deliveries per item.
Exit 1 when some item was delivered (and acked) more than once, 0 otherwise.
"""

import multiprocessing
import sys
import tempfile
import time

import persistqueue
from persistqueue import Empty, SQLiteAckQueue

ITEMS = 200
WORKERS = 8


def consume(folder, start, results):
    q = SQLiteAckQueue(folder, auto_resume=False, timeout=30)
    start.wait()
    got = []
    while True:
        try:
            item = q.get(block=False, raw=True)
        except Empty:
            break
        if q.ack(id=item["pqid"]) is not None:
            got.append(item["data"])
    results.put(got)


def main():
    folder = tempfile.mkdtemp(prefix="pq-concurrent-get-")
    q = SQLiteAckQueue(folder)
    for i in range(ITEMS):
        q.put("item-%d" % i)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=consume, args=(folder, start, results)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    time.sleep(0.3)
    start.set()
    delivered = {}
    for _ in procs:
        for data in results.get(timeout=120):
            delivered[data] = delivered.get(data, 0) + 1
    for p in procs:
        p.join()
    twice = {k: v for k, v in delivered.items() if v > 1}
    print("%d items, %d processes: %d deliveries acked, %d distinct items, %d items delivered and acked more than once"
          % (ITEMS, WORKERS, sum(delivered.values()), len(delivered), len(twice)))
    if twice:
        sample = sorted(twice.items())[:5]
        print("FAIL (persist-queue %s): e.g. %s" % (persistqueue.__version__,
              ", ".join("%s delivered %d times" % kv for kv in sample)))
        return 1
    print("OK: every item was delivered once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
