#!/usr/bin/env python3
"""Repro (dbos==3.4.0, SQLite system database): a completed step runs again after a power cut
that closely follows it.

DBOS opens its SQLite system database with SQLite's defaults: the rollback journal
(journal_mode DELETE) and synchronous FULL. In that mode a transaction commits when its journal
file is deleted, and SQLite does not sync the folder after that deletion; its documentation of
PRAGMA synchronous says so: "EXTRA synchronous is like FULL with the addition that the
directory containing a rollback journal is synced after that journal is unlinked to commit a
transaction in DELETE mode. EXTRA provides additional durability if the commit is followed
closely by a power loss." (https://www.sqlite.org/pragma.html#pragma_synchronous). A power cut
right after DBOS records a step can therefore bring the journal back, and SQLite then rolls the
recorded step back: DBOS runs it again, against its promise "once a step has completed, it will
never be re-executed" (https://docs.dbos.dev/python/tutorials/workflow-tutorial).

What the power cut loses is emulated without any interposition: the parent watches the folder
with inotify and hard-links each journal the moment it is created, so its bytes outlive the
unlink, as they do on a disk whose folder entry was never synced. Steps:
1. A child process runs a workflow whose step 1 appends a line to an effects file (its side
   effect) and returns; then step 2 waits. The parent keeps the journal of the commit that
   recorded step 1 (the first journal created after the effect line appeared).
2. Once step 1's output is recorded, the child is SIGKILLed (the power cut takes the process),
   and the kept journal is put back under its name (the unlink that never reached the disk).
3. A new process launches DBOS, which recovers the workflow.
Exit 1 (behaviour present) when step 1's effect happened twice; exit 0 when it did not.
Uses only dbos and the standard library (ctypes for inotify). Linux. Run:
python repro_power_loss_step_rerun.py
"""

import ctypes
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

from dbos import DBOS, SetWorkflowID

IN_CREATE = 0x100


@DBOS.step()
def pay():
    with open(os.environ["REPRO_EFFECTS"], "a") as effects:
        effects.write("paid\n")
        effects.flush()
        os.fsync(effects.fileno())
    return "paid"


@DBOS.step()
def wait():
    if os.environ.get("REPRO_FIRST") == "1":
        time.sleep(30)  # the first run is cut off here


@DBOS.workflow()
def order():
    pay()
    wait()


def child(path):
    DBOS(config={"name": "repro-power", "system_database_url": "sqlite:///" + path, "enable_otlp": False,
                 "executor_id": "repro"})
    DBOS.launch()  # the second run recovers the pending workflow here
    if os.environ.get("REPRO_FIRST") == "1":
        with SetWorkflowID("order-1"):
            order()
    else:
        DBOS.retrieve_workflow("order-1").get_result()
    DBOS.destroy()


def watch_journals(folder):
    """An inotify descriptor that reports files created in `folder`."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0 or libc.inotify_add_watch(fd, folder.encode(), IN_CREATE) < 0:
        sys.exit("inotify: errno %d" % ctypes.get_errno())
    return fd


def created(fd):
    names = []
    try:
        data = os.read(fd, 65536)
    except BlockingIOError:
        return names
    offset = 0
    while offset < len(data):
        _, _, _, length = struct.unpack_from("iIII", data, offset)
        names.append(data[offset + 16:offset + 16 + length].rstrip(b"\0").decode())
        offset += 16 + length
    return names


def step_recorded(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM operation_outputs WHERE workflow_uuid = 'order-1' AND function_id = 1").fetchone()[0] > 0
    except sqlite3.Error:
        return False
    finally:
        db.close()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2])
        return 0
    folder = tempfile.mkdtemp(prefix="repro-dbos-power-")
    path = os.path.join(folder, "system.sqlite")
    journal = path + "-journal"
    effects = os.path.join(folder, "effects.txt")
    env = dict(os.environ, REPRO_EFFECTS=effects, REPRO_FIRST="1")
    inotify = watch_journals(folder)
    first = subprocess.Popen([sys.executable, __file__, "child", path], env=env)
    kept, deadline = None, time.monotonic() + 60
    while time.monotonic() < deadline and not (kept and step_recorded(path)):
        for name in created(inotify):
            if name == os.path.basename(journal) and os.path.exists(effects) and kept is None:
                try:
                    os.link(journal, journal + ".kept")
                    kept = journal + ".kept"
                except FileNotFoundError:
                    pass  # that transaction was over before the link: wait for the next
        time.sleep(0.0002)
    if not kept:
        first.kill()
        sys.exit("could not keep the journal of step 1's commit within 60 s; run again")
    first.send_signal(signal.SIGKILL)  # the power cut: the process is gone at once
    first.wait()
    os.replace(kept, journal)  # ... and the folder entry of the deleted journal comes back
    print("step 1 ran and was recorded; power cut; the journal of its commit came back")
    second = subprocess.run([sys.executable, __file__, "child", path], env=dict(env, REPRO_FIRST="0"), timeout=120)
    with open(effects) as f:
        paid = f.read().count("paid")
    print("after recovery (exit %d): step 1's effect happened %d time(s)" % (second.returncode, paid))
    if paid > 1:
        print("FAIL: DBOS ran a completed step again: SQLite rolled its record back (journal_mode DELETE, "
              "synchronous FULL, which does not sync the folder after the journal's unlink)")
        return 1
    print("ok: the completed step was not run again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
