"""The ZIP central directory read by hand, before `zipfile` parses it (REQ-ZIP-01: a huge directory is
refused by counting its headers, not by building an object per entry)."""

from __future__ import annotations

import os
import struct
import zipfile
from typing import BinaryIO

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, 22 bytes
_EOCD_SIG, _LOCATOR_SIG, _EOCD64_SIG, _CENTRAL_SIG = (
    b"PK\x05\x06",
    b"PK\x06\x07",
    b"PK\x06\x06",
    b"PK\x01\x02",
)
_CENTRAL_SIZE, _LOCATOR_SIZE, _EOCD64_SIZE = 46, 20, 56


def central_directory(fp: BinaryIO, size: int) -> tuple[int, int]:
    """(offset, size) of the central directory, found the way `zipfile` finds it (ZIP64 included)."""
    tail_len = min(size, _EOCD.size + 0xFFFF)
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    if tail[-_EOCD.size : -_EOCD.size + 4] == _EOCD_SIG and tail[-2:] == b"\0\0":
        at = len(tail) - _EOCD.size
    else:
        at = tail.rfind(_EOCD_SIG)
    if at < 0 or len(tail) - at < _EOCD.size:
        raise zipfile.BadZipFile("no end of central directory record")
    cd_size = _EOCD.unpack_from(tail, at)[5]
    eocd = size - tail_len + at
    if eocd >= _LOCATOR_SIZE + _EOCD64_SIZE:
        fp.seek(eocd - _LOCATOR_SIZE)
        if fp.read(4) == _LOCATOR_SIG:
            eocd -= _LOCATOR_SIZE + _EOCD64_SIZE
            fp.seek(eocd)
            record = fp.read(_EOCD64_SIZE)
            if record[:4] != _EOCD64_SIG or len(record) != _EOCD64_SIZE:
                raise zipfile.BadZipFile("corrupt ZIP64 end of central directory record")
            cd_size = struct.unpack_from("<Q", record, 40)[0]
    if cd_size > eocd:
        raise zipfile.BadZipFile("central directory larger than the archive")
    return eocd - cd_size, cd_size


def count_entries(fp: BinaryIO, start: int, cd_size: int, max_members: int) -> int:
    """The number of central directory headers, walked without `zipfile` building one object per entry;
    the walk stops past ``max_members`` (so the caller can refuse a huge directory cheaply)."""
    fp.seek(start)
    pos = count = 0
    while pos < cd_size:
        head = fp.read(_CENTRAL_SIZE)
        if len(head) != _CENTRAL_SIZE or head[:4] != _CENTRAL_SIG:
            raise zipfile.BadZipFile("bad central directory header")
        skip = sum(struct.unpack_from("<3H", head, 28))  # name, extra and comment lengths
        fp.seek(skip, os.SEEK_CUR)
        pos += _CENTRAL_SIZE + skip
        count += 1
        if count > max_members:
            break
    return count
