"""The canonical diploma-photo profile (PRODUCT.md decision 6, DOMAIN.md §9.2): check, never fix.

A photo is a JPEG of exactly 480×640, 24-bit RGB, quality ≥ 60, 20–40 KB, on light blue RGB(100,197,255)
with one frontal face: hair top 50–110 px, eyes 200–300 px, face width 180–300 px from the top/cheek to
cheek. Cheap checks on the bytes and the header come first; a photo may carry several rejections. Untrusted
input is handled per RELIABILITY.md §2.5: the pixel count is read from the SOF header before Pillow sees the
file, only the JPEG decoder is allowed, truncated files raise, and the accepted file is rewritten without
EXIF/APPn/COM segments (losslessly: the entropy-coded data is copied, never re-encoded).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from gradphoto.photos import faces

MAX_PIXELS = 40_000_000  # a canonical photo is 0.3 MP; larger headers are refused before decoding
THUMBNAIL_SIZE = (120, 160)
CORNER = 20  # side of the square background patches in the top corners, px
HAIR_ROWS = 32  # hair top is searched in blocks of rows from the top; it is usually found in the third
# Quick path (ISSUE 3): the half-size image decides only this far (full-size px) inside each bound; its
# measurements differ from full size by ≤ 5 (hair top), 1.3 (eye line), 9 (face width) on 400 portraits.
QUICK_MARGIN = {"hair_top": 8, "eye_line": 4, "face_width": 12, "background": 4}
# A face box spans at most 0.55 face widths above the eye line and 0.9 below it (0.46 and 0.78 measured).
BOX_ABOVE_EYES, BOX_BELOW_EYES, HOG_CELL = 0.55, 0.9, 8
# Head-and-shoulders envelope of a 480×640 photo: ellipse centred (240, 680), semi-axes 270×640. Outside
# it (the top 40 rows, both sides above the shoulders at y ≈ 387) a compliant photo shows only background.
ENVELOPE = (240 / 480, 680 / 640, 270 / 480, 640 / 640)
BAND_SLACK = 0.002  # share of the pixels outside the envelope that may depart (JPEG ringing at an edge)
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0–7 carry no length
_SOS, _EOI, _APP0, _APP14, _COM = 0xDA, 0xD9, 0xE0, 0xEE, 0xFE
# IJG (libjpeg) standard luminance quantisation table, natural order (ITU T.81 Annex K.1).
_STD_LUMINANCE = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
     14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
     18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.int64,
)  # fmt: skip


@dataclass(frozen=True)
class PhotoProfile:
    """The canonical profile; size bounds, colour and tolerance are per-agency settings (decision 6)."""

    width: int = 480
    height: int = 640
    min_bytes: int = 20 * 1024
    max_bytes: int = 40 * 1024
    min_quality: int = 60
    background: tuple[int, int, int] = (100, 197, 255)
    background_tolerance: int = 40
    hair_top: tuple[int, int] = (50, 110)
    eye_line: tuple[int, int] = (200, 300)
    face_width: tuple[int, int] = (180, 300)
    check_face: bool = True


@dataclass(frozen=True)
class Rejection:
    """One broken rule: a stable machine ``code`` and a Simplified Chinese ``message`` for people."""

    code: str
    message: str


@dataclass
class CheckResult:
    """What ``check_photo`` found; ``clean_jpeg`` and ``thumbnail`` are set only for an accepted photo."""

    rejections: list[Rejection] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)
    clean_jpeg: bytes | None = None
    thumbnail: bytes | None = None

    @property
    def ok(self) -> bool:
        return not self.rejections

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.rejections]

    def reject(self, code: str, message: str) -> None:
        self.rejections.append(Rejection(code, message))


class _Corrupt(Exception):
    """The marker structure is broken (not merely cut short)."""


@dataclass
class _Layout:
    """JPEG segments as (marker, start, end); an SOS segment's end includes its entropy-coded data."""

    segments: list[tuple[int, int, int]] = field(default_factory=list)
    complete: bool = False  # EOI reached
    width: int = 0
    height: int = 0
    components: int = 0
    progressive: bool = False


