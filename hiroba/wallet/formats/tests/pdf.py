"""Reading back the PDFs the formats draw: page count and sizes from the file, text through poppler's pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

PDFTOTEXT = shutil.which("pdftotext")


def pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points (reportlab leaves page dictionaries uncompressed)."""
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    count = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    boxes = [tuple(float(n) for n in box.split()[2:]) for box in re.findall(rb"/MediaBox \[([^\]]*)\]", pdf)]
    assert len(boxes) == count
    return [(w, h) for w, h in boxes]


def text(pdf: bytes) -> str | None:
    """The text of the PDF, or None when pdftotext is not installed (the CID-encoded strings are not readable)."""
    if PDFTOTEXT is None:
        return None
    done = subprocess.run([PDFTOTEXT, "-q", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")
