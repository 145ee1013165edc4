"""Face detection, landmarks and identity comparison with dlib (ARCHITECTURE.md, "faces" row).

The models ship in the ``face_recognition_models`` wheel; its folder is found with
``importlib.util.find_spec`` so that ``pkg_resources`` (imported by that package's ``__init__``) is never
needed. Each model loads once per process. Same-person distances on the demo faces are 0.33–0.44 and
different people 0.65–1.01, so a photo passes below 0.5, fails above 0.6 and is left for a person in
between.

The photo standard searches in two ways (standard.py): ``find_faces_half_then_full`` looks everywhere, and
``faces_in_rows`` looks only in a band of rows with ``zone_detector``, the same five HOG filters limited to
the pyramid levels a compliant face needs.
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import dlib
import numpy as np
from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000  # an ID or admission photo is well under 1 MP; refuse bombs before decoding
DETECT_SCALE = 2  # standard photos are searched at half size; a compliant face is ≥ 90 px wide there
# Pyramid levels 0–4 (scale 1 to 0.48): HOG boxes of about 75–200 px, faces up to ≈ 400 px wide at full
# size, beyond the largest compliant face (300 px); larger faces cannot fit beside one in the zone.
ZONE_LEVELS = 5
# dlib's scan_fhog_pyramid header: versions, feature extractor, cell size 8, padding, 80×80 window, then
# max_pyramid_levels (index 8) and the smallest layer, 64×64.
_HEADER = (2, 1, 0, 0, 8, 0, 80, 80, None, 64, 64)
PASSED, UNCERTAIN, FAILED, NO_FACE = "passed", "uncertain", "failed", "no_face"


def models_dir() -> Path:
    """The ``models`` folder of the installed face_recognition_models package (not imported)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face_recognition_models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@lru_cache(maxsize=1)
def detector() -> Any:
    """dlib's HOG frontal face detector (loaded once)."""
    return dlib.get_frontal_face_detector()


@lru_cache(maxsize=1)
def shape_predictor() -> Any:
    """dlib's 68-point landmark model (loaded once)."""
    return dlib.shape_predictor(str(models_dir() / "shape_predictor_68_face_landmarks.dat"))


@lru_cache(maxsize=1)
def recognizer() -> Any:
    """dlib's ResNet face recognition model giving 128-d descriptors (loaded once, ≈ 22 MB)."""
    return dlib.face_recognition_model_v1(str(models_dir() / "dlib_face_recognition_resnet_model_v1.dat"))


def load_models() -> tuple[Any, Any]:
    """The frontal face detector and the 68-point shape predictor (the pair the demo portraits use)."""
    return detector(), shape_predictor()


def find_faces(rgb: np.ndarray, *, upsample: int = 0) -> list[Any]:
    """Face boxes (``dlib.rectangle``) in an RGB uint8 array; no upsampling unless asked for."""
    return list(detector()(np.ascontiguousarray(rgb), upsample))


def _read_int(data: bytes, pos: int) -> tuple[int, int]:
    """dlib's integer encoding: a byte with the length (0x80 set if negative), then little-endian bytes."""
    size = data[pos] & 0x0F
    value = int.from_bytes(data[pos + 1 : pos + 1 + size], "little")
    return (-value if data[pos] & 0x80 else value), pos + 1 + size


