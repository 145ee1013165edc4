"""Parsers of the public page: any text gives at most 20 checked lines and never fails (BR-H5)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gradphoto.graduation.public import BATCH_LIMIT, NOT_CHECKED, normalise_certificate, parse_batch
from gradphoto.graduation.reports import CODE_RE, new_code, normalise_code

LINE = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda n, d: f"{n};{d}", st.text(min_size=1, max_size=6), st.from_regex(r"[0-9]{18}", fullmatch=True)
    ),
)


@given(st.lists(LINE, max_size=60))
def test_any_text_gives_at_most_20_checked_lines(lines):
    parsed = parse_batch("\n".join(lines))
    checked = [line for line in parsed if line.certificate_no]
    assert len(checked) <= BATCH_LIMIT
    assert all(line.result == NOT_CHECKED for line in parsed)  # parsing alone checks nothing
    assert all(len(line.certificate_no) in (17, 18) and line.name for line in checked)
    assert [line.line for line in parsed] == sorted(line.line for line in parsed)


def test_full_width_digits_and_separators_are_understood():
    (line,) = parse_batch("王芳；１０００１１２０２６０５０００００１")
    assert (line.name, line.certificate_no) == ("王芳", "100011202605000001")
    assert normalise_certificate(" 1000 1120 2605 0000 01 ") == "100011202605000001"


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz -", max_size=30))
def test_codes_are_read_case_insensitively_without_spaces_or_dashes(raw):
    code = normalise_code(raw)
    assert code == code.upper() and " " not in code and "-" not in code


def test_new_codes_match_their_own_pattern():
    assert all(CODE_RE.fullmatch(new_code()) for _ in range(200))
