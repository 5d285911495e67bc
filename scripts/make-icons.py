# Draws the app icon (public/assets/icon.svg) as the manifest's PNGs, with 4x4
# supersampling; no image library needed. Run from public/assets/.
import struct, zlib, sys
BG = (0x4f, 0x46, 0xe5)
CIRCLES = [(184, 256, 72, 1.0), (328, 180, 58, 0.8), (328, 332, 58, 0.55)]
def png(size, path):
    scale = 512 / size
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            acc = [0.0, 0.0, 0.0]
            for sy in range(4):
                for sx in range(4):
                    px = (x + (sx + 0.5) / 4) * scale
                    py = (y + (sy + 0.5) / 4) * scale
                    c = list(BG)
                    for cx, cy, r, a in CIRCLES:
                        if (px - cx) ** 2 + (py - cy) ** 2 <= r * r:
                            c = [c[i] * (1 - a) + 255 * a for i in range(3)]
                    for i in range(3):
                        acc[i] += c[i]
            row += bytes(int(round(v / 16)) for v in acc)
        rows.append(bytes(row))
    raw = b"".join(rows)
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)
for s in (192, 512):
    png(s, f"icon-{s}.png")
