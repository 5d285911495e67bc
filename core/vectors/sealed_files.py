#!/usr/bin/env python3
"""Writes sealed_files.json: encrypted file pages' known answers
(core/src/sealed_files.rs), made with Python's hashlib, json and
`cryptography` (OpenSSL's AES-GCM), not with the Rust code they check.

Each file's bytes are byte(i) = (i * 7 + seed) % 251. A file is cut into
pieces of chunk - 16 bytes; piece i of file f is sealed with AES-256-GCM
under the page key with the nonce ff ff ff ff || f (u32 BE) || i (u32 BE);
the sealed pieces are the ciphertext chunks, whose Merkle root (as in
manifest.py) the outer manifest gives. The names, types and sizes are the
`ep2p1:` text of {"files":[{"name","type","size"}]} under the page key with
the vector's nonce.

    python3 core/vectors/sealed_files.py > core/vectors/sealed_files.json
"""
import base64
import hashlib
import json
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from manifest import data, leaf, mth


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vector(key, inner_nonce, chunk, files):
    aes = AESGCM(key)
    outer, chunks = [], []
    for f, spec in enumerate(files):
        content = data(spec["size"], spec["seed"])
        plain = chunk - 16
        sealed = [
            aes.encrypt(b"\xff" * 4 + struct.pack(">II", f, i // plain), content[i:i + plain], None)
            for i in range(0, len(content), plain)
        ]
        outer.append({"size": sum(len(s) for s in sealed), "root": mth([leaf(s) for s in sealed]).hex()})
        chunks.append([hashlib.sha256(s).hexdigest() for s in sealed])
    inner = json.dumps(
        {"files": [{"name": s["name"], "type": s["type"], "size": s["size"]} for s in files]},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    sealed_inner = "ep2p1:" + b64(inner_nonce + aes.encrypt(inner_nonce, inner.encode(), None))
    manifest = {"chunk": chunk, "files": outer, "sealed": sealed_inner}
    wire = "ep2p-sfiles1:" + json.dumps(manifest, separators=(",", ":"), ensure_ascii=False)
    return {
        "key": b64(key),
        "inner_nonce": b64(inner_nonce),
        "chunk": chunk,
        "files": files,
        "wire": wire,
        "address": hashlib.sha256(wire.encode()).hexdigest(),
        "chunk_sha256": chunks,
    }


vectors = [
    vector(bytes(range(32)), bytes(range(100, 112)), 16384, [
        {"name": "plans.pdf", "type": "application/pdf", "size": 40000, "seed": 3},
        {"name": "empty", "type": "application/octet-stream", "size": 0, "seed": 0},
        {"name": "naïve 中文.txt", "type": "text/plain", "size": 16368, "seed": 9},
    ]),
    vector(bytes(range(200, 232)), bytes(12), 262144, [
        {"name": "one.bin", "type": "application/octet-stream", "size": 262129, "seed": 1},
    ]),
]
print(json.dumps(vectors, indent=1, ensure_ascii=False))
