"""Read a CSV or XLSX file into a header and rows of strings, or say clearly why not."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from openpyxl import load_workbook

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"


class UnreadableFile(ValueError):
    """The file cannot be imported; the message says why in the user's language."""


@dataclass
class TabularFile:
    header: list[str]
    rows: Iterator[list[str]]
    encoding: str = ""
    delimiter: str = ""


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if b"\x00" in sample[:4096]:
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        raise UnreadableFile(_("This file is not a text file (CSV) nor an Excel file (XLSX)."))
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # A cut multi-byte character at the end of the sample is still UTF-8.
        if error.start >= len(sample) - 3:
            return "utf-8"
    best = from_bytes(sample).best()
    if best is None:
        raise UnreadableFile(_("The encoding of this file cannot be recognised."))
    # Spreadsheets saved "CSV" on Windows in French are cp1252 (a superset of latin-1).
    return "cp1252" if best.encoding in ("latin_1", "iso8859_1", "iso8859_15") else best.encoding


def _detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        raise UnreadableFile(_("The file is empty."))
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        # One column, or an irregular file: the most frequent candidate on the header line.
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _clean_header(header: list[str]) -> list[str]:
    cleaned = [h.strip().lstrip("\ufeff") for h in header]
    if not any(cleaned):
        raise UnreadableFile(_("The first line must name the columns."))
    seen: dict[str, int] = {}
    for index, name in enumerate(cleaned):
        name = name or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        cleaned[index] = name
    return cleaned


def read_csv(handle: IO[bytes]) -> TabularFile:
    sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise UnreadableFile(_("The file is empty."))
    encoding = _detect_encoding(sample)
    handle.seek(0)
    text_handle = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    delimiter = _detect_delimiter(sample.decode(encoding, errors="replace"))
    reader = csv.reader(text_handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as error:
        raise UnreadableFile(_("The file is empty.")) from error
    except csv.Error as error:
        raise UnreadableFile(
            _("The file is not valid CSV: %(error)s") % {"error": error}
        ) from error

    def rows() -> Iterator[list[str]]:
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield row
        except csv.Error as error:
            raise UnreadableFile(
                _("The file is not valid CSV near line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": error}
            ) from error

    return TabularFile(_clean_header(header), rows(), encoding, delimiter)


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 else value.isoformat()
    return str(value)


def read_xlsx(handle: IO[bytes]) -> TabularFile:
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(
            _("This Excel file cannot be opened: %(error)s") % {"error": error}
        ) from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [_xlsx_cell(v) for v in next(values)]
    except StopIteration as error:
        raise UnreadableFile(_("The file is empty.")) from error

    def rows() -> Iterator[list[str]]:
        for row in values:
            cells = [_xlsx_cell(v) for v in row]
            if any(c.strip() for c in cells):
                yield cells

    return TabularFile(_clean_header(header), rows())


def read_tabular(handle: IO[bytes], filename: str) -> TabularFile:
    """Read by content first (an XLSX is a zip), by extension second."""
    start = handle.read(4)
    handle.seek(0)
    if start == b"PK\x03\x04" or Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(handle)
    if Path(filename).suffix.lower() == ".xls":
        raise UnreadableFile(
            _("Old Excel files (.xls) are not read: save the file as .xlsx or CSV.")
        )
    return read_csv(handle)
