"""`gradphoto serve` collects the static files only when they changed (a full collect takes ~25 s)."""

from __future__ import annotations

import os

from django.test import override_settings

from gradphoto.common.staticfiles import MANIFEST, collect_static_if_changed


def test_static_files_are_collected_again_only_after_a_source_changes(tmp_path):
    sources, root = tmp_path / "src", tmp_path / "root"
    sources.mkdir()
    css = sources / "a.css"
    css.write_text("body { color: red }")
    storage = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(
        STATICFILES_DIRS=[sources],
        STATIC_ROOT=root,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": storage,
        },
    ):
        assert collect_static_if_changed() is True
        assert (root / MANIFEST).is_file() and (root / "a.css").is_file()
        assert collect_static_if_changed() is False
        stat = css.stat()
        css.write_text("body { color: rEd }")  # a release changes a file: same size and time
        os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert collect_static_if_changed() is True
        css.write_text("body { color: blue }")
        assert collect_static_if_changed() is True
        assert "blue" in (root / "a.css").read_text()
        (root / MANIFEST).unlink()  # a damaged STATIC_ROOT is rebuilt
        assert collect_static_if_changed() is True
        assert collect_static_if_changed() is False
