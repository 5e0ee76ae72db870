#!/usr/bin/env python3
"""The kit's reference worker (foreign_worker.py), started the way many libraries start: a child
process first (DBOS's croniter runs /usr/bin/file at import). The child inherits the fault shim
with the environment; it must not pass for the worker, or the runner would refuse to aim a
disk or power fault at a worker that has the shim."""

import os
import runpy
import subprocess

subprocess.run(["/bin/true"], check=True)
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "foreign_worker.py"), run_name="__main__")
