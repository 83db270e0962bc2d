"""The demo evidence files, made in code: a small PNG and a one-page PDF, staged as the upload path stages them."""

from __future__ import annotations

import hashlib
import struct
import uuid
import zlib
from pathlib import Path

from fupin.evidence import storage

# ---------------------------------------------------------------- evidence files, made here


def demo_png(width: int = 96, height: int = 64, seed: int = 0) -> bytes:
    """A small real PNG (a soft gradient standing in for a photo of the rectification)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00"
        + bytes(
            value
            for x in range(width)
            for value in ((90 + x + seed * 17) % 256, (140 + y * 2) % 256, (170 + (x + y) // 2 + seed * 31) % 256)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def demo_pdf(title: str) -> bytes:
    """A small real one-page PDF whose text is `title` (ASCII: the standard fonts have no Chinese)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii")
    content = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def staged_file(root: Path, content: bytes) -> storage.Staged:
    """A file staged as an upload is: checked by content, counted and hashed, in the staging folder."""
    kind = storage.sniff(content)
    assert kind is not None, "the demo files are PNG or PDF"
    folder = root / ".staging"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.part"
    path.write_bytes(content)
    return storage.Staged(path, len(content), hashlib.sha256(content).hexdigest(), kind[0], kind[1])
