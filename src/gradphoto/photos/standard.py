"""The canonical diploma-photo profile (PRODUCT.md decision 6, DOMAIN.md §9.2): check, never fix.

A photo is a JPEG of exactly 480×640, 24-bit RGB, quality ≥ 60, 20–40 KB, on light blue RGB(100,197,255)
with one frontal face: hair top 50–110 px, eyes 200–300 px, face width 180–300 px from the top/cheek to
cheek. Cheap checks on the bytes and the header come first; a photo may carry several rejections. Untrusted
input is handled per RELIABILITY.md §2.5: the pixel count is read from the SOF header before Pillow sees the
file, only the JPEG decoder is allowed, truncated files raise, and the accepted file is rewritten without
EXIF/APPn/COM segments (losslessly: the entropy-coded data is copied, never re-encoded). A quick path
(ISSUE 3) accepts from the half-size decode what passes every rule with a margin; all else, and every
rejection, comes from the exact full-size checks (faces.py says what each face search covers).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from gradphoto.photos import faces
from gradphoto.photos.jpeg import Corrupt, Layout, estimate_quality, markers, rewrite

MAX_PIXELS = 40_000_000  # a canonical photo is 0.3 MP; larger headers are refused before decoding
THUMBNAIL_SIZE = (120, 160)
CORNER = 20  # side of the square background patches in the top corners, px
_CORNER_KEYS = {"左上": "corner_left", "右上": "corner_right"}
# Quick path (ISSUE 3): the half-size image decides only this far (full-size px) inside each bound. On 400
# portraits and 600 random placements its measurements differed from the exact path's by ≤ 5 (hair top),
# ≤ 2.1 (eye line) and, for face width, p99 11, ≤ 16 in 999 of 1000 (a strongly turned face: 39).
QUICK_MARGIN = {"hair_top": 8, "eye_line": 4, "face_width": 16, "background": 4}


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


def _kb(count: int) -> str:
    return f"{count / 1024:.1f} KB"


def _check_bytes(result: CheckResult, size: int, profile: PhotoProfile) -> None:
    """File size within min_bytes..max_bytes (20–40 KB by default)."""
    bounds = f"{_kb(profile.min_bytes)}–{_kb(profile.max_bytes)}"
    if size < profile.min_bytes:
        result.reject("file_too_small", f"文件大小应为 {bounds}，实际为 {_kb(size)}")
    elif size > profile.max_bytes:
        result.reject("file_too_large", f"文件大小应为 {bounds}，实际为 {_kb(size)}")


def _read_layout(data: bytes, result: CheckResult) -> Layout | None:
    """JPEG by content (SOI marker), a sound marker structure, and a pixel count under MAX_PIXELS."""
    if data[:3] != b"\xff\xd8\xff":
        result.reject("not_jpeg", "文件内容不是 JPEG 图像（仅接受 JPEG 格式）")
        return None
    try:
        layout = markers(data)
    except Corrupt:
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


def _corners(pixels: np.ndarray, result: CheckResult, profile: PhotoProfile, side: int) -> dict[str, float]:
    """Each top corner's mean colour (side × side patches) into the measurements, and its largest
    per-channel difference from the profile colour, by the corner's name."""
    differences = {}
    for name, patch in (("左上", pixels[:side, :side]), ("右上", pixels[:side, -side:])):
        mean = patch.reshape(-1, 3).mean(axis=0)
        result.measurements[_CORNER_KEYS[name]] = tuple(int(c) for c in np.rint(mean))
        differences[name] = float(np.abs(mean - np.array(profile.background)).max())
    return differences


def _check_background(pixels: np.ndarray, result: CheckResult, profile: PhotoProfile) -> None:
    """Mean colour of each top-corner patch within the tolerance (per channel) of the profile colour."""
    for name, difference in _corners(pixels, result, profile, CORNER).items():
        if difference > profile.background_tolerance:
            colour = result.measurements[_CORNER_KEYS[name]]
            wanted, actual = ("RGB({},{},{})".format(*c) for c in (profile.background, colour))
            result.reject("background", f"背景颜色应为 {wanted}，{name}角实际为 {actual}")
            return


