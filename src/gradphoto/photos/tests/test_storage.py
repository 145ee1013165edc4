"""Storing checked photos in chunks (ISSUE 3): the exact linking rules, audit rows and re-runs unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

from gradphoto.audit.models import AuditEvent
from gradphoto.common import clock
from gradphoto.common.images import store_content_addressed
from gradphoto.common.testing import make_photo, make_record, tiny_jpeg
from gradphoto.demo.portrait import photo_set
from gradphoto.imports.services import job_create, job_run
from gradphoto.imports.testing import batch_zip, photo_row
from gradphoto.photos import importer, services
from gradphoto.photos.jpeg import strip_metadata
from gradphoto.photos.models import LinkState, Photo
from gradphoto.photos.services import StoredPhoto, photos_add_stored
from gradphoto.photos.standard import PhotoProfile

pytestmark = pytest.mark.django_db


def stored(agency: Any, record: Any, collection_no: str, **identity: Any) -> StoredPhoto:
    name, digest = store_content_addressed(tiny_jpeg(), folder="photos", extension="jpg")
    return StoredPhoto(
        agency=agency,
        school=identity.pop("school", record.school),
        collection_no=collection_no,
        name=identity.pop("name", record.name),
        id_number=identity.pop("id_number", record.id_number),
        collected_on=clock.today(),
        sha256=digest,
        file=name,
        size=1000,
        **identity,
    )


def audit(photo: Photo) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    events = AuditEvent.objects.filter(object_type="photos.photo", object_id=str(photo.pk)).order_by("id")
    return [(e.action, e.before, e.after) for e in events]


def test_a_chunk_links_by_the_exact_rules_in_manifest_order(personas) -> None:
    school, agency = personas.school, personas.agency
    plain, by_code, twice, taken, done = (make_record(school) for _ in range(5))
    by_code.collection_uid = "c0de"
    by_code.save()
    first_of_two = make_record(school, level="专科")
    make_record(school, level="本科", name=first_of_two.name, id_number=first_of_two.id_number)
    make_photo(taken, personas.other_agency)
    make_photo(done, agency, collection_no="DONE")
    chunk = [
        stored(agency, plain, "A1", id_number=plain.id_number.lower()),
        stored(agency, by_code, "A2", name="别人", collection_code="c0de"),
        stored(agency, twice, "A3"),
        stored(agency, twice, "A4"),
        stored(agency, taken, "A5"),
        stored(agency, first_of_two, "A6"),
        stored(agency, plain, "A7", school=personas.other_school),
        stored(agency, done, "DONE"),
    ]
    created = photos_add_stored(stored=chunk, actor=personas.erin)
    assert [p.collection_no for p in created] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]
    states = {p.collection_no: (p.link_state, p.record_id, p.link_method) for p in Photo.objects.all()}
    assert states["A1"] == (LinkState.LINKED, plain.pk, "identity")
    assert states["A2"] == (LinkState.LINKED, by_code.pk, "collection_code")
    assert (states["A3"][0], states["A4"][0]) == (LinkState.LINKED, LinkState.DUPLICATE)
    assert states["A5"][:2] == (LinkState.DUPLICATE, taken.pk)
    assert states["A6"] == states["A7"] == (LinkState.UNLINKED, None, "")
    a1 = Photo.objects.get(collection_no="A1")
    assert a1.name_collected == plain.name and a1.id_number_collected == plain.id_number
    assert audit(a1) == [
        ("photo.added", {}, {"agency": agency.code, "collection_no": "A1", "sha256": a1.sha256}),
        ("photo.linked", {"link_state": "unlinked"}, {"record": plain.pk, "link_state": "linked"}),
    ]
    assert [a[0] for a in audit(Photo.objects.get(collection_no="A4"))] == ["photo.added", "photo.duplicate"]
    assert [a[0] for a in audit(Photo.objects.get(collection_no="A6"))] == ["photo.added"]
    assert AuditEvent.objects.get(action="photo.added", object_id=str(a1.pk)).actor == personas.erin


def test_a_chunk_ends_like_one_photo_at_a_time(personas) -> None:
    """The same pattern of photos stored one by one (photo_add) and in one chunk: same states, same audit."""
    first, second = ([make_record(personas.school) for _ in range(3)] for _ in range(2))
    single = [make_photo(r, personas.agency, collection_no=f"S{n}") for n, r in enumerate([*first, first[0]])]
    chunk = photos_add_stored(
        stored=[stored(personas.agency, r, f"C{n}") for n, r in enumerate([*second, second[0]])]
    )
    assert [p.link_state for p in chunk] == [p.link_state for p in single] == [*["linked"] * 3, "duplicate"]
    assert [p.link_method for p in chunk] == [p.link_method for p in single]
    for a, b in zip(chunk, single, strict=True):
        assert [(action, before) for action, before, _ in audit(a)] == [
            (action, before) for action, before, _ in audit(b)
        ]
        assert [sorted(after) for *_, after in audit(a)] == [sorted(after) for *_, after in audit(b)]


def test_a_unique_conflict_sends_the_chunk_through_the_one_photo_path(personas, monkeypatch) -> None:
    record, other = make_record(personas.school), make_record(personas.school)
    make_photo(record, personas.agency, collection_no="RACE")

    def conflict(*args: Any) -> list[Photo]:
        raise IntegrityError("a concurrent import stored RACE first")

    monkeypatch.setattr(services, "_add_chunk", conflict)
    created = photos_add_stored(
        stored=[stored(personas.agency, record, "RACE"), stored(personas.agency, other, "NEW")]
    )
    assert [p.collection_no for p in created] == ["NEW"] and created[0].link_state == LinkState.LINKED
    assert Photo.objects.filter(collection_no="RACE").count() == 1


@pytest.fixture(scope="module")
def twenty() -> list[bytes]:
    return photo_set(20)


def test_two_processes_check_in_manifest_order_with_a_bounded_window(settings, twenty) -> None:
    settings.GRADPHOTO = {**settings.GRADPHOTO, "IMPORT_PROCESSES": 2}
    rows = [type("Row", (), {"filename": f"{n}.jpg"})() for n in range(len(twenty))]
    reads: list[str] = []

    class Archive:
        def read(self, name: str) -> bytes:
            reads.append(name)
            return twenty[int(name.split(".")[0])]

    seen = 0
    for row, result in importer._checked(rows, Archive(), PhotoProfile()):  # type: ignore[arg-type]
        assert result.clean_jpeg == strip_metadata(twenty[seen]) and row is rows[seen]
        seen += 1
        assert len(reads) - seen <= 2 * importer.WINDOW
    assert seen == len(twenty) and reads == [f"{n}.jpg" for n in range(len(twenty))]


def test_a_batch_on_two_processes_links_a_second_photo_of_a_record_as_a_duplicate(settings, personas, twenty):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "IMPORT_PROCESSES": 2}
    records = [make_record(personas.school) for _ in range(19)]
    rows = [photo_row(r, n) for n, r in enumerate([*records[:10], records[3], *records[10:]])]
    data = batch_zip(rows, {row["ZPWJ"]: photo for row, photo in zip(rows, twenty, strict=True)})

    def run() -> dict[str, Any]:
        job = job_create(kind="photos", organisation=personas.agency, user=None, filename="b.zip", data=data)
        return job_run(job.pk).summary

    summary = run()
    assert (summary["created"], summary["linked"], summary["duplicate"]) == (20, 19, 1)
    assert Photo.objects.get(collection_no=rows[10]["CJH"]).link_state == LinkState.DUPLICATE
    events = AuditEvent.objects.count()
    again = run()
    assert (again["created"], again["unchanged"]) == (0, 20)
    assert AuditEvent.objects.count() == events + 2  # import.created and import.done only
