"""Linkage keys: written with a new photo; keys_refresh fills every stale row, in this process or, in
bulk, in forked worker processes."""

from __future__ import annotations

import pytest

from gradphoto.common.testing import make_photo, make_record
from gradphoto.linking.engine import keys
from gradphoto.linking.engine.keys import KEY_VERSION, PHOTO_FIELDS, RECORD_FIELDS, keys_refresh
from gradphoto.photos.models import Photo
from gradphoto.records.models import StudentRecord

pytestmark = pytest.mark.django_db


def expected() -> tuple[set[tuple], set[tuple]]:
    records = {
        (i.pk, i.id_key, i.birth_key, i.pinyin_key)
        for i in map(keys.record_identity, StudentRecord.objects.values_list(*RECORD_FIELDS))
    }
    photos = {
        (i.pk, i.id_key, i.id_valid, i.birth_key, i.pinyin_key)
        for i in map(keys.photo_identity, Photo.objects.values_list(*PHOTO_FIELDS))
    }
    return records, photos


def stored() -> tuple[set[tuple], set[tuple]]:
    return (
        set(StudentRecord.objects.values_list("pk", "id_key", "birth_key", "pinyin_key")),
        set(Photo.objects.values_list("pk", "id_key", "id_valid", "birth_key", "pinyin_key")),
    )


@pytest.mark.parametrize("chunk", [20000, 3])
def test_every_stale_row_gets_its_keys_in_one_process_or_in_workers(personas, monkeypatch, chunk):
    """A chunk of 3 makes the 7 records and 7 photos a bulk refresh: the forked workers compute it."""
    monkeypatch.setattr(keys, "CHUNK", chunk)
    for n in range(7):
        record = make_record(personas.school, **({"name": "单伟"} if n == 0 else {}))
        make_photo(record, personas.agency, name=record.name if n % 2 else "曾" + record.name[1:])
    assert not Photo.objects.exclude(key_version=KEY_VERSION).exists()  # written with the row
    assert stored()[1] == expected()[1]
    StudentRecord.objects.update(key_version=0)  # as an in-place change leaves them
    Photo.objects.update(key_version=0, pinyin_key="", id_key="")
    forked = []
    real = keys.ProcessPoolExecutor
    monkeypatch.setattr(keys, "ProcessPoolExecutor", lambda **kw: forked.append(kw) or real(**kw))
    counts = keys_refresh()
    assert counts == {"records": 7, "photos": 7}
    assert not StudentRecord.objects.exclude(key_version=KEY_VERSION).exists()
    assert not Photo.objects.exclude(key_version=KEY_VERSION).exists()
    assert stored() == expected()
    assert bool(forked) == (chunk == 3)
    assert keys_refresh() == {"records": 0, "photos": 0}
