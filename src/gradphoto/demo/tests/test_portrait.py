"""Standard diploma photos made from the real face photos in gradphoto/demo/faces."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from gradphoto.demo import portrait

SOURCES = ["astronaut.png", "biden.jpg", "luispedro.jpg", "obama.jpg", "obama2.jpg", "obama3.jpg"]
VARIANTS = range(4)


@cache
def _photo(name: str, variant: int) -> bytes:
    with Image.open(portrait.FACES_DIR / name) as source:
        return portrait.standard_photo(source, variant=variant)


def test_source_faces_are_the_single_person_photos() -> None:
    assert [p.name for p in portrait.source_faces()] == SOURCES


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", SOURCES)
def test_standard_photo_meets_the_national_format(name: str, variant: int) -> None:
    m = portrait.measure(_photo(name, variant))
    assert (m["width"], m["height"], m["mode"]) == (480, 640, "RGB")
    assert 20_000 <= m["bytes"] <= 40_960
    assert m["faces"] == 1
    assert 200 <= m["eye_y"] <= 300
    assert 180 <= m["face_width"] <= 300
    assert 50 <= m["hair_top"] <= 110
    assert m["corner_ok"] is True


@pytest.mark.parametrize("name", SOURCES)
def test_variants_differ_and_repeat_exactly(name: str) -> None:
    photos = [_photo(name, v) for v in VARIANTS]
    assert len(set(photos)) == len(photos)
    with Image.open(portrait.FACES_DIR / name) as source:
        assert portrait.standard_photo(source, variant=2) == photos[2]


def test_jpeg_is_300_dpi_without_exif() -> None:
    with Image.open(io.BytesIO(_photo("obama.jpg", 0))) as image:
        assert image.format == "JPEG"
        assert image.info["dpi"] == (300, 300)
        assert "exif" not in image.info
        assert not image.getexif()


def test_background_outside_the_mask_stays_light_blue() -> None:
    with Image.open(io.BytesIO(_photo("obama.jpg", 0))) as image:
        corners = [image.crop((0, 0, 40, 40)), image.crop((440, 0, 480, 40))]
    for corner in corners:
        for _, colour in corner.getcolors(40 * 40) or []:
            assert max(abs(a - b) for a, b in zip(colour, portrait.BACKGROUND, strict=True)) <= 3


def test_group_photo_is_rejected() -> None:
    with (
        Image.open(portrait.FACES_DIR / "group_six_people.jpg") as source,
        pytest.raises(ValueError, match="exactly one face"),
    ):
        portrait.standard_photo(source)


def test_photo_set_is_distinct_and_cycles_sources() -> None:
    photos = portrait.photo_set(14)
    assert len(photos) == 14
    assert len(set(photos)) == 14
    assert photos[:6] == [_photo(name, 0) for name in SOURCES]
    assert photos[6] == _photo(SOURCES[0], 1)


def test_faces_folder_carries_attribution() -> None:
    text = (Path(portrait.FACES_DIR) / "SOURCES.md").read_text(encoding="utf-8")
    for name in [*SOURCES, "group_six_people.jpg", "obama_partial_face.jpg"]:
        assert (portrait.FACES_DIR / name).is_file()
        assert name.split(".")[0] in text
    assert "MIT" in text
