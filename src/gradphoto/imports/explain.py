"""What an import error means, for people who do not read the stored message: the stored messages are
Chinese with a machine code (PRODUCT.md), so the English UI shows an English sentence per code beside
them, and every page and report names a column by its Chinese label with its code ("身份证号 (SFZH)").

`tests/test_report_page_codes.py` fails when an importer gains a code that has no sentence here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gradphoto.photos.manifest import MANIFEST_COLUMNS
from gradphoto.records.rows import RECORD_COLUMNS

# The two tables share their common columns (YXDM, XH, XM, SFZH) with the same labels.
FIELD_LABELS = {c.code: c.label for c in (*RECORD_COLUMNS, *MANIFEST_COLUMNS)}

CODE_TEXTS: dict[str, Promise] = {
    # The file as a whole (common/tabular.py, imports/services.py, imports/cli.py, common/errors.py)
    "empty": _("The file is empty or has no data rows."),
    "too_large": _("The file is too large."),
    "encoding": _("The text is neither UTF-8 nor GB18030: save the file as CSV UTF-8 or .xlsx."),
    "unsupported_format": _("This kind of file is not a table: save it as CSV UTF-8 or .xlsx."),
    "csv_unreadable": _("The CSV file is malformed and cannot be read."),
    "xlsx_unreadable": _("The Excel workbook is damaged and cannot be read."),
    "xlsx_too_large": _("The Excel workbook unpacks to an implausible size and was refused."),
    "duplicate_column": _("A column appears twice in the header row."),
    "missing_columns": _("A required column is missing from the header row."),
    "too_many_rows": _("The file has too many rows: split it and import the parts one by one."),
    "file_rejected": _("The file as a whole cannot be used."),
    "wrong_organisation": _("This organisation cannot import this kind of file."),
    "not_your_organisation": _("You can import only for your own organisation."),
    "not_failed": _("Only a failed import can be run again."),
    "no_database": _("The database has not been set up yet."),
    "unknown_organisation": _("No organisation has this code."),
    "no_file": _("The file does not exist."),
    "domain_error": _("The request was refused."),
    "not_allowed": _("This is not allowed."),
    "not_found": _("Not found."),
    "conflict": _("This conflicts with the current state."),
    # A cell of any table (common/tabular.py)
    "required": _("This required field is empty."),
    "too_long": _("The value is longer than this field allows."),
    "numeric_cell": _(
        "Excel stored this number as a number and may have dropped digits: "
        "format the column as text and type it again."
    ),
    "id_scientific": _(
        "Excel turned this number into scientific notation and its digits are lost: "
        "format the column as text and type it again."
    ),
    "hidden_character": _(
        "The value holds a line break, a control character or an invisible (zero-width) character: "
        "delete it and import again."
    ),
    "bad_date": _(
        "The date is not valid (use YYYYMMDD or YYYY-MM-DD), is in the future, "
        "or does not fit the other dates of the row."
    ),
    # Resident ID numbers (common/idnumber.py, records/rows.py)
    "id_format": _("The ID number has the wrong form: 18 characters, 17 digits and then a digit or X."),
    "id_birth_date": _("The birth date inside the ID number does not exist or is in the future."),
    "id_checksum": _(
        "The check character (the last one) of the ID number is wrong: a digit may be mistyped."
    ),
    "id_address": _("The first two digits of the ID number are not a province code."),
    "id_excel_truncated": _(
        "The ID number looks cut short by Excel (it ends in 000): "
        "format the column as text and type it again."
    ),
    # 学籍 rows (records/rows.py, records/importer.py)
    "duplicate_key": _("The same student number or collection number is in an earlier row of the file."),
    "school_mismatch": _("The school code is not 5 digits or not the school you import for."),
    "name_format": _("The name needs at least 2 characters, with no digits, Latin letters or spaces."),
    "bad_sex": _("Sex must be 男 (male) or 女 (female)."),
    "birth_date_mismatch": _("The birth date differs from the one in the ID number."),
    "sex_mismatch": _("The sex differs from the one the ID number encodes."),
    "bad_level": _("The level (层次) is not one of the known levels."),
    "bad_study_mode": _("The study mode (学习形式) is not one of the known modes."),
    "bad_length": _("The length of study must be 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7 or 8 years."),
    "enrolled_in_future": _("The enrolment date is in the future."),
    "bad_status": _("The student status (学籍状态) is not recognised."),
    "unknown_centre": _("No learning centre has this code."),
    "graduated_locked": _(
        "The student has graduated: the record changes only through a correction application, not an import."
    ),
    "id_other_name": _(
        "Imported, but another row or record of the school has this ID number under another name: "
        "check whether the ID number was mistyped."
    ),
    "graduation_by_import": _(
        "A registered student becomes graduated only when the diploma is registered with the verified "
        "photo (graduation registration), not by an import."
    ),
    # Admission photos beside a 学籍 file (records/admission.py, common/images.py)
    "no_record": _("No student record has this file name as its student number or examinee number."),
    "image_rejected": _("The image cannot be used."),
    "wrong_type": _("The file must be a JPEG or PNG image."),
    "not_an_image": _("The file is not a readable image."),
    # The photo-batch archive (photos/archive.py)
    "archive_rejected": _("The ZIP archive cannot be used."),
    "not_zip": _("The file is not a valid ZIP archive, or the archive is damaged."),
    "archive_too_large": _("The ZIP archive is larger than the limit."),
    "too_many_members": _("The ZIP archive holds more files than the limit."),
    "overlapping_members": _("The ZIP archive is malformed: its files overlap (like a zip bomb)."),
    "encrypted": _("A file in the archive is encrypted: pack it again without a password."),
    "unsupported_compression": _("A file in the archive uses an unsupported compression: use standard ZIP."),
    "link": _("The archive holds a symbolic link or a special file, which is not accepted."),
    "unsafe_path": _("A path inside the archive is unsafe."),
    "bad_names": _("The file names in the archive are neither UTF-8 nor GBK: pack it again."),
    "duplicate_name": _("Two files in the archive have the same name (upper and lower case are the same)."),
    "nested_archive": _("The archive holds another archive, which is not accepted."),
    "member_too_large": _("A file in the archive is larger than the limit."),
    "too_large_uncompressed": _("The files in the archive are larger than the limit once unpacked."),
    "compression_ratio": _("A file in the archive is compressed implausibly well (like a zip bomb)."),
    "no_manifest": _("The archive has no manifest.csv or manifest.xlsx at its root."),
    "two_manifests": _("The archive has more than one manifest at its root: keep only one."),
    "corrupt_member": _("This file in the archive is damaged and cannot be read."),
    # Manifest rows (photos/manifest.py, photos/importer.py, photos/staging.py)
    "school_code": _("The school code must be 5 digits."),
    "collected_in_future": _("The collection date is in the future."),
    "bad_filename": _("The photo file name must be a path inside the ZIP to a .jpg or .jpeg file."),
    "duplicate_file": _("The same photo file is listed in an earlier row."),
    "unknown_school": _("No school has this school code."),
    "file_missing": _("The archive does not hold the photo file this row names."),
    "collection_no_taken": _(
        "This collection number was imported before with other data; nothing was changed. "
        "A new collection needs a new collection number."
    ),
    # The photo standard (photos/standard.py)
    "file_too_small": _("The photo file is smaller than the minimum size."),
    "file_too_large": _("The file is larger than the size limit."),
    "not_jpeg": _("The file is not a JPEG image."),
    "unreadable": _("The image file is damaged and cannot be read."),
    "too_many_pixels": _("The image has too many pixels and, for safety, was not decoded."),
    "truncated": _("The image file is incomplete (cut off)."),
    "wrong_size": _("The photo does not have the required size in pixels (480 × 640)."),
    "not_rgb": _("The photo must be a 24-bit RGB colour image."),
    "quality_too_low": _("The JPEG quality is below the minimum."),
    "background": _("The background is not the required light blue."),
    "no_face": _("No frontal face was found in the photo."),
    "multiple_faces": _("The photo must show exactly one face."),
    "hair_top": _("The top of the head is not at the required distance from the top edge."),
    "eye_line": _("The eyes are not at the required height."),
    "face_width": _("The face is not of the required width."),
}


def field_label(code: str) -> str:
    """A column as a clerk knows it, with its code: 身份证号 (SFZH); "" for an error of the whole row."""
    label = FIELD_LABELS.get(code)
    return f"{label} ({code})" if label else code


def explanation(code: str) -> str:
    """The English sentence for a code in the current language ("" for a code without one)."""
    text = CODE_TEXTS.get(code)
    return str(text) if text is not None else ""


def english(code: str) -> str:
    """The English sentence whatever the current language (for the bilingual XLSX report)."""
    with translation.override("en"):
        return explanation(code)


def shows_explanations() -> bool:
    """Chinese pages show the stored (Chinese) message alone; other languages add the sentence."""
    return not (translation.get_language() or "").startswith("zh")


def described(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Row errors (or admission-photo problems, which have no field) as the page shows them: the field
    with its label, and the sentence where it helps."""
    explain = shows_explanations()
    return [
        {
            **error,
            "label": field_label(error.get("field", "")),
            "explanation": explanation(error.get("code", "")) if explain else "",
        }
        for error in errors
    ]
