"""Tests of the Python worker kit: each rule of the protocol it promises to keep, shown to hold
and shown to refuse what breaks it. Run: python3 -m unittest discover -s Tests/PythonKitTests"""

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.join(HERE, "..", "..", "Sources", "PythonWorkerKit")
sys.path.insert(0, KIT)

import ordeal_worker  # noqa: E402
from ordeal_worker import Failed, Indeterminate, ProtocolError, Worker  # noqa: E402


def run(worker, argv):
    """Runs `worker` on argv with its output into a pipe; (status, events, stderr)."""
    read, write = os.pipe()
    err = io.StringIO()
    status = worker.run(argv + ["--die-with-parent", "false"], fd=write, err=err)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        lines = f.read().decode().splitlines()
    return status, [json.loads(line) for line in lines], err.getvalue()


def writer(ctx):
    for i in range(ctx.opt_int("count", 3)):
        ctx.op("checkpoint.commit", "t", lambda i=i: {"seq": i + 1, "sha256": "00"})


class HandshakeTests(unittest.TestCase):
    def test_ready_declares_capabilities_and_core_and_done_counts_every_op_line(self):
        def mixed(ctx):
            ctx.op("checkpoint.commit", "t", lambda: {"seq": 1, "sha256": "a"})
            ctx.op("checkpoint.commit", "t", lambda: (_ for _ in ()).throw(Failed("disk full")))
            ctx.op("checkpoint.commit", "t", lambda: (_ for _ in ()).throw(Indeterminate("fsync failed")))
        worker = Worker("core", "1.2", roles={"checkpoint-writer": mixed, "reader": lambda c: None}, ops=["checkpoint.commit"])
        status, events, _ = run(worker, ["checkpoint-writer", "--db", "x"])
        self.assertEqual(status, 0)
        ready = events[0]
        self.assertEqual(ready["event"], "ready")
        self.assertEqual(ready["versions"]["protocol"], 2)
        self.assertEqual(ready["capabilities"], {"roles": ["checkpoint-writer", "reader"], "ops": ["checkpoint.commit"]})
        self.assertEqual(ready["core"], {"name": "core", "version": "1.2"})
        self.assertEqual([e["outcome"] for e in events[1:4]], ["ok", "fail", "info"])
        self.assertEqual(events[2]["error"], "disk full")
        self.assertEqual(events[-1], {"event": "done", "ops": 3})

    def test_a_core_without_fencing_tokens_says_so_in_its_capabilities(self):
        def holder(ctx):
            ctx.op("lease.acquire", "i1", lambda: {})
        worker = Worker("queue", "1", roles={"lease-worker": holder, "reader": lambda c: None}, ops=["lease.acquire"], fencing_tokens=False)
        status, events, _ = run(worker, ["lease-worker", "--db", "x"])
        self.assertEqual(status, 0)
        self.assertIs(events[0]["capabilities"]["fencing_tokens"], False)
        self.assertNotIn("token", events[1]["value"])

    def test_aop_reports_a_coroutines_outcome_as_op_does(self):
        import asyncio

        async def ok():
            return {"seq": 1, "sha256": "a"}

        async def lost():
            raise Indeterminate("no reply")

        async def role(ctx):
            await ctx.aop("checkpoint.commit", "t", ok)
            await ctx.aop("checkpoint.commit", "t", lost)
        worker = Worker("core", "1", roles={"checkpoint-writer": lambda ctx: asyncio.run(role(ctx)), "reader": lambda c: None},
                        ops=["checkpoint.commit"])
        status, events, _ = run(worker, ["checkpoint-writer", "--db", "x"])
        self.assertEqual(status, 0)
        self.assertEqual([(e["outcome"], e.get("error")) for e in events[1:3]], [("ok", None), ("info", "no reply")])

    def test_the_instance_name_comes_from_the_runner(self):
        seen = []
        worker = Worker("core", "1", roles={"checkpoint-writer": lambda ctx: seen.append(ctx.instance), "reader": lambda c: None}, ops=[])
        os.environ["ORDEAL_INSTANCE"] = "shared-1"
        try:
            run(worker, ["checkpoint-writer", "--db", "x"])
        finally:
            del os.environ["ORDEAL_INSTANCE"]
        run(worker, ["checkpoint-writer", "--db", "x"])
        self.assertEqual(seen, ["shared-1", None])

    def test_ops_carry_latency_and_the_monotonic_clock(self):
        worker = Worker("core", "1", roles={"checkpoint-writer": writer}, ops=["checkpoint.commit"])
        before = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        _, events, _ = run(worker, ["checkpoint-writer", "--db", "x", "--count", "2"])
        after = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        ops = [e for e in events if e["event"] == "op"]
        self.assertEqual(len(ops), 2)
        for op in ops:
            self.assertGreaterEqual(op["latency_us"], 0)
            self.assertTrue(before <= op["t_mono_ns"] <= after)


