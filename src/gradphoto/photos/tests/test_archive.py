"""BatchArchive (RELIABILITY.md §3.1, REQ-ZIP-01 … 08): every archive is built here with zipfile, raw
bytes crafted where zipfile will not write the hazard itself. No database."""

from __future__ import annotations

import contextlib
import io
import os
import random
import stat
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable

import pytest

from gradphoto.common.errors import DomainError
from gradphoto.common.tabular import FileRejected
from gradphoto.photos.archive import ArchiveLimits, ArchiveRejected, BatchArchive

MANIFEST = (
    "CJH,YXDM,XM,SFZH,CJRQ,ZPWJ\nC001,10001,张三,110101200001011234,2026-05-01,照片/张三.jpg\n".encode()
)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(2000) + b"\xff\xd9"

Entry = tuple[str | zipfile.ZipInfo, bytes]


class RawName(zipfile.ZipInfo):
    """A member whose name is written as the given bytes, UTF-8 flag set or cleared as asked
    (zipfile itself always flags non-ASCII names; Chinese Windows tools write GBK without the flag)."""

    def __init__(self, raw: bytes, *, utf8_flag: bool = False) -> None:
        super().__init__(raw.decode("utf-8" if utf8_flag else "cp437", errors="surrogateescape"))
        self.raw = raw
        self.utf8_flag = utf8_flag
        self.compress_type = zipfile.ZIP_DEFLATED

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        flags = self.flag_bits | 0x800 if self.utf8_flag else self.flag_bits & ~0x800
        return self.raw, flags


def gbk(name: str) -> RawName:
    return RawName(name.encode("gbk"))


