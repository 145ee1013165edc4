"""JPEG at the byte level (RELIABILITY.md §2.5): the marker walk, metadata stripping, the quality estimate.

The marker structure is read before Pillow sees a file (the pixel count from the SOF header, a
truncated or broken structure); the accepted file is the same entropy-coded data without EXIF/APPn/COM
segments, never re-encoded; the quality is estimated from the quantisation tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

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
_QUALITIES = np.arange(1, 101)
_SCALED = np.clip(  # the standard table scaled for each IJG quality 1..100, one row per quality
    (
        _STD_LUMINANCE[None, :] * np.where(_QUALITIES < 50, 5000 // _QUALITIES, 200 - 2 * _QUALITIES)[:, None]
        + 50
    )
    // 100,
    1,
    255,
)


class Corrupt(Exception):
    """The marker structure is broken (not merely cut short)."""


@dataclass
class Layout:
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


def markers(data: bytes) -> Layout:
    """Walk the marker segments from after SOI to EOI; raises Corrupt on a broken structure."""
    layout, pos, n, frames = Layout(), 2, len(data), 0
    while pos < n:
        if data[pos] != 0xFF:
            raise Corrupt(f"no marker at offset {pos}")
        start = pos
        while pos < n and data[pos] == 0xFF:  # fill bytes may precede a marker
            pos += 1
        if pos >= n:
            break
        marker, pos = data[pos], pos + 1
        if marker in (0x00, 0xD8):
            raise Corrupt(f"invalid marker {marker:#04x} at offset {start}")
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
            raise Corrupt(f"segment length below 2 at offset {start}")
        if end > n:
            break
        frames += marker in _SOF
        if frames > 1:
            raise Corrupt(f"a second frame header (SOF) at offset {start}")  # one frame per JFIF image
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


def rewrite(data: bytes, layout: Layout) -> bytes:
    return data[:2] + b"".join(data[s:e] for m, s, e in layout.segments if _kept(data, m, s, e))


def strip_metadata(data: bytes) -> bytes:
    """The same JPEG without EXIF/XMP/ICC/other APPn and COM segments or bytes after EOI; not re-encoded."""
    try:
        layout = markers(data)
    except Corrupt as exc:
        raise ValueError(str(exc)) from exc
    if data[:2] != b"\xff\xd8" or not layout.complete:
        raise ValueError("not a complete JPEG")
    return rewrite(data, layout)


def estimate_quality(image: Image.Image) -> int:
    """IJG quality 1..100 whose scaled standard luminance table is nearest the image's first table."""
    tables = getattr(image, "quantization", None)
    if not tables:
        raise ValueError("image has no JPEG quantisation tables")
    table = np.asarray(tables[min(tables)], dtype=np.int64)
    error = np.abs(_SCALED - table[None, :]).sum(axis=1)
    return int(_QUALITIES[np.flatnonzero(error == error.min())[-1]])
