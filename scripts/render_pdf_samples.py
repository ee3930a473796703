"""Draws the sample record's first page and the sample superbill (synthetic data, the same
as the record PDF's tests: tests/support/sample_record.py) to PNG with poppler's pdftoppm:
docs/screenshots/pdf-record-page1.png and pdf-superbill.png.

Usage: python scripts/render_pdf_samples.py [OUTDIR]   (default docs/screenshots)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from medrec_desktop.export.record_document import record_document  # noqa: E402
from medrec_desktop.export.record_pdf import render  # noqa: E402
from medrec_desktop.export.superbill import superbill_document  # noqa: E402
from tests.support.sample_record import (  # noqa: E402
    CLINIC_LINES,
    NOW,
    sample_claim,
    sample_extract,
)

DPI = 110


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    record = record_document(
        sample_extract(),
        generated_by="Rosa Díaz (Health information)",
        generated_at=NOW,
        recipient="Dr. Amal Haddad, Riverside Cardiology, 300 River Road, Portland OR",
        purpose_label="Treatment (another provider)",
        clinic_lines=CLINIC_LINES,
    )
    claim = superbill_document(
        sample_claim(), generated_by="Priya Raman, CPC", generated_at=NOW, clinic_lines=CLINIC_LINES
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in (("pdf-record-page1", record), ("pdf-superbill", claim)):
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(render(doc))
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile"]
                + [str(pdf), str(out / name)],
                check=True,
                timeout=120,
            )
            print(out / f"{name}.png")


if __name__ == "__main__":
    main()
