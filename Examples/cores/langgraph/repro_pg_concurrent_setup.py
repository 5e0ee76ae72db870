#!/usr/bin/env python3
"""PostgresSaver.setup() run by several processes at once on a fresh database fails.

Standalone (no Ordeal): langgraph-checkpoint-postgres 3.2.0, psycopg 3.3.9.
Usage: repro_pg_concurrent_setup.py postgres://user@host:port/db [processes] [attempts]

Each attempt creates a fresh database, then starts N processes that each open
`PostgresSaver.from_conn_string(url)` and call `setup()`, as the docs ask ("It MUST be called
directly by the user the first time checkpointer is used"). Every process is a first user of
the fresh database, so each calls setup(); setup() runs `CREATE TABLE IF NOT EXISTS` and then
`INSERT INTO checkpoint_migrations (v)` for each migration, with no lock between processes,
so a second process inserting the same migration version gets a UniqueViolation (or a
CREATE ... IF NOT EXISTS race on the catalog).

Prints what went wrong and exits 1 when any setup() raised; exits 0 when all succeeded.
"""

import multiprocessing
import sys
import uuid

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver


def database_url(url, name):
    base, _, _ = url.rpartition("/")
    return "%s/%s" % (base, name)


def one_setup(url, start, results):
    start.wait()
    try:
        with PostgresSaver.from_conn_string(url) as saver:
            saver.setup()
        results.put(None)
    except Exception as error:  # what setup() raised, reported by the parent
        results.put("%s: %s" % (type(error).__name__, str(error).splitlines()[0]))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: %s postgres://... [processes] [attempts]" % sys.argv[0])
    url = sys.argv[1]
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    attempts = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    errors = []
    for attempt in range(attempts):
        name = "repro_setup_%s" % uuid.uuid4().hex[:8]
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute('CREATE DATABASE "%s"' % name)
        try:
            start = multiprocessing.Event()
            results = multiprocessing.Queue()
            workers = [multiprocessing.Process(target=one_setup, args=(database_url(url, name), start, results))
                       for _ in range(processes)]
            for worker in workers:
                worker.start()
            start.set()
            outcomes = [results.get(timeout=60) for _ in workers]
            for worker in workers:
                worker.join()
            failed = [o for o in outcomes if o]
            print("attempt %d: %d of %d concurrent setup() calls raised%s" % (
                attempt + 1, len(failed), processes, (": " + failed[0]) if failed else ""))
            errors.extend(failed)
        finally:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    if errors:
        print("FAIL: PostgresSaver.setup() is not safe to run concurrently on a fresh database "
              "(%d failed calls in %d attempts)" % (len(errors), attempts))
        sys.exit(1)
    print("OK: every concurrent setup() succeeded")


if __name__ == "__main__":
    main()
