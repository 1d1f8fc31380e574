"""A zip archive written as it is sent: no temporary file, one chunk in memory.

zipfile writes to an output it cannot seek by putting each member's sizes
and checksum after its data (a data descriptor), which every unzip reads.
Members whose size is known in advance get Zip64 headers when they need them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

CHUNK = 256 * 1024
# Formats that are compressed already: deflating them again costs time and saves nothing.
STORED_EXTENSIONS = {
    "7z", "docx", "gz", "jpeg", "jpg", "mp3", "mp4", "ods", "odt", "png", "pptx", "rar",
    "webp", "xlsx", "xz", "zip",
}


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that hands back what was written since last asked."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


@dataclass(frozen=True)
class Member:
    """One file of the archive: its name inside it, and where its bytes come from."""

    name: str
    modified: datetime
    size: int
    open: Callable[[], BinaryIO]  # called when the member is written


def _info(member: Member) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(member.name, date_time=member.modified.timetuple()[:6])
    extension = member.name.rsplit(".", 1)[-1].lower() if "." in member.name else ""
    info.compress_type = (zipfile.ZIP_STORED if extension in STORED_EXTENSIONS
                          else zipfile.ZIP_DEFLATED)
    info.file_size = member.size  # lets zipfile choose Zip64 headers for large files
    info.external_attr = 0o644 << 16
    return info


def stream_zip(members: list[Member]) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
        for member in members:
            with member.open() as source, archive.open(_info(member), mode="w") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    yield sink.take()
