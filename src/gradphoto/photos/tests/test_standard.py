"""The canonical photo profile (PRODUCT.md decision 6): every bad file gets its reason code, good ones pass.

The bad-file corpus is built here from standard photos of real faces (gradphoto.demo.portrait).
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from gradphoto.demo import portrait
from gradphoto.photos.jpeg import estimate_quality, strip_metadata
from gradphoto.photos.standard import PhotoProfile, check_photo

BLUE = (100, 197, 255)
Q = 70  # re-encoding the obama photo (39.7 KB at its first encoding) at 70 keeps it within 20–40 KB


@cache
def good() -> bytes:
    with Image.open(portrait.FACES_DIR / "obama.jpg") as source:
        return portrait.standard_photo(source)


def decoded(data: bytes = b"") -> Image.Image:
    with Image.open(io.BytesIO(data or good())) as image:
        return image.convert("RGB")


def jpeg(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def codes(data: bytes, profile: PhotoProfile | None = None) -> list[str]:
    return check_photo(data, profile or PhotoProfile()).codes


def with_com(data: bytes, size: int) -> bytes:
    """Insert a COM segment of ``size`` payload bytes right after SOI (max 65533)."""
    return data[:2] + b"\xff\xfe" + (size + 2).to_bytes(2, "big") + b"x" * size + data[2:]


def on_canvas(image: Image.Image, scale: float, dx: int = 0, dy: int = 0) -> bytes:
    """The photo scaled about the eyes (240, 260) and moved, on a fresh light-blue canvas."""
    size = (round(480 * scale), round(640 * scale))
    canvas = Image.new("RGB", (480, 640), BLUE)
    canvas.paste(
        image.resize(size, Image.Resampling.LANCZOS),
        (round(240 - 240 * scale) + dx, round(260 - 260 * scale) + dy),
    )
    return jpeg(canvas, quality=80)


def test_it_accepts_the_standard_photos_of_every_source_face() -> None:
    for photo in portrait.photo_set(6):
        result = check_photo(photo)
        assert result.ok, result.rejections
        m = result.measurements
        assert (m["width"], m["height"], m["mode"], m["faces"], m["quality"]) == (480, 640, "RGB", 1, 80)
        assert 50 <= m["hair_top"] <= 110 and 200 <= m["eye_y"] <= 300 and 180 <= m["face_width"] <= 300


def test_it_strips_exif_losslessly_and_makes_a_thumbnail() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(0x8825)[2] = (39.0, 54.0, 0.0)  # GPSLatitude
    data = jpeg(decoded(), quality=Q, exif=exif, dpi=(300, 300))
    assert b"Exif\x00\x00" in data and Image.open(io.BytesIO(data)).getexif()
    result = check_photo(data)
    assert result.ok, result.rejections
    assert result.clean_jpeg is not None and result.thumbnail is not None
    with Image.open(io.BytesIO(result.clean_jpeg)) as clean:
        assert not clean.getexif()
        assert "exif" not in clean.info and clean.info["dpi"] == (300, 300)
        assert np.array_equal(np.asarray(clean.convert("RGB")), np.asarray(decoded(data)))
    assert b"Exif" not in result.clean_jpeg and b"PhoneMaker" not in result.clean_jpeg
    assert len(result.clean_jpeg) < len(data)
    with Image.open(io.BytesIO(result.thumbnail)) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (120, 160))


def test_it_drops_comments_and_bytes_after_eoi_from_the_stored_file() -> None:
    data = with_com(good(), 100) + b"<html><script>alert(1)</script></html>"
    result = check_photo(data)
    assert result.ok and result.clean_jpeg == strip_metadata(data)
    assert result.clean_jpeg == good() and result.measurements["trailing_bytes"] == 38


def test_it_accepts_a_progressive_jpeg() -> None:
    data = jpeg(decoded(), quality=Q, progressive=True)
    result = check_photo(data)
    assert result.ok and result.measurements["progressive"] is True
    assert result.clean_jpeg is not None
    assert np.array_equal(np.asarray(decoded(result.clean_jpeg)), np.asarray(decoded(data)))


def test_it_rejects_a_png_renamed_jpg_by_content() -> None:
    buffer = io.BytesIO()
    decoded().save(buffer, "PNG")
    result = check_photo(buffer.getvalue())
    assert "not_jpeg" in result.codes and "mode" not in result.measurements


@pytest.mark.parametrize("data", [b"", b"hello" * 5000, bytes(range(256)) * 100, b"GIF89a" + b"\x00" * 30000])
def test_it_rejects_bytes_that_are_no_image(data: bytes) -> None:
    assert "not_jpeg" in codes(data)


def test_it_rejects_a_truncated_jpeg() -> None:
    data = good()
    assert codes(data[: len(data) // 2]) == ["file_too_small", "truncated"]
    assert codes(data[:-2]) == ["truncated"]  # only EOI missing


def test_it_rejects_a_jpeg_with_a_broken_marker_structure() -> None:
    data = good()
    assert codes(data[:2] + b"\xff\xe0\x00\x10" + b"\x00" * 14 + b"garbage" * 4000) == ["unreadable"]


@pytest.mark.parametrize("where", ["before", "after", "after_the_scan"])
def test_a_second_frame_header_makes_the_file_unreadable_wherever_it_is(where: str) -> None:
    data = good()
    sof = data.index(b"\xff\xc0")
    end = sof + 2 + int.from_bytes(data[sof + 2 : sof + 4], "big")
    huge = bytearray(data[sof:end])
    huge[5:9] = (30000).to_bytes(2, "big") * 2
    at = {"before": sof, "after": end, "after_the_scan": data.rindex(b"\xff\xd9")}[where]
    assert codes(data[:at] + bytes(huge) + data[at:]) == ["unreadable"]


def test_it_refuses_a_pixel_flood_before_decoding() -> None:
    tiny = bytearray(jpeg(Image.new("RGB", (8, 8), BLUE), quality=90))
    sof = tiny.index(b"\xff\xc0")
    tiny[sof + 5 : sof + 9] = (30000).to_bytes(2, "big") * 2  # height, width
    result = check_photo(bytes(tiny))
    assert "too_many_pixels" in result.codes
    assert (result.measurements["width"], result.measurements["height"]) == (30000, 30000)
    assert "mode" not in result.measurements  # Pillow never opened it


def test_it_rejects_the_wrong_pixel_size_without_looking_for_a_face() -> None:
    result = check_photo(jpeg(decoded().resize((600, 800)), quality=70))
    assert "wrong_size" in result.codes and "faces" not in result.measurements
    assert "照片尺寸应为 480×640 像素，实际为 600×800" in [r.message for r in result.rejections]


def test_it_rejects_a_greyscale_jpeg() -> None:
    assert "not_rgb" in codes(jpeg(decoded().convert("L"), quality=90))


def test_it_rejects_a_cmyk_jpeg() -> None:
    assert "not_rgb" in codes(jpeg(decoded().convert("CMYK"), quality=80))


def test_it_rejects_a_low_quality_reencode() -> None:
    result = check_photo(jpeg(decoded(), quality=30))
    assert "quality_too_low" in result.codes and result.measurements["quality"] == 30


def test_it_rejects_a_10_kb_file() -> None:
    image, quality = decoded(), 60
    while len(data := jpeg(image, quality=quality)) > 10 * 1024:
        quality -= 5
    assert "file_too_small" in codes(data)


def test_it_rejects_a_small_file_that_is_otherwise_compliant() -> None:
    smooth = decoded().resize((60, 80), Image.Resampling.BOX).resize((480, 640), Image.Resampling.BICUBIC)
    data = jpeg(smooth, quality=60)
    assert len(data) < 20 * 1024 and codes(data) == ["file_too_small"]


def test_it_rejects_a_60_kb_file() -> None:
    data = with_com(good(), 60 * 1024 - len(good()))
    assert len(data) > 40 * 1024 and codes(data) == ["file_too_large"]
    assert codes(jpeg(decoded(), quality=98)) == ["file_too_large"]


def test_it_rejects_a_file_that_only_reaches_the_minimum_with_metadata() -> None:
    smooth = decoded().resize((60, 80), Image.Resampling.BOX).resize((480, 640), Image.Resampling.BICUBIC)
    data = jpeg(smooth, quality=60)
    assert codes(with_com(data, 20 * 1024 - len(data) + 100)) == ["file_too_small"]


def test_size_bounds_come_from_the_profile() -> None:
    aopeng = PhotoProfile(min_bytes=30 * 1024, max_bytes=60 * 1024)
    assert codes(with_com(good(), 50 * 1024 - len(good())), aopeng) == []


def test_it_rejects_a_white_background() -> None:
    image = decoded()
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 60, 60), fill=(255, 255, 255))
    draw.rectangle((420, 0, 479, 60), fill=(255, 255, 255))
    result = check_photo(jpeg(image, quality=Q))
    assert result.codes == ["background"]
    assert result.measurements["corner_left"] == (255, 255, 255)
    white = codes(jpeg(image, quality=Q), PhotoProfile(background=(255, 255, 255)))
    assert "background" not in white and "hair_top" in white  # the blue above the head is not white


def test_it_rejects_a_photo_without_a_face() -> None:
    result = check_photo(jpeg(Image.new("RGB", (480, 640), BLUE), quality=80))
    assert set(result.codes) == {"file_too_small", "no_face"} and result.measurements["faces"] == 0


def test_face_checks_can_be_switched_off() -> None:
    assert codes(jpeg(Image.new("RGB", (480, 640), BLUE), quality=80), PhotoProfile(check_face=False)) == [
        "file_too_small"
    ]


def test_it_rejects_six_faces() -> None:
    with Image.open(portrait.FACES_DIR / "group_six_people.jpg") as opened:
        group = opened.convert("RGB")
    canvas = Image.new("RGB", (480, 640), BLUE)
    centres = [(117, 336), (785, 417), (1165, 336), (514, 362), (318, 222), (935, 140)]
    for i, (cx, cy) in enumerate(sorted(centres)):
        face = group.crop((cx - 75, cy - 75, cx + 75, cy + 75)).resize((210, 210))
        canvas.paste(face, ((i % 2) * 240 + 15, (i // 2) * 213 + 2))
    result = check_photo(jpeg(canvas, quality=80))
    assert "multiple_faces" in result.codes and result.measurements["faces"] == 6


def test_it_rejects_a_face_placed_too_low() -> None:
    result = check_photo(on_canvas(decoded(), 1.0, dy=120))
    assert {"eye_line", "hair_top"} <= set(result.codes) and result.measurements["eye_y"] > 300


def test_it_rejects_a_face_too_small() -> None:
    result = check_photo(on_canvas(decoded(), 0.65))
    assert "face_width" in result.codes and result.measurements["face_width"] < 180
    assert result.measurements["faces"] == 1  # found at full size although HOG misses it at half size


@pytest.mark.parametrize("quality", [10, 30, 59, 60, 75, 80, 95, 100])
def test_quality_is_estimated_from_the_quantisation_tables(quality: int) -> None:
    with Image.open(io.BytesIO(jpeg(decoded(), quality=quality))) as image:
        assert estimate_quality(image) == quality


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 40_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 40_000),
)
def test_damaged_files_are_rejected_or_accepted_never_raise(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(good())
    for offset, value in edits:
        data[offset % len(data)] = value
    result = check_photo(bytes(data[: len(data) - cut % 200]))
    assert result.ok == (result.clean_jpeg is not None) == (result.thumbnail is not None)


def oriented(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    return jpeg(image, quality=Q, exif=exif)


def test_a_phone_photo_stored_sideways_is_checked_as_stored_never_rotated() -> None:
    """RELIABILITY.md IMG-06: the rules apply to the pixels as stored. A sideways 640×480 with an
    Orientation tag is the wrong size (nothing is rotated for the student); an upright 480×640 with a
    false tag passes, and the stored file has no tag left to turn it in a viewer."""
    sideways = oriented(decoded().transpose(Image.Transpose.ROTATE_90), 6)
    assert "wrong_size" in codes(sideways)
    result = check_photo(oriented(decoded(), 6))
    assert result.ok, result.rejections
    assert result.clean_jpeg is not None
    with Image.open(io.BytesIO(result.clean_jpeg)) as clean:
        assert clean.size == (480, 640) and 0x0112 not in clean.getexif()
