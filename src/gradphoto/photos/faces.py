"""Face detection, landmarks and identity comparison with dlib (ARCHITECTURE.md, "faces" row).

The models ship in the ``face_recognition_models`` wheel; its folder is found with
``importlib.util.find_spec`` so that ``pkg_resources`` (imported by that package's ``__init__``) is never
needed. Each model loads once per process. Same-person distances on the demo faces are 0.33–0.44 and
different people 0.65–1.01, so a photo passes below 0.5, fails above 0.6 and is left for a person in
between.

The photo standard (standard.py) looks for faces in two ways; what each one catches:

* Exact path, ``measure_everywhere``: the whole half-size frame at every pyramid level, then the full size
  when that finds nothing. Every rejection (no_face, multiple_faces, the bounds) is decided here.
* Quick path, ``quick_look``, on the half-size image JPEG ``draft`` decodes: it can only accept. It needs
  exactly one face from ``zone_detector`` (the same five HOG filters and threshold, pyramid levels 0–4)
  in the zone rows, where the face box of every acceptable face lies: y 30–568 of 640, the full width.
  Any second face there, in any pose the detector knows, sends the photo to the exact path. Outside the
  head-and-shoulders envelope (the top 40 rows, both sides above y ≈ 387) only background may show, so
  a second person above or beside the subject, even one cut by the frame's edge, does the same. Not
  looked at on the quick path: a second face whose box reaches into the bottom 72 rows (below the chin,
  where the subject's chest is) and faces over ~400 px wide, which cannot sit beside a compliant one.
"""

from __future__ import annotations

import importlib.util
import io
import math
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
# A face box spans at most 0.55 face widths above the eye line and 0.9 below it (0.46 and 0.78 measured on
# the demo portraits); one HOG cell of context is added around the rows it may take.
BOX_ABOVE_EYES, BOX_BELOW_EYES, HOG_CELL = 0.55, 0.9, 8
# Head-and-shoulders envelope, relative to the frame: an ellipse centred (0.5 w, 1.0625 h), semi-axes
# 0.5625 w × h (480×640: centre (240, 680), 270×640). Outside it (the top 40 rows, both sides above the
# shoulders at y ≈ 387) a compliant photo shows only background; the demo portraits' vignette lies inside.
ENVELOPE = (0.5, 1.0625, 0.5625, 1.0)
ENVELOPE_SLACK = 0.002  # share of the pixels outside it that may depart (JPEG ringing at a hair edge)
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


def load_for_workers() -> None:
    """Load the photo-standard models before forking, so that worker processes share them."""
    detector(), zone_detector(), shape_predictor()


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
    """The frontal face detector (all five HOG filters, same threshold) scanning ZONE_LEVELS levels.

    Should a future dlib save another layout, the unlimited detector is used: slower, never weaker.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "detector.svm"
        detector().save(str(path))
        try:
            path.write_bytes(with_max_levels(path.read_bytes(), ZONE_LEVELS))
        except ValueError:
            return detector()
        return dlib.fhog_object_detector(str(path))


def zone_rows(eye_line: tuple[float, float], widest: float, scale: int) -> tuple[int, int]:
    """Rows of the 1/scale image holding the box of any face with its eyes within ``eye_line`` and at
    most ``widest`` wide (both in full-size px)."""
    top = math.floor((eye_line[0] - BOX_ABOVE_EYES * widest) / scale) - HOG_CELL
    return max(top, 0), math.ceil((eye_line[1] + BOX_BELOW_EYES * widest) / scale) + HOG_CELL


def faces_in_rows(image: np.ndarray, top: int, bottom: int) -> list[Any]:
    """Boxes ``zone_detector`` finds in rows top..bottom of ``image``, in the coordinates of ``image``."""
    found = zone_detector()(np.ascontiguousarray(image[top:bottom]), 0)
    return [dlib.rectangle(b.left(), b.top() + top, b.right(), b.bottom() + top) for b in found]


def measure_everywhere(
    rgb: Image.Image, background: tuple[int, int, int], tolerance: int
) -> tuple[int, dict[str, float]]:
    """Faces found anywhere (find_faces_half_then_full) and, for exactly one, its hair top, eye line and
    face width in px (the full-size measurements of the photo standard)."""
    pixels = np.asarray(rgb)
    boxes = find_faces_half_then_full(rgb, pixels)
    if len(boxes) != 1:
        return len(boxes), {}
    eye_y, width = eyes_and_width(landmarks(pixels, boxes[0]))
    top = hair_top(pixels, background, tolerance)
    return 1, {"hair_top": top, "eye_line": round(eye_y, 1), "face_width": round(width, 1)}


def quick_look(
    half: np.ndarray,
    quarter: np.ndarray,
    background: tuple[int, int, int],
    tolerance: int,
    bounds: dict[str, tuple[float, float]],
    scale: int = 2,
) -> dict[str, float] | None:
    """The quick path's face rules on the 1/scale image (the 1/2·scale one for the envelope): nobody
    outside the envelope, one face in the zone rows, and hair_top, eye_line and face_width (full-size px)
    each within ``bounds``; those three measurements, or None."""
    if not nobody_outside_envelope(quarter, background, tolerance):
        return None
    rows = zone_rows(bounds["eye_line"], bounds["face_width"][1], scale)
    if (found := one_face(half, rows, scale)) is None:
        return None
    values = {"hair_top": scale * hair_top(half, background, tolerance), "eye_line": found[0]}
    values["face_width"] = found[1]
    inside = all(low <= values[code] <= high for code, (low, high) in bounds.items())
    return values if inside else None


def one_face(image: np.ndarray, rows: tuple[int, int], scale: int) -> tuple[float, float] | None:
    """Eye line and face width, in full-size px, of the only face in ``rows`` of the 1/scale image.

    None when the rows hold no face or more than one. A landmark at pixel p of the small image covers
    full-size pixels scale·p … scale·p + scale − 1, hence the eye line's half-pixel offset.
    """
    boxes = faces_in_rows(image, *rows)
    if len(boxes) != 1:
        return None
    eye_y, width = eyes_and_width(landmarks(image, boxes[0]))
    return scale * eye_y + (scale - 1) / 2, scale * width


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


@lru_cache(maxsize=4)
def _outside_envelope(height: int, width: int) -> np.ndarray:
    """Flat pixel indices outside the head-and-shoulders envelope of a height×width image."""
    cx, cy, ax, ay = ENVELOPE
    y, x = np.mgrid[0:height, 0:width]
    inside = ((x + 0.5 - cx * width) / (ax * width)) ** 2 + ((y + 0.5 - cy * height) / (ay * height)) ** 2
    return np.flatnonzero(inside > 1)


def nobody_outside_envelope(image: np.ndarray, background: tuple[int, int, int], tolerance: int) -> bool:
    """Whether all but ENVELOPE_SLACK of the pixels outside the envelope are within ``tolerance`` (per
    channel) of ``background``: a second person beside or above the subject would show there."""
    outside = image.reshape(-1, 3)[_outside_envelope(*image.shape[:2])].astype(np.int16)
    departing = np.abs(outside - np.array(background, dtype=np.int16)).max(axis=1) > tolerance
    return bool(np.count_nonzero(departing) <= ENVELOPE_SLACK * len(outside))


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
