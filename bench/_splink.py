"""Splink (DuckDB) on the same data, configured as LINKAGE.md §1.4 describes its best variant.

Comparisons: name (exact with term frequencies, same toneless pinyin, Jaro-Winkler >= 0.9), ID (exact,
Damerau-Levenshtein 1, same birth date), school, student number. Blocking: ID, birth date + pinyin,
school + pinyin, school + student number, school + birth date. Training: λ from the exact-ID rule,
u by random sampling, m by EM over two blocking rules. Links: each photo's best record at p >= 0.9.
Benchmark-only dependency (bench/requirements.txt); never imported by the product.
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path
from typing import Any

FIELDS = ["unique_id", "name", "py", "idno", "birth", "school", "stuno"]


def _write(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def _settings() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("py"),
            cll.JaroWinklerLevel("name", 0.9),
            cll.ElseLevel(),
        ],
    )
    idno = cl.CustomComparison(
        output_column_name="idno",
        comparison_levels=[
            cll.NullLevel("idno"),
            cll.ExactMatchLevel("idno"),
            cll.DamerauLevenshteinLevel("idno", 1),
            cll.ExactMatchLevel("birth"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[name, idno, cl.ExactMatch("school"), cl.ExactMatch("stuno")],
        blocking_rules_to_generate_predictions=[
            block_on("idno"),
            block_on("birth", "py"),
            block_on("school", "py"),
            block_on("school", "stuno"),
            block_on("school", "birth"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _load(con: Any, records: list[dict[str, Any]], photos: list[dict[str, Any]]) -> None:
    """Both sides as DuckDB tables (via CSV, pandas is not installed), empty strings as NULL."""
    folder = Path(tempfile.mkdtemp(prefix="splink-bench-"))
    _write(records, folder / "records.csv")
    _write(photos, folder / "photos.csv")
    for table in ("records", "photos"):
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{folder / table}.csv', all_varchar=true)"  # noqa: S608
        )
        for column in ("idno", "stuno", "birth"):
            con.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = ''")  # noqa: S608


def run_splink(
    records: list[dict[str, Any]], photos: list[dict[str, Any]], threshold: float = 0.9
) -> dict[str, Any]:
    """photo unique_id → best record unique_id at p >= threshold, and the wall time end to end."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    started = time.perf_counter()
    con = duckdb.connect()
    _load(con, records, photos)
    api = DuckDBAPI(connection=con)
    if hasattr(api, "register"):  # Splink 5
        tables = [api.register("records", table_name="r"), api.register("photos", table_name="p")]
        linker = Linker(tables, _settings(), log_level=40)
    else:  # Splink 4 (LINKAGE.md's measurements): tables by name, aliases as source_dataset
        linker = Linker(
            ["records", "photos"],
            _settings(),
            api,
            set_up_basic_logging=False,
            input_table_aliases=["r", "p"],
        )
    trained = time.perf_counter()
    # The anchor rule: the ID number, or the student number where no row has one (FEBRL4's mapping).
    anchor = block_on("idno") if any(r["idno"] for r in records) else block_on("school", "stuno")
    linker.training.estimate_probability_two_random_records_match([anchor], recall=0.93)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth", "py"))
    linker.training.estimate_parameters_using_expectation_maximisation(anchor)
    predict_started = time.perf_counter()
    frame = linker.inference.predict(threshold_match_probability=threshold)
    rows = con.execute(
        f"SELECT unique_id_l, unique_id_r, source_dataset_l, match_probability FROM {frame.physical_name}"  # noqa: S608
    ).fetchall()
    best: dict[str, tuple[float, str]] = {}
    for left, right, source_left, probability in rows:
        photo, record = (left, right) if source_left == "p" else (right, left)
        if probability > best.get(photo, (-1.0, ""))[0]:
            best[photo] = (probability, record)
    finished = time.perf_counter()
    return {
        "links": {photo: record for photo, (_, record) in best.items()},
        "seconds": finished - started,
        "train_seconds": predict_started - trained,
        "predict_seconds": finished - predict_started,
    }
