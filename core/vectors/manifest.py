#!/usr/bin/env python3
"""Writes manifest.json: file pages' known answers (core/src/manifest.rs),
made with Python's hashlib and json, not with the Rust code they check.

Each file's bytes are byte(i) = (i * 7 + seed) % 251. Merkle trees as RFC
9162 section 2.1: leaf = SHA-256(0x00 || chunk), node = SHA-256(0x01 || l || r),
an empty file's root SHA-256(""); proofs as its PATH(m, D[n]).

    python3 core/vectors/manifest.py > core/vectors/manifest.json
"""
import hashlib
import json


def leaf(chunk):
    return hashlib.sha256(b"\x00" + chunk).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def data(size, seed):
    return bytes((i * 7 + seed) % 251 for i in range(size))


def vector(chunk, files, proofs):
    entries, leaves_of = [], []
    for f in files:
        content = data(f["size"], f["seed"])
        leaves = [leaf(content[i:i + chunk]) for i in range(0, len(content), chunk)]
        leaves_of.append(leaves)
        entries.append({"name": f["name"], "type": f["type"], "size": f["size"], "root": mth(leaves).hex()})
    manifest = {"chunk": chunk, "files": entries}
    wire = "ep2p-files1:" + json.dumps(manifest, separators=(",", ":"), ensure_ascii=False)
    return {
        "chunk": chunk,
        "files": files,
        "wire": wire,
        "address": hashlib.sha256(wire.encode("utf-8")).hexdigest(),
        "proofs": [[f, m, [h.hex() for h in path(m, leaves_of[f])]] for f, m in proofs],
    }


K = 16 * 1024
VECTORS = [
    # One chunk, exactly full.
    vector(K, [{"name": "one.bin", "type": "application/octet-stream", "size": K, "seed": 1}], [(0, 0)]),
    # Seven chunks (not a power of two), the last one short; an empty file; a name beyond ASCII.
    vector(
        K,
        [
            {"name": "café notes.txt", "type": "text/plain", "size": 6 * K + 100, "seed": 2},
            {"name": "empty", "type": "application/octet-stream", "size": 0, "seed": 3},
        ],
        [(0, 0), (0, 3), (0, 5), (0, 6)],
    ),
    # Thirteen chunks of 32 KiB: proofs of uneven depth.
    vector(2 * K, [{"name": "photo.jpg", "type": "image/jpeg", "size": 12 * 2 * K + 1, "seed": 4}], [(0, 0), (0, 7), (0, 11), (0, 12)]),
]
if __name__ == "__main__":
    print(json.dumps(VECTORS, indent=1, ensure_ascii=False))
