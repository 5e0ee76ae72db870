#!/usr/bin/env python3
"""Verifies an Ordeal run's attestation.dsse.json independently of Ordeal's Swift code.

Usage: python3 ci/verify_dsse.py RUN_DIR KEY.pub

Checks, with Python's `cryptography` package only:
  1. the DSSE envelope's shape and payloadType (application/vnd.in-toto+json);
  2. a signature whose keyid is SHA-256(SPKI DER of KEY.pub) verifies over the DSSE PAE
     "DSSEv1 <len type> <type> <len body> <body>" (ECDSA P-256/SHA-256 DER, or Ed25519);
  3. the in-toto Statement v1: each subject's sha256 equals the SHA-256 of RUN_DIR/<name>, and
     every file in RUN_DIR (except attestation.dsse.json) is a subject.

Prints one line per problem and exits 0 when all hold, 1 when any does not, 2 on bad usage.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
ATTESTATION = "attestation.dsse.json"


def pae(payload_type: bytes, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def b64decode(text: str) -> bytes:
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_signature(key, sig: bytes, message: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, message)
        elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
        else:
            return False
        return True
    except InvalidSignature:
        return False


def files_below(root: str):
    for directory, _, names in os.walk(root):
        for name in names:
            yield os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/")


def verify(run_dir: str, key_path: str) -> list:
    with open(key_path, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    keyid = hashlib.sha256(spki).hexdigest()

    with open(os.path.join(run_dir, ATTESTATION), "rb") as f:
        envelope = json.load(f)
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        return [f"{ATTESTATION}: payloadType is {envelope.get('payloadType')!r}, expected {PAYLOAD_TYPE!r}"]
    payload = b64decode(envelope["payload"])
    message = pae(PAYLOAD_TYPE.encode(), payload)
    mine = [s for s in envelope.get("signatures", []) if s.get("keyid") == keyid]
    if not mine:
        return [f"{ATTESTATION}: no signature with keyid {keyid} (the public key's)"]
    problems = []
    if not any(verify_signature(key, b64decode(s["sig"]), message) for s in mine):
        problems.append(f"{ATTESTATION}: signature does not verify over the DSSE PAE with keyid {keyid}")

    statement = json.loads(payload)
    if statement.get("_type") != STATEMENT_TYPE:
        problems.append(f"{ATTESTATION}: statement _type is {statement.get('_type')!r}")
    subjects = {}
    for subject in statement.get("subject", []):
        name, digest = subject["name"], subject["digest"]["sha256"]
        subjects[name] = digest
        path = os.path.join(run_dir, name)
        if os.path.isabs(name) or ".." in name.split("/"):
            problems.append(f"{name}: subject name escapes the run folder")
        elif not os.path.isfile(path):
            problems.append(f"{name}: MISSING")
        elif sha256_file(path) != digest:
            problems.append(f"{name}: CHANGED: sha256 {sha256_file(path)}, signed {digest}")
    for name in sorted(files_below(run_dir)):
        if name != ATTESTATION and name not in subjects:
            problems.append(f"{name}: ADDED: not a subject of the signed statement")
    return problems


def main(argv) -> int:
    if len(argv) != 3:
        print("usage: python3 ci/verify_dsse.py RUN_DIR KEY.pub", file=sys.stderr)
        return 2
    try:
        problems = verify(argv[1], argv[2])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        problems = [f"cannot verify: {type(error).__name__}: {error}"]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"OK: {ATTESTATION} verifies and every subject matches its file")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
