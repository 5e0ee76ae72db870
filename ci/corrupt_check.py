#!/usr/bin/env python3
"""Corrupts one byte of one file of a signed run folder, 200 times (seeded), and checks that
`ordeal verify` fails on each and names the file.

usage: python3 ci/corrupt_check.py RUN_FOLDER PUBLIC_KEY.pub PATH_TO_ORDEAL
Exit 0 when all 200 are detected, 1 otherwise. Works on copies; the folder is not changed.
"""
import os, random, shutil, subprocess, sys
src, pub, ordeal = sys.argv[1], sys.argv[2], sys.argv[3]
rng = random.Random(20261124)
files = []
for root, _, names in os.walk(src):
    for n in names:
        if os.path.getsize(os.path.join(root, n)) > 0: files.append(os.path.relpath(os.path.join(root, n), src))
files.sort()
detected = 0
for i in range(200):
    work = "/tmp/corrupt-work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(src, work)
    rel = rng.choice(files)
    path = os.path.join(work, rel)
    data = bytearray(open(path, "rb").read())
    pos = rng.randrange(len(data))
    data[pos] = (data[pos] + 1 + rng.randrange(255)) % 256
    open(path, "wb").write(data)
    r = subprocess.run([ordeal, "verify", work, "--pubkey", pub], capture_output=True, text=True)
    if r.returncode == 1 and rel.split("/")[-1] in r.stdout:
        detected += 1
    else:
        print("NOT DETECTED or not named:", rel, pos, r.returncode, r.stdout[-300:])
shutil.rmtree("/tmp/corrupt-work", ignore_errors=True)
print(f"{detected} of 200 single-byte corruptions detected and named by ordeal verify ({len(files)} files in the run folder)")
sys.exit(0 if detected == 200 else 1)
