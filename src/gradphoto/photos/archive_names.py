"""How a photo batch's member names are looked up: one key per member, the wrapping folder of a batch
zipped from its folder, and the members under one decoding of the names (`archive.BatchArchive`)."""

from __future__ import annotations

import unicodedata
import zipfile
from dataclasses import dataclass

MANIFESTS = ("manifest.csv", "manifest.xlsx")


def member_key(name: str) -> str:
    """Lookup and duplicate key: posix parts without "" and ".", NFC, case-folded."""
    joined = "/".join(part for part in name.split("/") if part not in ("", "."))
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", joined).casefold())


@dataclass(frozen=True)
class Reading:
    """The members under one decoding of the names; ``root`` is "" or the one folder holding everything
    (a batch zipped from its folder), ``manifest`` the manifest's name in the archive."""

    members: dict[str, tuple[str, zipfile.ZipInfo]]
    root: str
    manifest: str


def wrapping_folder(kept: list[tuple[str, zipfile.ZipInfo]]) -> str:
    """ "folder/" when there is no manifest at the root and every member lies in that one folder, which
    holds one at its top (Windows' "Send to > Compressed folder" zips the folder itself); else ""."""
    if not kept or any(name.casefold() in MANIFESTS for name, _info in kept):
        return ""
    tops = {name.split("/", 1)[0] + "/" for name, _info in kept}
    top = tops.pop()
    if tops or not all(name.startswith(top) for name, _info in kept):
        return ""
    return top if any(name[len(top) :].casefold() in MANIFESTS for name, _info in kept) else ""


def lookup(members: dict[str, tuple[str, zipfile.ZipInfo]], root: str, name: str) -> str | None:
    """The member key ``name`` refers to: as given, or under the wrapping folder; None if neither."""
    for key in (member_key(name), member_key(root + name) if root else None):
        if key is not None and key in members:
            return key
    return None
