"""Standard Chinese diploma photos (480×640 on light blue, 300-dpi JPEG of 20–40 KB) from real face photos.

Used by the demo data and by test fixtures; the faces come from the ``faces`` folder (see its SOURCES.md).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from gradphoto.photos.faces import load_models  # the one place dlib models are loaded

WIDTH, HEIGHT = 480, 640
BACKGROUND = (100, 197, 255)
FACE_WIDTH = 230  # target jaw span, px
EYE_Y = 260  # target mean eye height, px
CENTRE_X = WIDTH // 2
ELLIPSE = (-10, 78, WIDTH + 10, 78 + 1200)  # bounding box: top at y = 78, shoulders included
MASK_BLUR = 12
EDGE_FEATHER = 8  # fade a small source out before its edge instead of a hard line
MARGIN = 24  # spare pixels around the canvas so variants can scale and shift
MIN_BYTES, MAX_BYTES = 20 * 1024, 40 * 1024  # the canonical profile's bounds (photos/standard.py)
FACES_DIR = Path(__file__).resolve().parent / "faces"
NOT_SOURCES = frozenset({"group_six_people.jpg", "obama_partial_face.jpg"})
Landmarks = list[tuple[float, float]]


@dataclass(frozen=True)
class _Prepared:
    """A source already scaled to the standard face size, on a canvas with MARGIN spare on each side."""

    sheet: Image.Image  # RGB, (WIDTH + 2·MARGIN) × (HEIGHT + 2·MARGIN)
    coverage: Image.Image  # L, 255 where the source photo has pixels


class _Variant(NamedTuple):
    scale: float
    dx: int
    dy: int
    brightness: float
    contrast: float


def _detect(image: Image.Image) -> tuple[np.ndarray, list[Any]]:
    """Faces dlib finds in ``image``; upsamples once only when none is found at the original size."""
    detector, _ = load_models()
    pixels = np.asarray(image.convert("RGB"))
    faces = list(detector(pixels, 0)) or list(detector(pixels, 1))
    return pixels, faces


def _landmarks(pixels: np.ndarray, face: Any) -> Landmarks:
    _, predictor = load_models()
    shape = predictor(pixels, face)
    return [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(68)]


def _eye_y(points: Landmarks) -> float:
    return sum(y for _, y in points[36:48]) / 12


def _feathered(rect: tuple[int, int, int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Move in by EDGE_FEATHER each side of ``rect`` where the source photo ends inside the sheet."""
    left, top, right, bottom = rect
    inset = EDGE_FEATHER
    return (
        left + inset if left > 1 else 0,
        top + inset if top > 1 else 0,
        right - inset if right < size[0] - 1 else size[0],
        bottom - inset if bottom < size[1] - 1 else size[1],
    )


def _prepare(source: Image.Image) -> _Prepared:
    """Scale and place ``source`` by the recipe, leaving MARGIN spare pixels on every side."""
    image = ImageOps.exif_transpose(source).convert("RGB")
    pixels, faces = _detect(image)
    if len(faces) != 1:
        raise ValueError(f"expected exactly one face in the source photo, found {len(faces)}")
    points = _landmarks(pixels, faces[0])
    scale = FACE_WIDTH / (points[16][0] - points[0][0])
    left = (points[0][0] + points[16][0]) / 2 - (CENTRE_X + MARGIN) / scale
    top = _eye_y(points) - (EYE_Y + MARGIN) / scale
    size = (WIDTH + 2 * MARGIN, HEIGHT + 2 * MARGIN)
    box = (
        max(left, 0),
        max(top, 0),
        min(left + size[0] / scale, image.width),
        min(top + size[1] / scale, image.height),
    )
    x0, y0 = round((box[0] - left) * scale), round((box[1] - top) * scale)
    part = (round((box[2] - box[0]) * scale), round((box[3] - box[1]) * scale))
    sheet = Image.new("RGB", size, BACKGROUND)
    sheet.paste(image.resize(part, Image.Resampling.LANCZOS, box=box), (x0, y0))
    coverage = Image.new("L", size, 0)
    coverage.paste(255, _feathered((x0, y0, x0 + part[0], y0 + part[1]), size))
    return _Prepared(sheet, coverage.filter(ImageFilter.GaussianBlur(EDGE_FEATHER / 2)))


@lru_cache(maxsize=32)
def _prepared_file(path: Path) -> _Prepared:
    with Image.open(path) as image:
        return _prepare(image)


def _variant(variant: int) -> _Variant:
    """Small, deterministic changes for ``variant`` (0 is the plain recipe)."""
    if variant == 0:
        return _Variant(1.0, 0, 0, 1.0, 1.0)
    rng = random.Random(f"gradphoto-portrait-{variant}")
    return _Variant(
        scale=1 + rng.uniform(-0.02, 0.02),
        dx=rng.randint(-4, 4),
        dy=rng.randint(-4, 4),
        brightness=1 + rng.uniform(-0.04, 0.04),
        contrast=1 + rng.uniform(-0.04, 0.04),
    )