def with_max_levels(serialised: bytes, levels: int) -> bytes:
    """A saved fhog detector with its max_pyramid_levels replaced; ValueError on an unknown layout."""
    starts, pos = [], 0
    for expected in _HEADER:
        starts.append(pos)
        value, pos = _read_int(serialised, pos)
        if expected is not None and value != expected:
            raise ValueError(f"unexpected detector header value {value} at offset {starts[-1]}")
    starts.append(pos)
    body = levels.to_bytes(max(1, (levels.bit_length() + 7) // 8), "little")
    return serialised[: starts[8]] + bytes([len(body)]) + body + serialised[starts[9] :]


@lru_cache(maxsize=1)
def zone_detector() -> Any:
    """The frontal face detector (all five HOG filters, same threshold) scanning ZONE_LEVELS levels."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "detector.svm"
        detector().save(str(path))
        path.write_bytes(with_max_levels(path.read_bytes(), ZONE_LEVELS))
        return dlib.fhog_object_detector(str(path))


def faces_in_rows(image: np.ndarray, top: int, bottom: int) -> list[Any]:
    """Boxes ``zone_detector`` finds in rows top..bottom of ``image``, in the coordinates of ``image``."""
    found = zone_detector()(np.ascontiguousarray(image[top:bottom]), 0)
    return [dlib.rectangle(b.left(), b.top() + top, b.right(), b.bottom() + top) for b in found]


def find_faces_half_then_full(rgb: Image.Image, pixels: np.ndarray) -> list[Any]:
    """Faces anywhere on the half-size image, boxes scaled back; the full size only when that finds none.

    HOG's window is 80 px, so a face under ~170 px wide is only found at full size: that costs the extra
    detection only for photos that are rejected anyway, and gives them the precise reason.
    """
    half = np.asarray(rgb.reduce(DETECT_SCALE))
    boxes = [
        dlib.rectangle(*(DETECT_SCALE * v for v in (b.left(), b.top(), b.right(), b.bottom())))
        for b in find_faces(half)
    ]
    return boxes or find_faces(pixels)


def hair_top(pixels: np.ndarray, background: tuple[int, int, int], tolerance: int, rows: int = 32) -> int:
    """First row whose central band (middle third of the columns) departs from ``background``.

    Departure is the largest channel of the band's mean absolute difference, compared with ``tolerance``;
    rows are looked at in blocks of ``rows`` from the top; the height if no row departs.
    """
    height, width = pixels.shape[:2]
    target = np.array(background, dtype=np.int16)
    for start in range(0, height, rows):
        band = pixels[start : start + rows, width // 3 : 2 * width // 3].astype(np.int16)
        departure = np.abs(band - target).mean(axis=1).max(axis=1)
        found = np.flatnonzero(departure > tolerance)
        if found.size:
            return start + int(found[0])
    return int(height)


def eyes_and_width(points: np.ndarray) -> tuple[float, float]:
    """Eye line (mean y of landmarks 36–47) and face width (landmark 16 x − landmark 0 x)."""
    return float(points[36:48, 1].mean()), float(points[16, 0] - points[0, 0])


def _shape(rgb: np.ndarray, box: Any) -> Any:
    return shape_predictor()(np.ascontiguousarray(rgb), box)


def landmarks(rgb: np.ndarray, box: Any) -> np.ndarray:
    """The 68 landmark points of the face in ``box`` as a float (68, 2) array of (x, y)."""
    shape = _shape(rgb, box)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def embedding(rgb: np.ndarray, box: Any) -> np.ndarray:
    """The 128-d identity descriptor of the face in ``box`` (computed from its 68-point shape)."""
    pixels = np.ascontiguousarray(rgb)
    descriptor = recognizer().compute_face_descriptor(pixels, _shape(pixels, box))
    return np.array(descriptor, dtype=np.float64)


def face_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors (dlib's same-person threshold is 0.6)."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def _decode_rgb(data: bytes) -> np.ndarray:
    """Decode a JPEG (upright per its EXIF orientation) to RGB; ValueError if it is no readable JPEG."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError(f"image has too many pixels: {image.width}×{image.height}")
                image.load()
                return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (OSError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"not a readable JPEG: {exc}") from exc


def _main_embedding(data: bytes) -> np.ndarray | None:
    """Descriptor of the largest face in a JPEG; tries one upsampling step when none is found."""
    rgb = _decode_rgb(data)
    faces = find_faces(rgb) or find_faces(rgb, upsample=1)
    if not faces:
        return None
    return embedding(rgb, max(faces, key=lambda box: box.area()))


def compare(
    photo_jpeg: bytes, admission_jpeg: bytes, *, pass_below: float = 0.5, fail_above: float = 0.6
) -> tuple[str, float]:
    """Is the diploma photo the person of the admission photo? ("passed"|"uncertain"|"failed"|"no_face", d).

    Rule: distance < ``pass_below`` passes, > ``fail_above`` fails, anything between goes to a person;
    "no_face" (distance -1) when either photo shows no face. The largest face of each photo is used.
    Raises ValueError when either input is not a readable JPEG.
    """
    photo, admission = _main_embedding(photo_jpeg), _main_embedding(admission_jpeg)
    if photo is None or admission is None:
        return NO_FACE, -1.0
    distance = face_distance(photo, admission)
    if distance < pass_below:
        return PASSED, distance
    if distance > fail_above:
        return FAILED, distance
    return UNCERTAIN, distance
