"""Linkage quality and speed: our engine beside Splink on FEBRL4 and on a synthetic Chinese set.

Run by hand (never in CI): .venv/bin/python bench/linkage.py [--n 20000] [--scale 100000] [--fit]
  --n       students in the synthetic quality set (both engines, same data, same run)
  --scale   students for the database run on SQLite (photos ≈ students); extrapolate to 1 M yourself
  --search  unlinked photos behind the 没照片,找找看 latency measurement
  --fit     print m/u per level estimated from the labelled synthetic set (engine/scoring.py)
Splink is a benchmark-only dependency: pip install -r bench/requirements.txt into .venv.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from _setup import django_in_temp_home

FEBRL = Path("/work/shared/data/febrl")
ERRORS_SHOWN = [
    "homophone",
    "shape",
    "traditional",
    "rare_char",
    "surname_heteronym",
    "id_digit",
    "id_swap",
    "id_missing",
    "id_excel",
    "stuno_wrong",
    "stuno_missing",
    "school_wrong",
    "twin",
    "two_or_more_errors",
    "not_in_register",
]


def identities(people: list[Any], photos: list[Any]) -> tuple[list[Any], list[Any]]:
    from gradphoto.linking.engine.keys import photo_identities, record_identity

    records = [
        record_identity((i, p.school, p.name, "居民身份证", p.id_number, p.birth, p.student_no))
        for i, p in enumerate(people)
    ]
    shots = photo_identities(
        ((i, p.school, p.name, p.id_number, p.student_no) for i, p in enumerate(photos)), records
    )
    # FEBRL photos carry a birth date of their own (ours take it from the typed ID).
    shots = [
        replace(s, birth_key=p.birth) if hasattr(p, "birth") else s
        for s, p in zip(shots, photos, strict=True)
    ]
    return records, shots


def metrics(photos: list[Any], linked: dict[int, int], suggested: dict[int, int]) -> dict[str, Any]:
    """Precision of links; recall of links and of links + top suggestions; per error type."""
    true_links = sum(1 for i, r in linked.items() if photos[i].truth == r)
    linkable = [i for i, p in enumerate(photos) if p.truth is not None]
    found = [i for i in linkable if linked.get(i, suggested.get(i)) == photos[i].truth]
    per_error: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, photo in enumerate(photos):
        for error in set(photo.errors):
            per_error[error][1] += 1
            if photo.truth is None:
                per_error[error][0] += i not in linked  # not linked = right
            else:
                per_error[error][0] += linked.get(i, suggested.get(i)) == photo.truth
    return {
        "precision_linked": true_links / max(len(linked), 1),
        "recall_linked": true_links / max(len(linkable), 1),
        "recall_linked_or_suggested": len(found) / max(len(linkable), 1),
        "false_links": len(linked) - true_links,
        "per_error": {k: (v[0] / v[1], v[1]) for k, v in per_error.items()},
    }


def cold_names() -> None:
    """Each engine starts with empty name caches: whichever ran first would warm them for the other."""
    from gradphoto.linking.engine import keys, normalise

    keys._date_key.cache_clear()
    normalise.normalise_name.cache_clear()
    normalise.pinyin_key.cache_clear()


def ours_in_memory(people: list[Any], photos: list[Any]) -> tuple[dict[str, Any], float]:
    from gradphoto.linking.engine.memory import link_identities, no_gc

    cold_names()
    started = time.perf_counter()
    with no_gc():
        records, shots = identities(people, photos)
        decisions = link_identities(shots, records)
    seconds = time.perf_counter() - started
    linked = {d.photo.pk: d.best.record.pk for d in decisions if d.decision == "linked" and d.best}
    suggested = {d.photo.pk: d.best.record.pk for d in decisions if d.decision == "suggested" and d.best}
    return metrics(photos, linked, suggested), seconds


def splink_on(people: list[Any], photos: list[Any]) -> tuple[dict[str, Any] | None, float, str]:
    try:
        from _splink import run_splink
    except ImportError as error:  # pragma: no cover - depends on the machine
        return None, 0.0, f"Splink not importable: {error}"
    from gradphoto.linking.engine.normalise import normalise_name, pinyin_key

    def row(i: int, name: str, number: str, birth: str, school: Any, stuno: str) -> dict[str, Any]:
        norm = normalise_name(name)
        return {
            "unique_id": str(i),
            "name": norm,
            "py": pinyin_key(norm),
            "idno": number,
            "birth": birth,
            "school": str(school),
            "stuno": stuno,
        }

    cold_names()
    started = time.perf_counter()  # end to end like ours: its inputs are normalised by our code
    records = [
        row(i, p.name, p.id_number, f"{p.birth:%Y%m%d}", p.school, p.student_no) for i, p in enumerate(people)
    ]
    shots = [
        row(i, p.name, p.id_number, getattr(p, "birth", p.id_number[6:14]), p.school, p.student_no)
        for i, p in enumerate(photos)
    ]
    prepared = time.perf_counter() - started
    try:
        result = run_splink(records, shots)
    except Exception as error:
        return None, 0.0, f"Splink failed: {type(error).__name__}: {error}"
    linked = {int(p): int(r) for p, r in result["links"].items()}
    detail = (
        f"names normalised {prepared:.2f} s, train {result['train_seconds']:.1f} s, "
        f"predict {result['predict_seconds']:.1f} s"
    )
    return metrics(photos, linked, {}), prepared + result["seconds"], detail


def show(title: str, result: dict[str, Any] | None, seconds: float, note: str = "") -> None:
    if result is None:
        print(f"\n{title}: {note}")
        return
    print(f"\n{title}  ({seconds:.2f} s{'; ' + note if note else ''})")
    print(f"  precision (linked)           {result['precision_linked']:.4f}  false {result['false_links']}")
    print(f"  recall (linked)               {result['recall_linked']:.4f}")
    print(f"  recall (linked + suggested)   {result['recall_linked_or_suggested']:.4f}")
    for error in ERRORS_SHOWN:
        if error in result["per_error"]:
            share, count = result["per_error"][error]
            print(f"    {error:22s} {share:.3f}  (n={count})")


def febrl() -> tuple[list[Any], list[Any]]:
    """FEBRL4 mapped to our fields: given+surname as name, soc_sec_id as student number, state as school."""
    from _synth import Person, SynthPhoto

    def read(name: str) -> list[dict[str, str]]:
        with (FEBRL / name).open(encoding="utf-8") as handle:
            return [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]

    def born(text: str) -> dt.date:
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return dt.date(1900, 1, 1)

    a, b = read("dataset4a.csv"), read("dataset4b.csv")
    people = [
        Person(r["given_name"] + r["surname"], "", born(r["date_of_birth"]), "", r["state"], r["soc_sec_id"])
        for r in a
    ]
    index = {r["rec_id"].split("-")[1]: i for i, r in enumerate(a)}
    photos = [
        SynthPhoto(
            r["given_name"] + r["surname"],
            "",
            r["state"],
            r["soc_sec_id"],
            index.get(r["rec_id"].split("-")[1]),
        )
        for r in b
    ]
    for photo, row in zip(photos, b, strict=True):
        photo.id_number = ""
        photo.errors = []
        photo.birth = row["date_of_birth"]  # type: ignore[attr-defined]
    return people, photos


def fit(people: list[Any], photos: list[Any]) -> None:
    """m from the true pairs, u from random pairs: the table of engine/scoring.py."""
    from gradphoto.linking.engine.scoring import levels_of

    records, shots = identities(people, photos)
    rng = random.Random(3)
    m: dict[str, Counter[str]] = defaultdict(Counter)
    u: dict[str, Counter[str]] = defaultdict(Counter)
    for shot, photo in zip(shots, photos, strict=True):
        if photo.truth is not None:
            for field, level in levels_of(shot, records[photo.truth]).items():
                m[field][level] += 1
    for _ in range(400_000):
        for field, level in levels_of(rng.choice(shots), rng.choice(records)).items():
            u[field][level] += 1
    for field in m:
        total_m, total_u = sum(m[field].values()), sum(u[field].values())
        for level in sorted(set(m[field]) | set(u[field])):
            print(
                f"{field:10s} {level:11s} m={m[field][level] / total_m:.5f} "
                f"u={(u[field][level] + 0.5) / total_u:.2e}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--scale", type=int, default=0)
    parser.add_argument("--search", type=int, default=0)
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--no-splink", action="store_true")
    args = parser.parse_args()
    django_in_temp_home()
    from _db import database_run, search_latency
    from _synth import generate

    people, photos = generate(args.n)
    print(f"synthetic: {len(people)} students, {len(photos)} photos (stress mode, seed 11)")
    if args.fit:
        fit(people, photos)
        return
    for title, (ppl, pht) in {
        "FEBRL4 (5,000 vs 5,000)": febrl(),
        f"synthetic Chinese ({args.n:,})": (people, photos),
    }.items():
        result, seconds = ours_in_memory(ppl, pht)
        show(f"{title} — ours (in memory, as `gradphoto match`)", result, seconds)
        if not args.no_splink:
            theirs = splink_on(ppl, pht)
            show(f"{title} — Splink", *theirs)
            if theirs[0] is not None:
                print(f"  → ours is {theirs[1] / seconds:.1f}× faster end to end (target ≥ 10×)")
    if args.scale:
        database_run(args.scale, metrics, show)
    if args.search:
        search_latency(args.search)


if __name__ == "__main__":
    main()