@lru_cache(maxsize=128)
def _mask(dx: int, dy: int) -> Image.Image:
    """The blurred head-and-shoulders ellipse, moved by (dx, dy)."""
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    x0, y0, x1, y1 = ELLIPSE
    ImageDraw.Draw(mask).ellipse((x0 + dx, y0 + dy, x1 + dx, y1 + dy), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(MASK_BLUR))


def _warp(image: Image.Image, params: _Variant, fill: Any) -> Image.Image:
    """Cut the canvas out of a MARGIN-padded sheet, scaled by ``params.scale`` about the eyes and shifted."""
    if params.scale == 1.0 and params.dx == params.dy == 0:
        return image.crop((MARGIN, MARGIN, MARGIN + WIDTH, MARGIN + HEIGHT))
    inv = 1 / params.scale
    cx, cy = CENTRE_X + params.dx, EYE_Y + params.dy
    data = (inv, 0.0, CENTRE_X + MARGIN - cx * inv, 0.0, inv, EYE_Y + MARGIN - cy * inv)
    return image.transform(
        (WIDTH, HEIGHT), Image.Transform.AFFINE, data, Image.Resampling.BILINEAR, fillcolor=fill
    )


def _encode(image: Image.Image) -> bytes:
    """JPEG at quality 80, 300 dpi, no EXIF; quality moved (60..95) to land within 20–40 KB."""

    def save(quality: int) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, dpi=(300, 300), optimize=True)
        return buffer.getvalue()

    quality = 80
    data = save(quality)
    while len(data) > MAX_BYTES and quality > 60:
        quality = max(60, quality - 5)
        data = save(quality)
    while len(data) < MIN_BYTES and quality < 95:
        quality = min(95, quality + 5)
        data = save(quality)
    return data


def _render(prepared: _Prepared, variant: int) -> bytes:
    params = _variant(variant)
    sheet = ImageEnhance.Brightness(prepared.sheet).enhance(params.brightness)
    sheet = ImageEnhance.Contrast(sheet).enhance(params.contrast)
    face = _warp(sheet, params, BACKGROUND)
    alpha = ImageChops.multiply(_mask(params.dx, params.dy), _warp(prepared.coverage, params, 0))
    return _encode(Image.composite(face, Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND), alpha))


def standard_photo(source: Image.Image, *, variant: int = 0) -> bytes:
    """Make a 480×640 light-blue diploma photo (JPEG bytes) of the single face in ``source``.

    ``variant`` 0 is the plain recipe; other values give byte-distinct, slightly different photos
    (±2 % scale, ±4 px shift, ±4 % brightness and contrast). Raises ValueError unless exactly one face
    is found.
    """
    return _render(_prepare(source), variant)


def _hair_top(pixels: np.ndarray, tolerance: float = 40) -> int:
    band = pixels[:, 160:320].astype(np.float32)
    departure = np.abs(band - np.array(BACKGROUND, dtype=np.float32)).mean(axis=1).max(axis=1)
    rows = np.nonzero(departure > tolerance)[0]
    return int(rows[0]) if rows.size else pixels.shape[0]


def _corner_ok(pixels: np.ndarray, tolerance: float = 20) -> bool:
    corners = (pixels[:20, :20], pixels[:20, -20:])
    target = np.array(BACKGROUND, dtype=np.float32)
    return all(bool(np.all(np.abs(c.reshape(-1, 3).mean(axis=0) - target) <= tolerance)) for c in corners)


def measure(jpeg: bytes) -> dict[str, Any]:
    """Measure a photo: size, mode, byte count, faces found, eye height, jaw span, hair top, corners.

    ``eye_y`` and ``face_width`` come from the largest face found (None when there is none).
    """
    with Image.open(io.BytesIO(jpeg)) as opened:
        image = opened.copy()
    pixels, faces = _detect(image)
    eye_y = face_width = None
    if faces:
        points = _landmarks(pixels, max(faces, key=lambda f: f.area()))
        eye_y, face_width = _eye_y(points), points[16][0] - points[0][0]
    return {
        "width": image.width,
        "height": image.height,
        "mode": image.mode,
        "bytes": len(jpeg),
        "faces": len(faces),
        "eye_y": eye_y,
        "face_width": face_width,
        "hair_top": _hair_top(pixels),
        "corner_ok": _corner_ok(pixels),
    }


def source_faces() -> list[Path]:
    """The single-person photos in the faces folder, each checked to show exactly one face."""
    paths = sorted(
        p for p in FACES_DIR.iterdir() if p.suffix in {".jpg", ".png"} and p.name not in NOT_SOURCES
    )
    for path in paths:
        _prepared_file(path)  # raises ValueError unless exactly one face; caches the scaled face
    return paths


def photo_set(count: int) -> list[bytes]:
    """``count`` distinct standard photos, cycling through the source faces with increasing variants.

    Each source face is detected and scaled once; a repeated photo (not expected) moves on to the next
    variant so that every returned photo is byte-distinct.
    """
    sources = source_faces()
    photos: list[bytes] = []
    seen: set[bytes] = set()
    variants = dict.fromkeys(sources, 0)
    while len(photos) < count:
        path = sources[len(photos) % len(sources)]
        photo = _render(_prepared_file(path), variants[path])
        variants[path] += 1
        if photo not in seen:
            seen.add(photo)
            photos.append(photo)
    return photos