def _in(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _check_face(rgb: Image.Image, result: CheckResult, profile: PhotoProfile) -> None:
    """Exactly one frontal face; hair top, eye line (mean of landmarks 36–47), face width (16.x − 0.x)."""
    count, values = faces.measure_everywhere(rgb, profile.background, profile.background_tolerance)
    result.measurements.update(faces=count, face_search="full")
    if count != 1:
        wrong = f"照片中应只有一张人脸，检测到 {count} 张"
        result.reject(*(("no_face", "未检测到正面人脸") if count == 0 else ("multiple_faces", wrong)))
        return
    result.measurements.update(hair_top=values["hair_top"], eye_y=values["eye_line"])
    result.measurements["face_width"] = values["face_width"]
    for code, what in (("hair_top", "头顶（发际）"), ("eye_line", "眼睛"), ("face_width", "脸部宽度")):
        low, high = getattr(profile, code)
        if not _in(values[code], (low, high)):
            where = "" if code == "face_width" else "距照片上边缘"
            result.reject(code, f"{what}{where}应为 {low}–{high} 像素，实际为 {values[code]:g} 像素")


def quick_bounds(profile: PhotoProfile) -> dict[str, tuple[float, float]]:
    """The bounds the quick path accepts within: the profile's, narrowed by QUICK_MARGIN."""
    bounds = {c: getattr(profile, c) for c in ("hair_top", "eye_line", "face_width")}
    return {c: (low + QUICK_MARGIN[c], high - QUICK_MARGIN[c]) for c, (low, high) in bounds.items()}


def _quick_ok(half: np.ndarray, quarter: np.ndarray, result: CheckResult, profile: PhotoProfile) -> bool:
    """Corner colours well within tolerance, then faces.quick_look; its measurements go to ``result``."""
    tolerance, scale = profile.background_tolerance, profile.width // half.shape[1]
    corners = _corners(half, result, profile, CORNER // scale)
    if max(corners.values()) > tolerance - QUICK_MARGIN["background"]:
        return False
    values = faces.quick_look(half, quarter, profile.background, tolerance, quick_bounds(profile), scale)
    if values is None:
        return False
    result.measurements.update(faces=1, face_search="zone", hair_top=values["hair_top"])
    result.measurements.update(eye_y=round(values["eye_line"], 1), face_width=round(values["face_width"], 1))
    return True


def _quick(
    data: bytes, layout: Layout, image: Image.Image, result: CheckResult, profile: PhotoProfile
) -> CheckResult | None:
    """Accept from the half-size image that JPEG ``draft`` decodes directly, or None: then the exact path
    decides, and words every rejection, so both paths reject the same photos for the same reasons."""
    half_size = (profile.width // 2, profile.height // 2)
    try:
        image.draft("RGB", half_size)
        image.load()
    except Exception:  # the exact path decodes again and names the failure
        return None
    if (image.mode, image.size) != ("RGB", half_size):
        return None
    quick, quarter = CheckResult(measurements=dict(result.measurements)), image.reduce(2)
    if not _quick_ok(np.asarray(image), np.asarray(quarter), quick, profile):
        return None
    _finish(data, layout, quarter, quick, profile)
    return quick if quick.ok else None


def thumbnail(rgb: Image.Image) -> bytes:
    buffer = io.BytesIO()
    small = rgb if rgb.size == THUMBNAIL_SIZE else rgb.resize(THUMBNAIL_SIZE, Image.Resampling.BOX)
    small.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _finish(
    data: bytes, layout: Layout, rgb: Image.Image, result: CheckResult, profile: PhotoProfile
) -> None:
    """The stored file is the metadata-free rewrite; it must still meet the minimum size."""
    clean = rewrite(data, layout)
    result.measurements.update(clean_bytes=len(clean), trailing_bytes=len(data) - layout.segments[-1][2])
    if len(clean) < profile.min_bytes <= len(data):
        result.reject(
            "file_too_small", f"去除元数据后文件大小为 {_kb(len(clean))}，应不小于 {_kb(profile.min_bytes)}"
        )
    if result.ok:
        result.clean_jpeg, result.thumbnail = clean, thumbnail(rgb)


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
    if result.ok and profile.check_face and image.size == (profile.width, profile.height):
        if (quick := _quick(data, layout, image, result, profile)) is not None:
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
