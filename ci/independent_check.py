#!/usr/bin/env python3
"""Checks a signed run folder with independent implementations of each format Ordeal writes,
then checks that a tampered copy fails every one of them.

  DSSE and in-toto  securesystemslib verifies attestation.dsse.json with the public key (key id:
                    SHA-256 of its SPKI DER, as Ordeal writes it), and every subject's SHA-256
                    is recomputed from the file it names.
  report.json       jsonschema (Draft 2020-12, with format checks) against docs/report.schema.json.
  junit.xml         xmllint against Jenkins' junit-10.xsd; junitparser reads it (counts, time).

usage: ci/independent_check.py RUN_FOLDER PUBLIC_KEY.pem JUNIT_XSD
Exit 0 when the run passes all three and the tampered copy fails all three; 1 otherwise.
"""
import base64, hashlib, json, os, shutil, subprocess, sys, tempfile

import jsonschema
import junitparser
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dsse(folder, pem):
    key = load_pem_public_key(pem)
    keyid = hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()
    with open(os.path.join(folder, "attestation.dsse.json")) as f:
        envelope = Envelope.from_dict(json.load(f))
    try:
        envelope.verify([SSlibKey.from_crypto(key, keyid=keyid)], 1)
    except Exception as e:  # securesystemslib raises VerificationError
        return False, f"signature rejected: {e}"
    statement = json.loads(envelope.payload)
    if statement.get("_type") != "https://in-toto.io/Statement/v1":
        return False, f"not an in-toto v1 statement: {statement.get('_type')}"
    for subject in statement["subject"]:
        path = os.path.join(folder, subject["name"])
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != subject["digest"]["sha256"]:
                return False, f"subject {subject['name']}: digest differs"
    return True, f"signature by key {keyid[:16]}... verified, {len(statement['subject'])} subjects match"


def schema(folder):
    with open(os.path.join(REPO, "docs", "report.schema.json")) as f:
        validator = jsonschema.Draft202012Validator(json.load(f), format_checker=jsonschema.FormatChecker())
    with open(os.path.join(folder, "report.json")) as f:
        errors = list(validator.iter_errors(json.load(f)))
    if errors:
        return False, f"{len(errors)} schema error(s), first: {errors[0].message[:200]}"
    return True, "report.json is valid"


def junit(folder, xsd):
    path = os.path.join(folder, "junit.xml")
    lint = subprocess.run(["xmllint", "--noout", "--schema", xsd, path], capture_output=True, text=True)
    if lint.returncode != 0:
        return False, "xmllint: " + (lint.stderr.strip().splitlines() or ["?"])[0]
    xml = junitparser.JUnitXml.fromfile(path)
    suites = list(xml)
    tests = sum(s.tests for s in suites)
    time = sum(s.time for s in suites)
    cases = [c for s in suites for c in s]
    timed = sum(1 for c in cases if c.time > 0)
    if time <= 0 or timed == 0:
        return False, f"junitparser reads {time:.3f} s in all: no case carries its time"
    skipped = sum(s.skipped for s in suites)
    return True, (f"valid against junit-10.xsd; junitparser: {len(suites)} suites, {tests} tests, "
                  f"{sum(s.failures for s in suites)} failures, {sum(s.errors for s in suites)} errors, "
                  f"{skipped} skipped, {time:.3f} s, {timed} of {len(cases)} cases with a time above 0")


def tamper(src, dst):
    shutil.copytree(src, dst)
    report = os.path.join(dst, "report.json")
    text = open(report).read()
    open(report, "w").write(text.replace('"verdict": "pass"', '"verdict": "tampered"', 1))
    junit_path = os.path.join(dst, "junit.xml")
    text = open(junit_path).read()
    open(junit_path, "w").write(text.replace("<testcase ", "<bogus/><testcase ", 1))
    attestation = os.path.join(dst, "attestation.dsse.json")
    envelope = json.load(open(attestation))
    payload = base64.b64decode(envelope["payload"]).decode()
    forged = payload.replace('"verdict":"pass"', '"verdict":"fail"')
    assert forged != payload, "the attestation's payload names no passing verdict to forge"
    envelope["payload"] = base64.b64encode(forged.encode()).decode()
    json.dump(envelope, open(attestation, "w"))


def main():
    folder, pub, xsd = sys.argv[1], sys.argv[2], sys.argv[3]
    pem = open(pub, "rb").read()
    ok = True
    for label, target, want in [("run", folder, True), ("tampered copy", None, False)]:
        work = None
        if target is None:
            work = tempfile.mkdtemp()
            target = os.path.join(work, "run")
            tamper(folder, target)
        for name, (held, detail) in [("dsse", dsse(target, pem)), ("schema", schema(target)), ("junit", junit(target, xsd))]:
            good = held == want
            ok &= good
            print(f"{'ok  ' if good else 'FAIL'} {label}: {name}: {'holds' if held else 'rejected'}: {detail}")
        if work:
            shutil.rmtree(work)
    print("independent check:", "every consumer accepts the run and rejects the tampered copy" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
