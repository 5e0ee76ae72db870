"""Regenerates the Evidence known-answer fixtures with Python's `cryptography` package.

Run from this folder: python3 make_fixtures.py
The Ed25519 key is RFC 8032's test 1 seed; Ed25519 is deterministic, so the signatures are
fixed. The P-256 key was generated once and is kept (p256.key); ECDSA signatures are random,
so p256-signature.der.b64 changes on each run, and any of them must verify.
"""
import base64, json, os
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
MESSAGE = b"Ordeal evidence known-answer message\n"
PKCS8 = dict(encoding=serialization.Encoding.PEM, format=serialization.PrivateFormat.PKCS8,
             encryption_algorithm=serialization.NoEncryption())
SPKI = dict(encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo)


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


write("message.txt", MESSAGE)
ed = Ed25519PrivateKey.from_private_bytes(SEED)
write("ed25519.key", ed.private_bytes(**PKCS8))
write("ed25519.pub", ed.public_key().public_bytes(**SPKI))
write("ed25519-signature.hex", ed.sign(MESSAGE).hex().encode() + b"\n")

if not os.path.exists("p256.key"):
    write("p256.key", ec.generate_private_key(ec.SECP256R1()).private_bytes(**PKCS8))
p256 = serialization.load_pem_private_key(open("p256.key", "rb").read(), password=None)
write("p256.pub", p256.public_key().public_bytes(**SPKI))
sig = p256.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
write("p256-signature.der.b64", base64.b64encode(sig) + b"\n")

# A DSSE envelope made entirely in Python, over an in-toto statement in canonical JSON.
statement = {"_type": "https://in-toto.io/Statement/v1",
             "predicate": {"summary": "fixture", "verdict": "pass"},
             "predicateType": "https://ordeal.dev/attestation/run/v1",
             "subject": [{"digest": {"sha256": "ab" * 32}, "name": "report.json"}]}
payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
spki_der = ed.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
from hashlib import sha256
envelope = {"payload": base64.b64encode(payload).decode(), "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"keyid": sha256(spki_der).hexdigest(),
                            "sig": base64.b64encode(ed.sign(pae("application/vnd.in-toto+json", payload))).decode()}]}
write("envelope-ed25519.json", json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode())
write("ed25519.keyid", sha256(spki_der).hexdigest().encode() + b"\n")
