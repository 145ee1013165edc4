"""Face detection, landmarks and identity comparison with dlib (ARCHITECTURE.md, "faces" row).

The models ship in the ``face_recognition_models`` wheel; its folder is found with
``importlib.util.find_spec`` so that ``pkg_resources`` (imported by that package's ``__init__``) is never
needed. Each model loads once per process. Same-person distances on the demo faces are 0.33–0.44 and
different people 0.65–1.01, so a photo passes below 0.5, fails above 0.6 and is left for a person in
between.
"""

from __future__ import annotations

import importlib.util
import io
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import dlib
import numpy as np
from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000  # an ID or admission photo is well under 1 MP; refuse bombs before decoding
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