def _scan_end(data: bytes, pos: int) -> int:
    """Offset of the marker ending entropy-coded data (FF00 stuffing and RSTn are data); len(data) if none."""
    while (i := data.find(b"\xff", pos)) >= 0 and i + 1 < len(data):
        if data[i + 1] != 0x00 and not 0xD0 <= data[i + 1] <= 0xD7:
            return i
        pos = i + 2
    return len(data)


def _layout(data: bytes) -> _Layout:
    """Walk the marker segments from after SOI to EOI; raises _Corrupt on a broken structure."""
    layout, pos, n = _Layout(), 2, len(data)
    while pos < n:
        if data[pos] != 0xFF:
            raise _Corrupt(f"no marker at offset {pos}")
        start = pos
        while pos < n and data[pos] == 0xFF:  # fill bytes may precede a marker
            pos += 1
        if pos >= n:
            break
        marker, pos = data[pos], pos + 1
        if marker in (0x00, 0xD8):
            raise _Corrupt(f"invalid marker {marker:#04x} at offset {start}")
        if marker in _STANDALONE or marker == _EOI:
            layout.segments.append((marker, start, pos))
            layout.complete = marker == _EOI
            if layout.complete:
                return layout
            continue
        if pos + 2 > n:
            break
        end = pos + int.from_bytes(data[pos : pos + 2], "big")
        if end < pos + 2:
            raise _Corrupt(f"segment length below 2 at offset {start}")
        if end > n:
            break
        if marker in _SOF and end - pos >= 8:
            layout.height, layout.width = (int.from_bytes(data[pos + k : pos + k + 2], "big") for k in (3, 5))
            layout.components, layout.progressive = data[pos + 7], marker in _PROGRESSIVE
        layout.segments.append((marker, start, _scan_end(data, end) if marker == _SOS else end))
        pos = layout.segments[-1][2]
    return layout


def _kept(data: bytes, marker: int, start: int, end: int) -> bool:
    """Metadata goes: APPn except JFIF APP0 and Adobe APP14 (it sets the colour transform), and COM."""
    if marker == _APP0:
        return data[start + 4 : start + 9] == b"JFIF\x00"
    if marker == _APP14:
        return data[start + 4 : start + 9] == b"Adobe"
    return marker != _COM and not 0xE1 <= marker <= 0xEF


def _rewrite(data: bytes, layout: _Layout) -> bytes:
    return data[:2] + b"".join(data[s:e] for m, s, e in layout.segments if _kept(data, m, s, e))


def strip_metadata(data: bytes) -> bytes:
    """The same JPEG without EXIF/XMP/ICC/other APPn and COM segments or bytes after EOI; not re-encoded."""
    try:
        layout = _layout(data)
    except _Corrupt as exc:
        raise ValueError(str(exc)) from exc
    if data[:2] != b"\xff\xd8" or not layout.complete:
        raise ValueError("not a complete JPEG")
    return _rewrite(data, layout)


