"""Make the README's report pictures: ``python -m tests.report.screenshots`` (needs chromium, poppler).

Writes resources/screenshots/report-html.png (the HTML report in headless Chromium, no network)
and resources/screenshots/report-pdf-page1.png (page 1 of the PDF report through pdftoppm), both
from the failing Microsoft 365 sample run. Look at both pictures before committing them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from core.report.save import save_report
from tests.report.samples import environment_for, m365_tenant_disabled

OUT = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None or shutil.which("pdftoppm") is None:
        print("needs chromium (apt-get install chromium) and pdftoppm (poppler-utils)", file=sys.stderr)
        return 2
    sample = m365_tenant_disabled()
    env = environment_for(sample)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        html = save_report(
            Path(work) / "report.html", sample.result, sample.findings, secrets=sample.credentials, environment=env
        )
        pdf = save_report(
            Path(work) / "report.pdf", sample.result, sample.findings, secrets=sample.credentials, environment=env
        )
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1100,1400",
                f"--screenshot={OUT / 'report-html.png'}",
                html.as_uri(),
            ],
            check=True,
            timeout=120,
            capture_output=True,
        )
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-png",
                str(pdf),
                str(OUT / "report-pdf-page1"),
            ],
            check=True,
            timeout=60,
        )
    print(f"wrote {OUT / 'report-html.png'} and {OUT / 'report-pdf-page1.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
