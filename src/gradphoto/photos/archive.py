"""A photo batch ZIP opened safely (RELIABILITY.md §3.1, REQ-ZIP-01 … 08; PRODUCT.md "Photo batch").

Everything is decided from the central directory before any member is read: entry count (counted by our
own walk, so a huge directory is refused before `zipfile` parses it), layout (no overlapping members),
encryption, compression method, links, path safety, names (decoded once per archive), duplicates, nested
archives, declared sizes and ratios, and the single root manifest. Members are then read into memory by
their decoded name with a byte counter; nothing is ever extracted or written to disk.
"""

from __future__ import annotations

import os
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

from gradphoto.common.tabular import FileRejected

from .archive_names import MANIFESTS, Reading, lookup, member_key, wrapping_folder
from .zipdir import central_directory, count_entries

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
# Stored and Deflate only: what Windows, macOS and collection tools write. LZMA is refused on purpose
# (its header chooses the dictionary size, i.e. the memory we would allocate); Deflate64/AES are unreadable.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_RATIO_EXEMPT = 64 * 1024
_NESTED = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
_JUNK_DIRS = frozenset({"__macosx"})
_JUNK_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_LOCAL_SIZE = 30  # a local file header without its name and extra field
_CHUNK = 64 * 1024
# What zipfile raises on a damaged archive or member (a name flagged UTF-8 that is not: UnicodeDecodeError).
_BROKEN = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    struct.error,
    NotImplementedError,
)
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf"})  # control characters, bidi overrides, zero-width marks

_MESSAGES = {
    "not_zip": "文件不是有效的 ZIP 压缩包，或压缩包已损坏。",
    "archive_too_large": "压缩包过大（上限 {limit}）。",
    "too_many_members": "压缩包内文件过多（上限 {limit} 个）。",
    "overlapping_members": "压缩包结构异常：文件数据相互重叠（疑似压缩炸弹）。",
    "encrypted": "压缩包内有加密文件「{name}」，请去掉密码后重新打包。",
    "unsupported_compression": "压缩包内文件「{name}」使用了不支持的压缩方式，请用标准 ZIP 格式重新打包。",
    "link": "压缩包内有符号链接或特殊文件「{name}」，不予接受。",
    "unsafe_path": "压缩包内文件路径不安全「{name}」。",
    "bad_names": "无法识别压缩包内文件名的编码（既不是 UTF-8 也不是 GBK），请重新打包。",
    "duplicate_name": "压缩包内文件重名「{name}」与「{other}」（文件名不区分大小写）。",
    "nested_archive": "压缩包内不能再包含压缩包「{name}」。",
    "member_too_large": "压缩包内文件「{name}」过大（上限 {limit}）。",
    "too_large_uncompressed": "压缩包解压后的总大小超过上限（{limit}）。",
    "compression_ratio": "压缩包内文件「{name}」的压缩比异常（疑似压缩炸弹）。",
    "no_manifest": "压缩包根目录下缺少清单文件 manifest.csv 或 manifest.xlsx。",
    "two_manifests": "压缩包根目录下只能有一个清单文件（manifest.csv 或 manifest.xlsx）。",
    "corrupt_member": "压缩包内文件「{name}」已损坏，无法读取。",
}


@dataclass(frozen=True)
class ArchiveLimits:
    max_archive_bytes: int = 2 * 1024**3
    max_members: int = 50_000
    max_member_bytes: int = 5 * 1024**2  # one photo or the manifest
    max_total_bytes: int = 4 * 1024**3  # sum of uncompressed sizes
    max_ratio: float = 100.0  # uncompressed/compressed per member (members < 64 KB exempt)


DEFAULT_LIMITS = ArchiveLimits()


class ArchiveRejected(FileRejected):
    """The batch ZIP is refused as a whole (or one member cannot be read); `code` as in `_MESSAGES`."""

    code = "archive_rejected"


def _reject(code: str, *, name: str = "", other: str = "", limit: int = 0) -> ArchiveRejected:
    text = _MESSAGES[code].format(name=_shown(name), other=_shown(other), limit=_size(limit))
    return ArchiveRejected(text, code=code)


def _shown(name: str) -> str:
    """A name safe to put in a message: control characters replaced, length bounded."""
    clean = "".join("?" if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in name)
    return clean if len(clean) <= 120 else clean[:117] + "..."