def estimate_quality(image: Image.Image) -> int:
    """IJG quality 1..100 whose scaled standard luminance table is nearest the image's first table."""
    tables = getattr(image, "quantization", None)
    if not tables:
        raise ValueError("image has no JPEG quantisation tables")
    table = np.asarray(tables[min(tables)], dtype=np.int64)
    qualities = np.arange(1, 101)
    scale = np.where(qualities < 50, 5000 // qualities, 200 - 2 * qualities)
    scaled = np.clip((_STD_LUMINANCE[None, :] * scale[:, None] + 50) // 100, 1, 255)
    error = np.abs(scaled - table[None, :]).sum(axis=1)
    return int(qualities[np.flatnonzero(error == error.min())[-1]])


def _kb(count: int) -> str:
    return f"{count / 1024:.1f} KB"


def _check_bytes(result: CheckResult, size: int, profile: PhotoProfile) -> None:
    """File size within min_bytes..max_bytes (20–40 KB by default)."""
    bounds = f"{_kb(profile.min_bytes)}–{_kb(profile.max_bytes)}"
    if size < profile.min_bytes:
        result.reject("file_too_small", f"文件大小应为 {bounds}，实际为 {_kb(size)}")
    elif size > profile.max_bytes:
        result.reject("file_too_large", f"文件大小应为 {bounds}，实际为 {_kb(size)}")


def _read_layout(data: bytes, result: CheckResult) -> _Layout | None:
    """JPEG by content (SOI marker), a sound marker structure, and a pixel count under MAX_PIXELS."""
    if data[:3] != b"\xff\xd8\xff":
        result.reject("not_jpeg", "文件内容不是 JPEG 图像（仅接受 JPEG 格式）")
        return None
    try:
        layout = _layout(data)
    except _Corrupt:
        result.reject("unreadable", "图像文件已损坏，无法读取")
        return None
    w, h = layout.width, layout.height
    result.measurements.update(
        width=w, height=h, components=layout.components, progressive=layout.progressive
    )
    if w * h > MAX_PIXELS:
        result.reject("too_many_pixels", f"图像像素过多（{w}×{h}），为安全起见不予解码")
        return None
    return layout


def _open(data: bytes, result: CheckResult) -> Image.Image | None:
    """Open the header with the JPEG decoder only; the decompression-bomb warning is an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        result.reject("too_many_pixels", "图像像素过多，为安全起见不予解码")
        return None
    except Exception:  # any decoder failure on untrusted bytes is a rejection, never a 500
        result.reject("unreadable", "图像文件已损坏，无法读取")
        return None
    result.measurements.update(mode=image.mode, dpi=image.info.get("dpi"))
    return image


def _check_header(image: Image.Image, result: CheckResult, profile: PhotoProfile) -> None:
    """Exactly width×height, mode RGB (24-bit; progressive allowed), estimated quality ≥ min_quality."""
    w, h = image.size
    if (w, h) != (profile.width, profile.height):
        result.reject("wrong_size", f"照片尺寸应为 {profile.width}×{profile.height} 像素，实际为 {w}×{h}")
    if image.mode != "RGB":
        result.reject("not_rgb", f"照片应为 24 位 RGB 彩色图像，实际颜色模式为 {image.mode}")
    try:
        quality = estimate_quality(image)
    except ValueError:
        quality = None
    result.measurements["quality"] = quality
    if quality is not None and quality < profile.min_quality:
        result.reject("quality_too_low", f"JPEG 压缩质量应不低于 {profile.min_quality}，估计为 {quality}")


def _decode(image: Image.Image, result: CheckResult, profile: PhotoProfile) -> Image.Image | None:
    """Decode all pixels to RGB; a truncated file raises because LOAD_TRUNCATED_IMAGES stays False."""
    if image.size != (profile.width, profile.height):
        image.draft(image.mode, (profile.width, profile.height))  # a wrong size is rejected anyway
    try:
        image.load()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
    except Exception as exc:  # any decoder failure on untrusted bytes is a rejection, never a 500
        if "truncated" in str(exc).lower():
            result.reject("truncated", "图像文件不完整（已被截断）")
        else:
            result.reject("unreadable", "图像文件已损坏，无法读取")
        return None
    return rgb


def _check_background(pixels: np.ndarray, result: CheckResult, profile: PhotoProfile) -> None:
    """Mean colour of each top-corner patch within the tolerance (per channel) of the profile colour."""
    target = np.array(profile.background, dtype=np.float64)
    corners = {"左上": pixels[:CORNER, :CORNER], "右上": pixels[:CORNER, -CORNER:]}
    for name, patch in corners.items():
        mean = patch.reshape(-1, 3).mean(axis=0)
        colour = tuple(int(c) for c in np.rint(mean))
        result.measurements["corner_left" if name == "左上" else "corner_right"] = colour
        if np.abs(mean - target).max() > profile.background_tolerance:
            wanted, actual = ("RGB({},{},{})".format(*c) for c in (profile.background, colour))
            result.reject("background", f"背景颜色应为 {wanted}，{name}角实际为 {actual}")
            return


def _in(value: float, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _check_face(rgb: Image.Image, result: CheckResult, profile: PhotoProfile) -> None:
    """Exactly one frontal face; hair top, eye line (mean of landmarks 36–47), face width (16.x − 0.x)."""
    pixels = np.asarray(rgb)
    boxes = faces.find_faces_half_then_full(rgb, pixels)
    result.measurements.update(faces=len(boxes), face_search="full")
    if not boxes:
        result.reject("no_face", "未检测到正面人脸")
        return
    if len(boxes) > 1:
        result.reject("multiple_faces", f"照片中应只有一张人脸，检测到 {len(boxes)} 张")
        return
    top = faces.hair_top(pixels, profile.background, profile.background_tolerance, HAIR_ROWS)
    eye_y, width = faces.eyes_and_width(faces.landmarks(pixels, boxes[0]))
    result.measurements.update(hair_top=top, eye_y=round(eye_y, 1), face_width=round(width, 1))
    rules = (
        ("hair_top", top, profile.hair_top, "头顶（发际）距照片上边缘"),
        ("eye_line", round(eye_y, 1), profile.eye_line, "眼睛距照片上边缘"),
        ("face_width", round(width, 1), profile.face_width, "脸部宽度"),
    )
    for code, value, (low, high), what in rules:
        if not _in(value, (low, high)):
            result.reject(code, f"{what}应为 {low}–{high} 像素，实际为 {value:g} 像素")


@lru_cache(maxsize=4)
def _outside_envelope(height: int, width: int) -> np.ndarray:
    """Flat pixel indices outside the head-and-shoulders envelope (ENVELOPE) of a height×width image."""
    cx, cy, ax, ay = ENVELOPE
    y, x = np.mgrid[0:height, 0:width]
    inside = ((x + 0.5 - cx * width) / (ax * width)) ** 2 + ((y + 0.5 - cy * height) / (ay * height)) ** 2
    return np.flatnonzero(inside > 1)


def _quick_background(
    pixels: np.ndarray, quarter: np.ndarray, result: CheckResult, profile: PhotoProfile
) -> bool:
    """Both corner patches well within tolerance, and only background outside the envelope.

    The envelope is tested on the quarter-size image (4×4 blocks): a second person beside or above the
    subject shows there, and the quick path then leaves the photo to the full search.
    """
    target, tolerance = np.array(profile.background), profile.background_tolerance
    side = CORNER * pixels.shape[1] // profile.width
    for key, patch in (("corner_left", pixels[:side, :side]), ("corner_right", pixels[:side, -side:])):
        mean = patch.reshape(-1, 3).mean(axis=0)
        result.measurements[key] = tuple(int(c) for c in np.rint(mean))
        if np.abs(mean - target).max() > tolerance - QUICK_MARGIN["background"]:
            return False
    outside = quarter.reshape(-1, 3)[_outside_envelope(*quarter.shape[:2])].astype(np.int16)
    departing = np.count_nonzero(np.abs(outside - target.astype(np.int16)).max(axis=1) > tolerance)
    return bool(departing <= BAND_SLACK * len(outside))


def _zone_rows(profile: PhotoProfile, scale: int) -> tuple[int, int]:
    """Rows (of the 1/scale image) that hold the face box of every face the quick path may accept."""
    eye_low, eye_high = (b / scale for b in _inner(profile.eye_line, "eye_line"))
    widest = _inner(profile.face_width, "face_width")[1] / scale
    top = math.floor(eye_low - BOX_ABOVE_EYES * widest) - HOG_CELL
    return max(top, 0), math.ceil(eye_high + BOX_BELOW_EYES * widest) + HOG_CELL


def _size(profile: PhotoProfile) -> tuple[int, int]:
    return profile.width, profile.height


def _inner(bounds: tuple[int, int], code: str) -> tuple[float, float]:
    return bounds[0] + QUICK_MARGIN[code], bounds[1] - QUICK_MARGIN[code]


def _quick_face(pixels: np.ndarray, result: CheckResult, profile: PhotoProfile) -> bool:
    """One face in the zone rows, each measurement (scaled to full size) well inside its bound."""
    scale = profile.width // pixels.shape[1]
    top, bottom = _zone_rows(profile, scale)
    boxes = faces.faces_in_rows(pixels, top, min(bottom, pixels.shape[0]))
    if len(boxes) != 1:
        return False
    eye_y, width = faces.eyes_and_width(faces.landmarks(pixels, boxes[0]))
    hair = scale * faces.hair_top(pixels, profile.background, profile.background_tolerance, HAIR_ROWS)
    values = {"hair_top": hair, "eye_line": scale * eye_y + (scale - 1) / 2, "face_width": scale * width}
    bounds = {"hair_top": profile.hair_top, "eye_line": profile.eye_line, "face_width": profile.face_width}
    if not all(_in(values[code], _inner(bounds[code], code)) for code in values):  # type: ignore[arg-type]
        return False
    result.measurements.update(
        faces=1,
        face_search="zone",
        hair_top=hair,
        eye_y=round(values["eye_line"], 1),
        face_width=round(values["face_width"], 1),
    )
    return True


def _quick(
    data: bytes, layout: _Layout, image: Image.Image, result: CheckResult, profile: PhotoProfile
) -> CheckResult | None:
    """Accept from the half-size image JPEG ``draft`` decodes directly, or None: the exact path decides.

    Only a photo that passes every rule with a margin is accepted here; every rejection (and its wording)
    comes from the exact path, so both paths reject the same photos for the same reasons.
    """
    try:
        image.draft("RGB", (profile.width // 2, profile.height // 2))
        image.load()
    except Exception:  # the exact path decodes again and names the failure
        return None
    if image.mode != "RGB" or image.size != (profile.width // 2, profile.height // 2):
        return None
    quick = CheckResult(measurements=dict(result.measurements))
    pixels, quarter = np.asarray(image), image.reduce(2)
    if not _quick_background(pixels, np.asarray(quarter), quick, profile):
        return None
    if not _quick_face(pixels, quick, profile):
        return None
    _finish(data, layout, quarter, quick, profile)
    return quick if quick.ok else None


def _thumbnail(rgb: Image.Image) -> bytes:
    buffer = io.BytesIO()
    small = rgb if rgb.size == THUMBNAIL_SIZE else rgb.resize(THUMBNAIL_SIZE, Image.Resampling.BOX)
    small.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _finish(
    data: bytes, layout: _Layout, rgb: Image.Image, result: CheckResult, profile: PhotoProfile
) -> None:
    """The stored file is the metadata-free rewrite; it must still meet the minimum size."""
    clean = _rewrite(data, layout)
    result.measurements.update(clean_bytes=len(clean), trailing_bytes=len(data) - layout.segments[-1][2])
    if len(clean) < profile.min_bytes <= len(data):
        result.reject(
            "file_too_small", f"去除元数据后文件大小为 {_kb(len(clean))}，应不小于 {_kb(profile.min_bytes)}"
        )
    if result.ok:
        result.clean_jpeg, result.thumbnail = clean, _thumbnail(rgb)


def check_photo(data: bytes, profile: PhotoProfile = PhotoProfile()) -> CheckResult:
    """Check ``data`` against the canonical profile; reasons for every broken rule, never a fixed photo."""
    result = CheckResult(measurements={"bytes": len(data)})
    _check_bytes(result, len(data), profile)
    layout = _read_layout(data, result)
    image = _open(data, result) if layout is not None else None
    if layout is None or image is None:
        return result
    # No ``with``: the image reads from memory, and closing it would free the pixels used below.
    _check_header(image, result, profile)
    if not layout.complete:
        result.reject("truncated", "图像文件不完整（已被截断）")
        return result
    if result.ok and profile.check_face and (image.mode, image.size) == ("RGB", _size(profile)):
        quick = _quick(data, layout, image, result, profile)
        if quick is not None:
            return quick
        image = _open(data, result) or image  # draft() changed the image: decode afresh at full size
    rgb = _decode(image, result, profile)
    if rgb is None:
        return result
    _check_background(np.asarray(rgb), result, profile)
    if profile.check_face and (layout.width, layout.height) == (profile.width, profile.height):
        _check_face(rgb, result, profile)
    _finish(data, layout, rgb, result, profile)
    return result
