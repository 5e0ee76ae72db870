#!/usr/bin/env python3
"""Repro (dbos==3.4.0, SQLite system database): a recorded step output whose stored bytes
changed while the process was down is replayed on recovery as if sound.

1. A child process runs a workflow of two steps; step 1 returns {"amount": 41}, which DBOS
   records; the process is SIGKILLed inside step 2 (a crash).
2. With the process down, one digit of step 1's stored output is flipped in the SQLite file
   ("41" -> "40"), the way a bad disk sector or a stray write would change it.
3. A new process launches DBOS, which recovers the pending workflow: step 1 is not re-run, its
   record is replayed, and the workflow returns what the record now says.

Exit 1 (behaviour present) when DBOS returns the changed value without any error; exit 0 when
DBOS refuses the damaged record. DBOS stores no checksum of step outputs (operation_outputs
holds the serialized output only), so nothing on its read path can notice.
Uses only dbos and the standard library. Run: python repro_step_output_corruption.py
"""

import json
import os
import signal
import subprocess
import sys
import tempfile

from dbos import DBOS, Serializer, SetWorkflowID


class JSONSerializer(Serializer):
    """DBOS's documented `serializer` option: JSON text, so the stored output is readable."""

    def serialize(self, data):
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    def deserialize(self, serialized_data):
        return json.loads(serialized_data)

    def name(self):
        return "repro_json"


@DBOS.step()
def charge():
    return {"amount": 41}


@DBOS.step()
def crash():
    if os.environ.get("REPRO_CRASH") == "1":  # only the first run crashes here
        os.kill(os.getpid(), signal.SIGKILL)


@DBOS.workflow()
def payment():
    recorded = charge()
    crash()
    return recorded


def launch(path):
    DBOS(config={"name": "repro-corruption", "system_database_url": "sqlite:///" + path,
                 "serializer": JSONSerializer(), "log_level": "ERROR"})
    DBOS.launch()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "first-run":
        launch(sys.argv[2])
        with SetWorkflowID("payment-1"):
            payment()
        return 2  # not reached: the process is killed inside step 2
    if len(sys.argv) == 3 and sys.argv[1] == "recover":
        launch(sys.argv[2])  # recovers the pending workflow on launch
        try:
            result = DBOS.retrieve_workflow("payment-1").get_result(polling_interval_sec=0.05)
        except Exception as error:
            print(json.dumps({"error": "%s: %s" % (type(error).__name__, error)}))
            return 0
        print(json.dumps({"result": result}))
        return 0

    folder = tempfile.mkdtemp(prefix="dbos-repro-")
    path = os.path.join(folder, "system.sqlite")
    first = subprocess.run([sys.executable, __file__, "first-run", path], env=dict(os.environ, REPRO_CRASH="1"))
    print("first run ended with signal %d (killed inside step 2, after step 1 was recorded)" % -first.returncode)
    data = bytearray(open(path, "rb").read())
    stored = b'{"amount":41}'
    at = data.find(stored)
    if at < 0 or data.find(stored, at + 1) >= 0:
        print("setup failed: step 1's output is not stored exactly once in %s" % path)
        return 2
    data[at + len(stored) - 2] ^= 1  # '1' -> '0': still valid JSON, a different number
    with open(path, "r+b") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    print("flipped one digit of step 1's stored output: %s -> %s" % (stored.decode(), bytes(data[at:at + len(stored)]).decode()))
    env = {k: v for k, v in os.environ.items() if k != "REPRO_CRASH"}
    recovered = subprocess.run([sys.executable, __file__, "recover", path], capture_output=True, text=True, timeout=120, env=env)
    answer = json.loads(recovered.stdout.strip().splitlines()[-1])
    if answer.get("result") == {"amount": 40}:
        print("FAIL: DBOS recovered the workflow and replayed the changed output %s as step 1's result, "
              "without an error: its read path does not check stored step outputs" % json.dumps(answer["result"]))
        return 1
    print("OK: DBOS did not return the changed output: %s" % json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
