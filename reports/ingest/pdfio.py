"""The one way to open a published PDF (pdfplumber): a damaged file fails with our error wherever pdfminer notices,
and a collector's own error stays its own."""
from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from reports.model.errors import ParseError

if TYPE_CHECKING:
    import pdfplumber


# pdfplumber and pdfminer are imported when a PDF is first opened: a build with nothing new to read, and every
# command that only loads the collectors, does without them.
@functools.cache
def pdf_errors() -> tuple[type[BaseException], ...]:
    """What pdfminer raises on damaged bytes. It parses lazily: a damaged page shows only when it is read, so the
    whole read is guarded."""
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    return (MalformedPDFException, PdfminerException, PSException, PDFSyntaxError, KeyError, TypeError,
            ValueError, AssertionError, IndexError, AttributeError, OSError, EOFError)


@contextmanager
def open_pdf(data: bytes, *, file: str | Path) -> Iterator[pdfplumber.PDF]:
    """A pdfplumber PDF over the bytes; any pdfminer failure while it is read becomes a ParseError naming the file."""
    import pdfplumber

    errors = pdf_errors()
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except errors as exc:  # pdfminer raises many types for bytes that are not a PDF
        raise ParseError(f"not a readable PDF ({type(exc).__name__}: {exc})", file=file) from None
    try:
        with pdf:  # closing reads the pages too
            yield pdf
    except errors as exc:
        if not _raised_in_pdf_library(exc):
            raise  # the collector's own error (a bug, or its own ParseError): kept as it is, with its cause
        raise ParseError(f"damaged PDF ({type(exc).__name__}: {exc})", file=file) from exc


@functools.cache
def _pdf_libraries() -> tuple[str, ...]:
    """Where pdfminer and pdfplumber live: an error raised inside them is the PDF's fault, not the collector's."""
    import pdfminer
    import pdfplumber

    return tuple(str(Path(module.__file__).parent) for module in (pdfplumber, pdfminer))


def _raised_in_pdf_library(exc: BaseException) -> bool:
    """Whether the innermost frame of the error's traceback is pdfminer's or pdfplumber's code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_pdf_libraries())


def page_text(path: Path, page: int) -> str:
    """The text of one page of a PDF file, or '' when it is not a readable PDF or has no such page (for sniffing)."""
    if path.suffix.lower() != ".pdf":
        return ""
    try:
        with open_pdf(path.read_bytes(), file=path) as pdf:
            return (pdf.pages[page].extract_text() or "") if len(pdf.pages) > page else ""
    except (ParseError, OSError):  # not a readable PDF: simply not this collector's
        return ""