def _size(limit: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if limit >= factor:
            return f"{limit / factor:g} {unit}"
    return str(limit)


class BatchArchive:
    """A photo batch ZIP opened safely: names decoded once, every hazard checked before any read."""

    manifest_name: str  # "manifest.csv" or "manifest.xlsx" (at the root, case-insensitive); exactly one

    def __init__(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        limits: ArchiveLimits = DEFAULT_LIMITS,
        *,
        manifest_required: bool = True,
    ) -> None:
        self._limits = limits
        self._manifest_required = manifest_required
        self._owned: BinaryIO | None = None
        if isinstance(source, str | os.PathLike):
            source = self._owned = open(source, "rb")  # noqa: SIM115 - closed by close()
        try:
            self._zip, start = _open_zip(source, limits)
        except BaseException:
            self._close_owned()
            raise
        try:
            self._scan(start)
        except BaseException:
            self.close()
            raise

    def _scan(self, start: int) -> None:
        infos = self._zip.infolist()
        if len(infos) > self._limits.max_members:
            raise _reject("too_many_members", limit=self._limits.max_members)
        _check_layout(infos, start)
        self._readings: list[Reading] = []
        refused: ArchiveRejected | None = None
        for names in _decode_names(infos):  # one reading, or UTF-8 and GB18030 when both decode
            try:
                self._readings.append(self._members_of(names, infos))
            except ArchiveRejected as error:
                refused = refused or error
        if not self._readings:
            raise refused or _reject("bad_names")
        self._take(self._readings[0])

    def _take(self, reading: Reading) -> None:
        self._members, self._root = reading.members, reading.root
        self.manifest_name = reading.manifest

    def _members_of(self, names: list[str], infos: list[zipfile.ZipInfo]) -> Reading:
        kept: list[tuple[str, zipfile.ZipInfo]] = []
        for raw, info in zip(names, infos, strict=True):
            name = _classify(raw, info)
            if name is not None and not _is_junk(name):
                kept.append((name, info))
        _check_sizes(kept, self._limits)
        members = _index(kept)
        if not self._manifest_required:
            return Reading(members, "", "")
        root = wrapping_folder(kept)
        manifest = _find_manifest([(n[len(root) :], i) for n, i in kept if n.startswith(root)])
        return Reading(members, root, root + manifest)

    def settle_names(self, listed: list[str]) -> None:
        """Where unflagged names read as both UTF-8 and GB18030, keep the reading in which more of the
        manifest's file names exist (ZIP-08: 3 % of short GBK names are also valid UTF-8); UTF-8 on a tie."""

        def found(reading: Reading) -> int:
            return sum(lookup(reading.members, reading.root, name) is not None for name in listed)

        self._take(max(self._readings, key=found))

    def has(self, name: str) -> bool:
        """Whether the batch holds ``name`` (looked up as ``read`` does)."""
        return self.member_key(name) is not None

    def member_key(self, name: str) -> str | None:
        """The member ``name`` refers to (as ``read`` finds it), as one key per member; None if absent:
        two names with the same key are the same file ("./a.jpg" and "a.jpg", or with the folder)."""
        return lookup(self._members, self._root, name)

    def unlisted(self, listed: list[str]) -> list[str]:
        """Photo names that no name in ``listed`` refers to, sorted."""
        keys = {lookup(self._members, self._root, name) for name in listed}
        return sorted(name for key, name in self._photo_keys() if key not in keys)

    def manifest_bytes(self) -> bytes:
        return self.read(self.manifest_name)

    def photo_names(self) -> list[str]:
        """Decoded, NFC-normalised posix names of the regular members other than the manifest."""
        return [name for _key, name in self._photo_keys()]

    def _photo_keys(self) -> list[tuple[str, str]]:
        manifest = member_key(self.manifest_name)
        return [(key, name) for key, (name, _info) in self._members.items() if key != manifest]

    def read(self, name: str, *, max_bytes: int | None = None) -> bytes:
        """The member's bytes, streamed with a counter: never more than max_member_bytes (or max_bytes).

        Lookup is by decoded name, Unicode- and case-insensitively; KeyError for a name not in the batch.
        """
        if self._zip.fp is None:
            raise ValueError("BatchArchive is closed")
        key = lookup(self._members, self._root, name)
        if key is None:
            raise KeyError(name)
        shown, info = self._members[key]
        cap = (
            self._limits.max_member_bytes
            if max_bytes is None
            else min(max_bytes, self._limits.max_member_bytes)
        )
        return _read_capped(self._zip, info, shown, cap)

    def close(self) -> None:
        self._zip.close()
        self._close_owned()

    def _close_owned(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> BatchArchive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _open_zip(fp: BinaryIO, limits: ArchiveLimits) -> tuple[zipfile.ZipFile, int]:
    """The parsed ZipFile and where its central directory starts; size and entry count checked first."""
    try:
        size = fp.seek(0, os.SEEK_END)
        if size > limits.max_archive_bytes:
            raise _reject("archive_too_large", limit=limits.max_archive_bytes)
        start, cd_size = central_directory(fp, size)
        if count_entries(fp, start, cd_size, limits.max_members) > limits.max_members:
            raise _reject("too_many_members", limit=limits.max_members)
        fp.seek(0)
        return zipfile.ZipFile(fp), start
    except UnicodeDecodeError as exc:  # a name flagged UTF-8 that is not
        raise _reject("bad_names") from exc
    except _BROKEN as exc:
        raise _reject("not_zip") from exc


def _check_layout(infos: list[zipfile.ZipInfo], start: int) -> None:
    """Each member's local header and data end before the next begins (overlap, quoted-overlap bombs)."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    ends = [info.header_offset for info in ordered[1:]] + [start] if ordered else []
    for info, end in zip(ordered, ends, strict=True):
        if info.header_offset < 0 or info.header_offset + _LOCAL_SIZE + info.compress_size > end:
            raise _reject("overlapping_members")


def _decode_names(infos: list[zipfile.ZipInfo]) -> list[list[str]]:
    """Names as written: UTF-8 where flagged; the rest decided once per archive (REQ-ZIP-08): GB18030,
    or UTF-8 when every one is valid UTF-8 (macOS and Linux tools write it unflagged). When both decode
    and differ, both readings are returned, UTF-8 first; `BatchArchive.settle_names` picks one."""
    raw = {id(info): info.orig_filename.encode("cp437") for info in infos if not info.flag_bits & _UTF8_FLAG}
    readings = []
    for encoding in ("utf-8", "gb18030"):
        try:
            decoded = {key: name.decode(encoding) for key, name in raw.items()}
        except UnicodeDecodeError:
            continue
        names = [decoded.get(id(info), info.orig_filename) for info in infos]
        if names not in readings:
            readings.append(names)
    if not readings:
        raise _reject("bad_names")
    return readings


def _classify(raw: str, info: zipfile.ZipInfo) -> str | None:
    """The normalised name of a regular member, None for a directory; hazards raise."""
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise _reject("encrypted", name=raw)
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix file type recorded (Windows, zipfile)
    if stat.S_ISLNK(kind):
        raise _reject("link", name=raw)
    name = _normalise(raw)
    if raw.endswith("/") or stat.S_ISDIR(kind):
        return None
    if kind and not stat.S_ISREG(kind):
        raise _reject("link", name=raw)
    if info.compress_type not in _METHODS:
        raise _reject("unsupported_compression", name=raw)
    return name


def _normalise(raw: str) -> str:
    """NFC posix name without empty or "." parts; refuses traversal, absolute, drive and backslash names."""
    name = unicodedata.normalize("NFC", raw)
    unsafe = (
        name.startswith("/")
        or "\\" in name
        or (len(name) >= 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha())
        or any(unicodedata.category(c) in _UNSAFE_CATEGORIES for c in name)
    )
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if unsafe or not parts or ".." in parts:
        raise _reject("unsafe_path", name=raw)
    return "/".join(parts)


def _is_junk(name: str) -> bool:
    parts = name.casefold().split("/")
    return parts[0] in _JUNK_DIRS or parts[-1] in _JUNK_FILES or parts[-1].startswith("._")


def _check_sizes(kept: list[tuple[str, zipfile.ZipInfo]], limits: ArchiveLimits) -> None:
    total = 0
    for name, info in kept:
        if name.casefold().endswith(_NESTED):
            raise _reject("nested_archive", name=name)
        if info.file_size > limits.max_member_bytes:
            raise _reject("member_too_large", name=name, limit=limits.max_member_bytes)
        if info.file_size >= _RATIO_EXEMPT and info.file_size > limits.max_ratio * info.compress_size:
            raise _reject("compression_ratio", name=name)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise _reject("too_large_uncompressed", limit=limits.max_total_bytes)


def _index(kept: list[tuple[str, zipfile.ZipInfo]]) -> dict[str, tuple[str, zipfile.ZipInfo]]:
    members: dict[str, tuple[str, zipfile.ZipInfo]] = {}
    for name, info in kept:
        key = member_key(name)
        if key in members:
            raise _reject("duplicate_name", name=members[key][0], other=name)
        members[key] = (name, info)
    return members


def _find_manifest(kept: list[tuple[str, zipfile.ZipInfo]]) -> str:
    found = [name.casefold() for name, _info in kept if name.casefold() in MANIFESTS]
    if not found:
        raise _reject("no_manifest")
    if len(found) > 1:
        raise _reject("two_manifests")
    return found[0]


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, cap: int) -> bytes:
    """Stream one member, counting bytes: the declared size is not trusted (REQ-ZIP-02)."""
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > cap:
                    raise _reject("member_too_large", name=name, limit=cap)
                chunks.append(chunk)
    except (*_BROKEN, zlib.error) as exc:
        raise _reject("corrupt_member", name=name) from exc
    return b"".join(chunks)
