"""Face detection and identity comparison with dlib on standard photos of real faces."""

from __future__ import annotations

import io
from functools import cache
from itertools import combinations

import numpy as np
import pytest
from PIL import Image

from gradphoto.demo import portrait
from gradphoto.photos import faces

OBAMA = ["obama.jpg", "obama2.jpg", "obama3.jpg"]
OTHERS = ["biden.jpg", "luispedro.jpg", "astronaut.png"]


@cache
def photo(name: str, variant: int = 0) -> bytes:
    with Image.open(portrait.FACES_DIR / name) as source:
        return portrait.standard_photo(source, variant=variant)


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def test_it_finds_one_face_with_68_landmarks_and_a_128_d_embedding() -> None:
    rgb = pixels(photo("obama.jpg"))
    boxes = faces.find_faces(rgb)
    assert len(boxes) == 1
    points = faces.landmarks(rgb, boxes[0])
    assert points.shape == (68, 2)
    assert 250 <= points[36:48, 1].mean() <= 270 and 220 <= points[16, 0] - points[0, 0] <= 240
    vector = faces.embedding(rgb, boxes[0])
    assert vector.shape == (128,) and faces.face_distance(vector, vector) == 0.0


def test_it_finds_no_face_on_a_plain_background() -> None:
    assert faces.find_faces(np.full((640, 480, 3), (100, 197, 255), dtype=np.uint8)) == []


@pytest.mark.parametrize(
    ("a", "b"), [("obama.jpg", "obama2.jpg"), ("obama.jpg", "obama3.jpg"), ("obama2.jpg", "obama3.jpg")]
)
def test_it_passes_the_same_person(a: str, b: str) -> None:
    result, distance = faces.compare(photo(a), photo(b))
    assert result == "passed" and 0.3 <= distance < 0.5


@pytest.mark.parametrize(("name", "other"), list(combinations(["obama.jpg", *OTHERS], 2)))
def test_it_fails_different_people(name: str, other: str) -> None:
    result, distance = faces.compare(photo(name), photo(other))
    assert result == "failed" and distance > 0.6


def test_a_variant_of_the_same_photo_is_nearly_identical() -> None:
    result, distance = faces.compare(photo("biden.jpg"), photo("biden.jpg", variant=3))
    assert result == "passed" and distance < 0.2


def test_thresholds_decide_the_band_left_for_a_person() -> None:
    a, b = photo("obama.jpg"), photo("obama2.jpg")
    _, distance = faces.compare(a, b)
    assert faces.compare(a, b, pass_below=distance - 0.01, fail_above=distance + 0.01) == (
        "uncertain",
        distance,
    )
    assert faces.compare(a, b, pass_below=0.1, fail_above=distance - 0.01)[0] == "failed"


def test_it_reports_no_face() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), (100, 197, 255)).save(buffer, "JPEG")
    assert faces.compare(buffer.getvalue(), photo("obama.jpg")) == ("no_face", -1.0)


def test_it_refuses_what_is_not_a_jpeg() -> None:
    with pytest.raises(ValueError, match="not a readable JPEG"):
        faces.compare(b"not an image", photo("obama.jpg"))


def test_models_load_once_and_portrait_uses_them() -> None:
    assert faces.detector() is faces.detector() and faces.recognizer() is faces.recognizer()
    assert portrait.load_models() == (faces.detector(), faces.shape_predictor())
    assert (faces.models_dir() / "dlib_face_recognition_resnet_model_v1.dat").is_file()


def test_the_zone_detector_is_the_same_detector_scanning_fewer_pyramid_levels(tmp_path) -> None:
    path = tmp_path / "detector.svm"
    faces.detector().save(str(path))
    saved = path.read_bytes()
    patched = faces.with_max_levels(saved, faces.ZONE_LEVELS)  # 1000 levels (2 bytes) become 5 (1 byte)
    assert len(patched) == len(saved) - 1 and patched[-100_000:] == saved[-100_000:]
    with pytest.raises(ValueError, match="unexpected detector header"):
        faces.with_max_levels(saved[:8] + b"\x01\x07" + saved[10:], 5)  # a cell size of 7
    assert faces.zone_detector() is faces.zone_detector() is not faces.detector()
    half = np.asarray(Image.fromarray(pixels(photo("obama.jpg"))).reduce(2))
    boxes = [(b.left(), b.top(), b.right(), b.bottom()) for b in faces.faces_in_rows(half, 0, 320)]
    assert boxes == [(b.left(), b.top(), b.right(), b.bottom()) for b in faces.find_faces(half)]
    moved = faces.faces_in_rows(half, 40, 300)[0]
    # rows are given back in place (the crop shifts the pyramid's sampling by a pixel or two)
    assert abs(moved.top() - boxes[0][1]) <= 4 and abs(moved.bottom() - boxes[0][3]) <= 4