def make_zip(
    entries: Iterable[Entry], *, tweak: Callable[[list[zipfile.ZipInfo]], None] | None = None
) -> bytes:
    """A ZIP of the entries (deflated); `tweak` edits the infos after writing, i.e. the central directory
    only: the local headers keep the truth, which is how a lying or hostile directory looks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        if tweak is not None:
            tweak(archive.infolist())
    return buffer.getvalue()


def batch(*extra: Entry, manifest: bool = True) -> bytes:
    entries: list[Entry] = [("manifest.csv", MANIFEST)] if manifest else []
    return make_zip([*entries, ("a.jpg", JPEG), *extra])


def open_batch(data: bytes, **limits: int | float) -> BatchArchive:
    return BatchArchive(io.BytesIO(data), ArchiveLimits(**limits))  # type: ignore[arg-type]


def rejected(data: bytes, code: str, **limits: int | float) -> ArchiveRejected:
    with pytest.raises(ArchiveRejected) as caught:
        open_batch(data, **limits)
    assert caught.value.code == code, caught.value.message
    assert caught.value.message  # Chinese, for people
    return caught.value


# --- good batches ------------------------------------------------------------------------------------


def test_good_batch_utf8_chinese_names():
    data = batch(("照片/张三.jpg", JPEG), ("李四.JPG", b"x"))
    with open_batch(data) as archive:
        assert archive.manifest_name == "manifest.csv"
        assert archive.manifest_bytes() == MANIFEST
        assert archive.photo_names() == ["a.jpg", "照片/张三.jpg", "李四.JPG"]
        assert archive.read("照片/张三.jpg") == JPEG
        assert archive.read("李四.jpg") == b"x"  # lookup ignores case, as duplicates do
        with pytest.raises(KeyError):
            archive.read("王五.jpg")


def test_gbk_names_without_flag_are_decoded_once_per_archive():
    # GBK bytes of 郑叶 are also valid UTF-8 (֣Ҷ); 张三 is not, so the whole archive is GBK.
    data = make_zip([(gbk("manifest.csv"), MANIFEST), (gbk("张三.jpg"), JPEG), (gbk("相片/郑叶.jpg"), b"y")])
    with open_batch(data) as archive:
        assert archive.photo_names() == ["张三.jpg", "相片/郑叶.jpg"]
        assert archive.read("张三.jpg") == JPEG
        assert archive.read("相片/郑叶.jpg") == b"y"


def test_flagged_utf8_and_unflagged_gbk_in_one_archive():
    data = make_zip([("manifest.csv", MANIFEST), ("王五.jpg", b"u"), (gbk("张三.jpg"), b"g")])
    with open_batch(data) as archive:
        assert archive.photo_names() == ["王五.jpg", "张三.jpg"]


def test_unflagged_utf8_names_stay_utf8():
    data = make_zip([("manifest.csv", MANIFEST), (RawName("张三.jpg".encode()), JPEG)])
    with open_batch(data) as archive:
        assert archive.photo_names() == ["张三.jpg"]


def test_macos_junk_and_directories_are_ignored():
    data = batch(
        ("__MACOSX/", b""),
        ("__MACOSX/._a.jpg", b"\0" * 100),
        ("__MACOSX/._manifest.xlsx", b"junk"),
        (".DS_Store", b"junk"),
        ("photos/", b""),
        ("photos/.DS_Store", b"junk"),
        ("photos/Thumbs.db", b"junk"),
        ("photos/b.jpg", JPEG),
    )
    with open_batch(data) as archive:
        assert archive.photo_names() == ["a.jpg", "photos/b.jpg"]


def test_names_are_nfc_posix_and_manifest_name_is_canonical():
    data = make_zip([("MANIFEST.XLSX", b"xlsx"), ("./photos//e\u0301.jpg", JPEG)])  # macOS writes NFD
    with open_batch(data) as archive:
        assert archive.manifest_name == "manifest.xlsx"
        assert archive.manifest_bytes() == b"xlsx"
        assert archive.photo_names() == ["photos/\u00e9.jpg"]
        assert archive.read("photos/e\u0301.jpg") == JPEG


def test_opens_a_path_and_closes_it(tmp_path):
    path = tmp_path / "batch.zip"
    path.write_bytes(batch())
    with BatchArchive(path) as archive:
        assert archive.read("a.jpg") == JPEG
    with BatchArchive(str(path)) as archive:
        assert archive.photo_names() == ["a.jpg"]
    with pytest.raises(ValueError, match="closed"):
        archive.read("a.jpg")


def test_rejection_is_a_file_rejected_domain_error():
    error = rejected(b"not a zip at all", "not_zip")
    assert isinstance(error, FileRejected)
    assert isinstance(error, DomainError)


def test_a_thousand_members_open_fast():
    data = make_zip([("manifest.csv", MANIFEST)] + [(f"p/{i:05d}.jpg", JPEG) for i in range(1000)])
    started = time.perf_counter()
    with open_batch(data) as archive:
        assert len(archive.photo_names()) == 1000
    elapsed = time.perf_counter() - started
    print(f"1000-member archive opened in {elapsed * 1000:.1f} ms")
    assert elapsed < 1.0


# --- whole-archive rejections ------------------------------------------------------------------------


def test_not_zip():
    rejected(b"not a zip at all", "not_zip")
    rejected(b"", "not_zip")


def test_corrupt_central_directory():
    rejected(batch().replace(b"PK\x01\x02", b"XX\x01\x02"), "not_zip")
    data = batch()
    rejected(data[: len(data) // 2], "not_zip")


def test_archive_too_large():
    data = batch()
    rejected(data, "archive_too_large", max_archive_bytes=len(data) - 1)
    open_batch(data, max_archive_bytes=len(data)).close()


def test_too_many_members_is_counted_before_zipfile_parses(monkeypatch):
    data = batch(("b.jpg", JPEG), ("c.jpg", JPEG))

    def refuse(*args, **kwargs):
        raise AssertionError("zipfile.ZipFile must not parse an over-long directory")

    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZipFile", refuse)
        rejected(data, "too_many_members", max_members=3)
    open_batch(data, max_members=4).close()


def test_overlapping_members():
    def overlap(infos: list[zipfile.ZipInfo]) -> None:
        infos[2].header_offset = infos[1].header_offset  # two names, one local header and its data

    rejected(
        make_zip([("manifest.csv", MANIFEST), ("a.jpg", JPEG), ("b.jpg", JPEG)], tweak=overlap),
        "overlapping_members",
    )


def test_encrypted():
    def encrypt(infos: list[zipfile.ZipInfo]) -> None:
        infos[1].flag_bits |= 0x1

    rejected(make_zip([("manifest.csv", MANIFEST), ("a.jpg", JPEG)], tweak=encrypt), "encrypted")


@pytest.mark.parametrize(
    "name",
    [
        "../x.jpg",
        "a/../../b.jpg",
        "/etc/x.jpg",
        "C:/x.jpg",
        "c:x.jpg",
        "..\\..\\win.jpg",
        "a\\b.jpg",
        "a\u202egpj.exe",
        "a\nb.jpg",
        "..",
        "a/../",
    ],
)
def test_unsafe_path(name):
    rejected(batch((name, JPEG)), "unsafe_path")


def test_unsafe_path_with_nul_byte():
    rejected(make_zip([("manifest.csv", MANIFEST), (RawName(b"a.jpg\0../../x"), JPEG)]), "unsafe_path")


@pytest.mark.parametrize("kind", [stat.S_IFLNK, stat.S_IFIFO, stat.S_IFCHR, stat.S_IFSOCK])
def test_link_or_other_non_regular_member(kind):
    info = zipfile.ZipInfo("photos/a-link.jpg")
    info.create_system = 3
    info.external_attr = (kind | 0o777) << 16
    rejected(batch((info, b"/etc/passwd")), "link")


def test_regular_unix_mode_and_no_mode_are_accepted():
    unix = zipfile.ZipInfo("unix.jpg")
    unix.external_attr = (stat.S_IFREG | 0o644) << 16
    dos = zipfile.ZipInfo("dos.jpg")
    dos.create_system, dos.external_attr = 0, 0x20  # Windows Explorer: archive bit only
    with open_batch(batch((unix, JPEG), (dos, JPEG))) as archive:
        assert archive.photo_names() == ["a.jpg", "unix.jpg", "dos.jpg"]


@pytest.mark.parametrize(
    ("first", "second"),
    [("b.jpg", "b.jpg"), ("B.jpg", "b.JPG"), ("\u00e9.jpg", "e\u0301.jpg"), ("p/x.jpg", "P/./X.JPG")],
)
def test_duplicate_name(first, second):
    with pytest.warns(UserWarning) if first == second else contextlib.nullcontext():
        data = batch((first, JPEG), (second, b"swapped"))
    rejected(data, "duplicate_name")


def test_duplicate_manifest_names_are_duplicates():
    rejected(make_zip([("manifest.csv", MANIFEST), ("Manifest.CSV", MANIFEST)]), "duplicate_name")


@pytest.mark.parametrize(
    "name", ["in.zip", "p/in.RAR", "in.7z", "in.tar", "in.tar.gz", "in.tgz", "in.bz2", "in.xz"]
)
def test_nested_archive(name):
    rejected(batch((name, b"PK\x03\x04")), "nested_archive")


def test_too_large_uncompressed():
    data = batch(("b.jpg", JPEG), ("c.jpg", JPEG))
    declared = len(MANIFEST) + 3 * len(JPEG)
    rejected(data, "too_large_uncompressed", max_total_bytes=declared - 1)
    open_batch(data, max_total_bytes=declared).close()


def test_compression_ratio():
    rejected(batch(("bomb.jpg", bytes(1024 * 1024))), "compression_ratio")  # ~1000:1


def test_small_members_are_exempt_from_ratio():
    with open_batch(batch(("blank.jpg", bytes(60 * 1024)))) as archive:
        assert archive.read("blank.jpg") == bytes(60 * 1024)


def test_member_too_large_declared():
    rejected(batch(), "member_too_large", max_member_bytes=len(JPEG) - 1)


def test_unsupported_compression():
    def deflate64(infos: list[zipfile.ZipInfo]) -> None:
        infos[1].compress_type = 9

    rejected(
        make_zip([("manifest.csv", MANIFEST), ("a.jpg", JPEG)], tweak=deflate64), "unsupported_compression"
    )


def test_lzma_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("manifest.csv", MANIFEST)
    rejected(buffer.getvalue(), "unsupported_compression")


def test_bad_names_neither_utf8_nor_gb18030():
    rejected(make_zip([("manifest.csv", MANIFEST), (RawName(b"\xff\xfe.jpg"), JPEG)]), "bad_names")


def test_bad_names_flagged_utf8_that_is_not():
    rejected(
        make_zip([("manifest.csv", MANIFEST), (RawName(b"\xd5\xc5.jpg", utf8_flag=True), JPEG)]), "bad_names"
    )


def test_no_manifest():
    rejected(batch(manifest=False), "no_manifest")
    rejected(batch(("sub/manifest.csv", MANIFEST), manifest=False), "no_manifest")  # root only
    rejected(batch(("manifest.txt", MANIFEST), manifest=False), "no_manifest")


def test_a_batch_zipped_from_its_folder_reads_from_inside_that_folder():
    data = make_zip(
        [
            ("2026届/", b""),
            ("2026届/manifest.csv", MANIFEST),
            ("2026届/照片/张三.jpg", JPEG),
            ("__MACOSX/2026届/._manifest.csv", b"junk"),
        ]
    )
    with open_batch(data) as archive:
        assert archive.manifest_bytes() == MANIFEST
        assert archive.photo_names() == ["2026届/照片/张三.jpg"]
        assert archive.read("照片/张三.jpg") == JPEG  # ZPWJ relative to the folder
        assert archive.read("2026届/照片/张三.jpg") == JPEG  # or naming it
        assert archive.has("照片/张三.jpg") and not archive.has("张三.jpg")
        assert archive.unlisted(["照片/张三.jpg"]) == []
    gbk_folder = make_zip([(gbk("相片/manifest.csv"), MANIFEST), (gbk("相片/张三.jpg"), JPEG)])
    with open_batch(gbk_folder) as archive:
        assert archive.read("张三.jpg") == JPEG
    rejected(make_zip([("a/manifest.csv", MANIFEST), ("b/x.jpg", JPEG)]), "no_manifest")  # two folders
    rejected(make_zip([("a/b/manifest.csv", MANIFEST), ("a/b/x.jpg", JPEG)]), "no_manifest")  # one level only


def test_two_manifests():
    rejected(batch(("manifest.xlsx", b"xlsx")), "two_manifests")


# --- reading -----------------------------------------------------------------------------------------


def test_read_stops_streaming_at_the_cap():
    with open_batch(batch(("big.jpg", os.urandom(300 * 1024)))) as archive:
        with pytest.raises(ArchiveRejected) as caught:
            archive.read("big.jpg", max_bytes=100 * 1024)
        assert caught.value.code == "member_too_large"
        assert len(archive.read("big.jpg")) == 300 * 1024


def test_lying_header_never_yields_more_than_declared():
    real = bytes(1024 * 1024)

    def understate(infos: list[zipfile.ZipInfo]) -> None:
        infos[1].file_size = 1000  # central directory claims 1000 bytes; the data inflates to 1 MB

    data = make_zip([("manifest.csv", MANIFEST), ("liar.jpg", real)], tweak=understate)
    with open_batch(data) as archive:
        with pytest.raises(ArchiveRejected) as caught:
            archive.read("liar.jpg")
        assert caught.value.code == "corrupt_member"  # CRC of the truncated read fails

    def understate_with_crc(infos: list[zipfile.ZipInfo]) -> None:
        understate(infos)
        infos[1].CRC = zlib.crc32(real[:1000])

    data = make_zip([("manifest.csv", MANIFEST), ("liar.jpg", real)], tweak=understate_with_crc)
    with open_batch(data) as archive:
        assert archive.read("liar.jpg") == real[:1000]


def test_corrupt_member_data():
    data = bytearray(batch(("c.jpg", b"hello world, hello photos" * 50)))
    start = data.find(b"c.jpg") + len("c.jpg")  # first occurrence: the local header
    data[start : start + 20] = b"\xff" * 20
    with open_batch(bytes(data)) as archive:
        with pytest.raises(ArchiveRejected) as caught:
            archive.read("c.jpg")
        assert caught.value.code == "corrupt_member"


def test_damaged_archives_raise_only_archive_rejected():
    """Seeded byte mutations of a good batch: opening and reading fail only as ArchiveRejected."""
    good = batch(("照片/张三.jpg", bytes(range(256)) * 40), ("b.jpg", b"hello" * 100))
    rng = random.Random(20260501)
    for _ in range(500):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            with open_batch(bytes(damaged)) as archive:
                for name in [archive.manifest_name, *archive.photo_names()]:
                    with contextlib.suppress(ArchiveRejected):
                        archive.read(name)
        except ArchiveRejected:
            pass
