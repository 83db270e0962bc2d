"""Evidence files on disk: received into a staging file (type sniffed from the content, size counted, SHA-256
taken while writing), then moved into place with one rename, so a file is either whole under its key or absent.
A full disk (ENOSPC, EDQUOT) while receiving is the 507 problem `evidence.storage_full`, with the staging file
removed. S3-compatible storage would replace this module behind the same three calls (stage, keep, path)."""

from __future__ import annotations

import errno
import hashlib
import os
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from fupin.core.errors import FieldError, ProblemError

COPY_CHUNK = 256 * 1024
# multipart framing and the form fields around the file, on top of the file's own limit
FORM_OVERHEAD = 64 * 1024
# content signatures of the accepted types (never the extension or the declared type)
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
FULL_DISK = frozenset({errno.ENOSPC, errno.EDQUOT})


def sniff(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) of a file judged by its first bytes, or None for anything not allowed."""
    for magic, media, ext in SIGNATURES:
        if head.startswith(magic):
            return media, ext
    return None


def storage_full() -> ProblemError:
    return ProblemError(
        507,
        "evidence.storage_full",
        "存储空间已满, 文件未保存, 请联系管理员 (the evidence storage is full; nothing was stored)",
    )


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "evidence.too_large",
        f"文件超过 {limit} 字节的上限 (the file exceeds the limit)",
        [FieldError(pointer="/file", code="evidence.too_large", message=f"最大 {limit} 字节")],
    )


def unsupported_type() -> ProblemError:
    return ProblemError(
        415,
        "evidence.unsupported_type",
        "只接受 JPEG、PNG 照片或 PDF 文件 (judged by content: JPEG, PNG or PDF)",
        [FieldError(pointer="/file", code="evidence.unsupported_type", message="文件类型须为 JPEG、PNG 或 PDF")],
    )


def write_chunk(out: IO[bytes], chunk: bytes) -> None:
    """Every byte of a staged file is written here (one place where the disk can be full)."""
    out.write(chunk)


@dataclass(slots=True)
class Staged:
    path: Path
    size: int
    sha256: str
    content_type: str
    extension: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _staging_dir(root: Path) -> Path:
    folder = root / ".staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise too_large(limit - FORM_OVERHEAD)
        yield chunk


async def _stage(upload: UploadFile, root: Path, limit: int) -> Staged:
    path = _staging_dir(root) / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    kind: tuple[str, str] | None = None
    try:
        with path.open("wb") as out:
            while chunk := await upload.read(COPY_CHUNK):
                if size == 0:
                    kind = sniff(chunk)
                    if kind is None:
                        raise unsupported_type()
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                digest.update(chunk)
                write_chunk(out, chunk)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        if exc.errno in FULL_DISK:
            raise storage_full() from exc
        raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if kind is None:
        path.unlink(missing_ok=True)
        raise ProblemError(
            422,
            "evidence.empty",
            "上传的文件为空 (the file is empty)",
            [FieldError(pointer="/file", code="evidence.empty", message="文件为空")],
        )
    return Staged(path, size, digest.hexdigest(), kind[0], kind[1])


async def receive(request: Request, root: Path, limit: int) -> tuple[dict[str, str], str, Staged]:
    """The multipart form of an upload: its text fields, the file's name and the staged file (checked: allowed
    type by content, at most `limit` bytes, not empty). Raises the problem of the first thing wrong, with
    nothing left behind."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ProblemError(
            415,
            "evidence.multipart_required",
            "请以 multipart/form-data 上传文件 (send the file as multipart/form-data)",
        )
    try:
        form = await MultiPartParser(
            request.headers, _limited(request, limit + FORM_OVERHEAD), max_files=1, max_fields=10
        ).parse()
    except MultiPartException as exc:
        raise ProblemError(400, "malformed_body", f"multipart 请求格式错误: {exc.message}")
    except OSError as exc:  # the parser spools a large file to a temporary file
        if exc.errno in FULL_DISK:
            raise storage_full() from exc
        raise
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ProblemError(
                422,
                "validation_failed",
                "缺少上传文件 (the multipart field file is missing)",
                [FieldError(pointer="/file", code="required", message="请选择要上传的文件")],
            )
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        filename = upload.filename or "upload"
        staged = await _stage(upload, root, limit)
    finally:
        await form.close()
    return fields, filename, staged


def storage_key(public_id: uuid.UUID, extension: str) -> str:
    hexed = public_id.hex
    return f"{hexed[:2]}/{hexed[2:4]}/{hexed}.{extension}"


def keep(staged: Staged, root: Path, key: str) -> Path:
    """Move a staged file under its key (one rename: whole or absent)."""
    target = root / key
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)
    except OSError as exc:
        staged.discard()
        if exc.errno in FULL_DISK:
            raise storage_full() from exc
        raise
    return target


def path_of(root: Path, key: str) -> Path:
    return root / key