class RefusalTests(unittest.TestCase):
    def test_an_undeclared_op_is_refused_and_the_role_exits_1(self):
        def sloppy(ctx):
            ctx.op("checkpoint.comit", "t", lambda: {})
        worker = Worker("core", "1", roles={"checkpoint-writer": sloppy}, ops=["checkpoint.commit"])
        status, events, err = run(worker, ["checkpoint-writer", "--db", "x"])
        self.assertEqual(status, 1)
        self.assertIn("checkpoint.comit", err)
        self.assertFalse(any(e["event"] == "op" for e in events))
        self.assertFalse(any(e["event"] == "done" for e in events))

    def test_an_unknown_outcome_is_refused(self):
        worker = Worker("core", "1", roles={}, ops=["checkpoint.commit"])
        ctx = ordeal_worker.Context(worker, "r", {}, os.open(os.devnull, os.O_WRONLY))
        with self.assertRaises(ProtocolError):
            ctx.emit_op("checkpoint.commit", "t", "OK", 10)

    def test_a_line_over_4096_bytes_is_refused_but_the_state_line_is_not(self):
        worker = Worker("core", "1", roles={}, ops=["checkpoint.commit"])
        ctx = ordeal_worker.Context(worker, "r", {}, os.open(os.devnull, os.O_WRONLY))
        with self.assertRaises(ProtocolError):
            ctx.emit_op("checkpoint.commit", "t", "ok", 10, {"blob": "x" * 5000})
        ctx.state({"checkpoints": [{"task": "x" * 5000}]})

    def test_bad_usage_and_an_unknown_role_exit_2_writing_nothing(self):
        worker = Worker("core", "1", roles={"checkpoint-writer": writer}, ops=["checkpoint.commit"])
        for argv in (["sweeper", "--db", "x"], ["checkpoint-writer", "--db"], ["--db", "x"], ["checkpoint-writer", "db", "x"]):
            status, events, err = run(worker, argv)
            self.assertEqual(status, 2, argv)
            self.assertEqual(events, [], argv)
            self.assertTrue(err.strip(), argv)
        status, _, err = run(worker, ["checkpoint-writer", "--count", "many"])
        self.assertEqual(status, 2)
        self.assertIn("--count must be a whole number", err)


class EffectsAndStateTests(unittest.TestCase):
    def test_effects_are_appended_and_counted_into_the_readers_state(self):
        with tempfile.TemporaryDirectory() as d:
            effects = os.path.join(d, "effects.txt")

            def tool(ctx):
                ctx.effect("t:0")
                ctx.effect("t:1")
                ctx.effect("t:0")

            def reader(ctx):
                ctx.state({})
            worker = Worker("core", "1", roles={"tool-client": tool, "reader": reader}, ops=[])
            self.assertEqual(run(worker, ["tool-client", "--effects", effects])[0], 0)
            with open(effects) as f:
                self.assertEqual(f.read(), "t:0\nt:1\nt:0\n")
            status, events, _ = run(worker, ["reader", "--effects", effects])
            state = next(e["state"] for e in events if e["event"] == "state")
            self.assertEqual(state["effects"], {"t:0": 2, "t:1": 1})
            self.assertEqual(state["checkpoints"], [])
            self.assertEqual(state["tasks"], {})

    def test_an_effect_line_with_a_newline_is_refused(self):
        worker = Worker("core", "1", roles={}, ops=[])
        ctx = ordeal_worker.Context(worker, "r", {"effects": os.devnull}, 1)
        with self.assertRaises(ProtocolError):
            ctx.effect("a\nb")


class ParentDeathTests(unittest.TestCase):
    def test_a_worker_dies_with_its_parent(self):
        """A parent that starts a worker and is SIGKILLed leaves no worker behind."""
        code = (
            "import sys; sys.path.insert(0, %r); import ordeal_worker, time; "
            "assert ordeal_worker.die_with_parent(); print('armed', flush=True); time.sleep(30)" % KIT
        )
        parent = subprocess.Popen(
            [sys.executable, "-c", "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', %r]); "
             "print(p.pid, flush=True); time.sleep(30)" % code],
            stdout=subprocess.PIPE, text=True)
        child = int(parent.stdout.readline())
        time.sleep(0.5)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(child, signal.SIGKILL)
        self.fail("the worker outlived its parent")


class BenchWorkerTests(unittest.TestCase):
    def bench_worker(self):
        return Worker("core", "1", roles={}, ops=[], bench={"op.a": lambda o: (lambda i: None), "floor.f": lambda o: (lambda i: None)},
                      floor="floor.f", backend=lambda o: "core:" + o["backend"])

    def test_describe_lists_the_floor_first_and_names_the_core(self):
        status, events, _ = run(self.bench_worker(), ["bench-worker", "--backend", "sqlite:normal", "--tag", "t", "--describe"])
        self.assertEqual(status, 0)
        self.assertEqual(events[0]["spec"], "core:sqlite:normal")
        self.assertEqual(events[0]["ops"], ["floor.f", "op.a"])
        self.assertEqual(events[0]["floor"], "floor.f")
        self.assertGreaterEqual(events[0]["loadMillis"], 0)

    def test_an_op_run_waits_for_the_start_signal_and_reports_one_sample_per_operation(self):
        script = (
            "import sys; sys.path.insert(0, %r); import ordeal_worker; "
            "w = ordeal_worker.Worker('core', '1', roles={}, ops=[], bench={'op.a': lambda o: (lambda i: None)}); "
            "sys.exit(w.run(sys.argv[1:]))" % KIT
        )
        p = subprocess.Popen([sys.executable, "-c", script, "bench-worker", "--backend", "x", "--op", "op.a", "--warmup", "5",
                              "--iterations", "50"], stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.assertEqual(p.stdout.readline(), "ready\n")
        os.killpg(p.pid, signal.SIGUSR1)
        result = json.loads(p.stdout.readline())
        self.assertEqual(p.wait(), 0)
        self.assertEqual(result["count"], 50)
        self.assertEqual(len(result["samplesNanos"]), 50)
        self.assertTrue(all(s >= 1 for s in result["samplesNanos"]))
        self.assertLessEqual(result["startNanos"], result["endNanos"])

    def test_an_unknown_op_is_bad_usage(self):
        status, _, err = run(self.bench_worker(), ["bench-worker", "--backend", "x", "--op", "nope", "--iterations", "1"])
        self.assertEqual(status, 2)
        self.assertIn("valid: floor.f, op.a", err)


if __name__ == "__main__":
    unittest.main()
