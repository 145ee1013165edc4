"""The quick path of the photo standard (ISSUE 3): it only accepts, and agrees with the exact path.

The exact path is the full-size check that searched the whole frame before the quick path existed; a test
gets it by switching the quick path off.
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageDraw

from gradphoto.demo import portrait
from gradphoto.photos import faces, standard
from gradphoto.photos.standard import CheckResult, PhotoProfile, check_photo

BLUE = (100, 197, 255)


@cache
def source(name: str = "obama.jpg") -> Image.Image:
    with Image.open(portrait.FACES_DIR / name) as opened:
        return Image.open(io.BytesIO(portrait.standard_photo(opened))).convert("RGB")


def jpeg(image: Image.Image, quality: int = 70) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def exact(data: bytes, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    with monkeypatch.context() as patched:
        patched.setattr(standard, "_quick", lambda *args: None)
        return check_photo(data)


def on_canvas(scale: float, dy: int) -> bytes:
    """The portrait scaled about its eyes (240, 260) and moved down by dy, on a light-blue canvas."""
    canvas = Image.new("RGB", (480, 640), BLUE)
    size = (round(480 * scale), round(640 * scale))
    canvas.paste(
        source().resize(size, Image.Resampling.LANCZOS),
        (round(240 - 240 * scale), round(260 - 260 * scale) + dy),
    )
    return jpeg(canvas, quality=80)


def with_second_person(x: int, y: int, scale: float = 0.75) -> bytes:
    """The portrait with another person's head and shoulders pasted at (x, y)."""
    image, other = source().copy(), source("biden.jpg")
    other = other.resize((round(480 * scale), round(640 * scale)))
    mask = Image.new("L", other.size, 0)
    w, h = other.size
    ImageDraw.Draw(mask).ellipse((w * 0.15, h * 0.1, w * 0.85, h * 0.75), fill=255)
    image.paste(other, (x, y), mask)
    return jpeg(image)


def test_the_quick_path_accepts_the_portraits_and_measures_like_the_exact_path(monkeypatch) -> None:
    for photo in portrait.photo_set(12):
        quick, full = check_photo(photo), exact(photo, monkeypatch)
        assert quick.ok and full.ok, (quick.rejections, full.rejections)
        q, f = quick.measurements, full.measurements
        assert (q["face_search"], f["face_search"], q["faces"]) == ("zone", "full", 1)
        assert abs(q["eye_y"] - f["eye_y"]) <= 2 and abs(q["face_width"] - f["face_width"]) <= 10
        assert abs(q["hair_top"] - f["hair_top"]) <= 6
        assert all(abs(a - b) <= 3 for a, b in zip(q["corner_left"], f["corner_left"], strict=True))
        assert quick.clean_jpeg == full.clean_jpeg and quick.thumbnail is not None
        with Image.open(io.BytesIO(quick.thumbnail)) as thumbnail:
            assert (thumbnail.format, thumbnail.size) == ("JPEG", (120, 160))


@pytest.mark.parametrize("scale", [0.77, 0.8, 0.84, 1.0, 1.27, 1.31])
@pytest.mark.parametrize("dy", [-62, -57, -50, 30, 37, 42])
def test_both_paths_reject_the_same_photos_near_every_bound(monkeypatch, scale: float, dy: int) -> None:
    """Eye line 198–302 and face width 177–301 px: the quick path leaves the borderline ones alone."""
    data = on_canvas(scale, dy)
    quick, full = check_photo(data), exact(data, monkeypatch)
    assert quick.codes == full.codes
    if quick.measurements.get("face_search") == "zone":
        bounds = standard.quick_bounds(PhotoProfile())
        assert bounds["eye_line"][0] <= full.measurements["eye_y"] <= bounds["eye_line"][1] + 2


@pytest.mark.parametrize(
    ("x", "y", "scale"), [(-120, -60, 0.75), (-150, 0, 0.75), (250, -40, 0.7), (-140, 120, 0.75)]
)
def test_a_second_person_beside_or_above_the_subject_is_caught(x: int, y: int, scale: float) -> None:
    data = with_second_person(x, y, scale)
    quarter = np.asarray(Image.open(io.BytesIO(data)).convert("RGB").reduce(4))
    assert not faces.nobody_outside_envelope(quarter, BLUE, 40)  # the quick path leaves it alone
    result = check_photo(data)
    assert result.measurements["face_search"] == "full" and "multiple_faces" in result.codes


def test_the_envelope_is_blue_on_every_portrait_and_marks_a_patch_beside_the_head() -> None:
    for photo in portrait.photo_set(24):
        quarter = np.asarray(Image.open(io.BytesIO(photo)).convert("RGB").reduce(4))
        assert faces.nobody_outside_envelope(quarter, BLUE, 40)
    plain = np.full((160, 120, 3), BLUE, dtype=np.uint8)
    beside, inside = plain.copy(), plain.copy()
    beside[30:50, 0:12] = (40, 40, 40)  # 10 × 40 px at full size, left of the head at eye level
    inside[60:100, 40:80] = (40, 40, 40)
    assert faces.nobody_outside_envelope(plain, BLUE, 40) and faces.nobody_outside_envelope(inside, BLUE, 40)
    assert not faces.nobody_outside_envelope(beside, BLUE, 40)


def test_the_zone_search_counts_every_face_in_its_rows() -> None:
    half = np.asarray(source().reduce(2))
    rows = faces.zone_rows(*_bounds(), 2)
    assert rows == (15, 284)  # y 30–568 at full size: the bottom 72 rows are not searched
    assert len(faces.faces_in_rows(half, *rows)) == 1 and faces.one_face(half, rows, 2) is not None
    pair = Image.new("RGB", (240, 320), BLUE)
    for left in (0, 120):
        pair.paste(source().reduce(2).crop((60, 40, 180, 200)), (left, 60))
    assert len(faces.faces_in_rows(np.asarray(pair), *rows)) == 2
    assert faces.one_face(np.asarray(pair), rows, 2) is None


def _bounds() -> tuple[tuple[float, float], float]:
    bounds = standard.quick_bounds(PhotoProfile())
    return bounds["eye_line"], bounds["face_width"][1]


def test_a_damaged_or_unusual_photo_never_takes_the_quick_path(monkeypatch) -> None:
    data = jpeg(source(), quality=70)
    assert check_photo(data).measurements["face_search"] == "zone"
    for other in (
        jpeg(source().convert("L").convert("RGB"), quality=70),
        data[: len(data) - 400] + b"\xff\xd9",
    ):
        assert check_photo(other).codes == exact(other, monkeypatch).codes
    assert check_photo(data, PhotoProfile(check_face=False)).measurements.get("face_search") is None
