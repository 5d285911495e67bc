#!/usr/bin/env python3
"""Writes password.json: password pages' known answers (core/src/sealed.rs),
made with Python's hashlib (OpenSSL's PBKDF2) and `cryptography` (OpenSSL's
AES-GCM), not with the Rust code they check.

The page key is PBKDF2-HMAC-SHA256(password as UTF-8, salt = the link's 32
key bytes, iterations, 32 bytes); the wire text is
`ep2p1:pbkdf2-sha256:<iterations>:` + base64url(nonce || AES-256-GCM of the
text under that key), without padding.

    python3 core/vectors/password.py > core/vectors/password.json
"""
import base64
import hashlib
import json

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vector(key, password, iterations, nonce, text):
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), key, iterations, 32)
    sealed = AESGCM(derived).encrypt(nonce, text.encode(), None)
    return {
        "key": b64(key),
        "password": password,
        "iterations": iterations,
        "derived": b64(derived),
        "nonce": b64(nonce),
        "text": text,
        "wire": f"ep2p1:pbkdf2-sha256:{iterations}:" + b64(nonce + sealed),
    }


vectors = [
    vector(bytes(32), "a", 1, bytes(12), "a"),
    vector(bytes(range(32)), "correct horse battery staple", 1000, b"\xca" * 12, "Hello, world!"),
    vector(bytes([0xfb] * 32), "Grüße 😀 パスワード", 4096, b"\xff" * 8 + bytes(4), "Grüße aus Köln\nSecond line\r\n"),
    vector(bytes(range(0xaa, 0xca)), "hunter2", 600000, bytes(range(12)), "# Meeting notes\n\nRoom 4, at noon.\n"),
]
print("[")
print(",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in vectors))
print("]")
