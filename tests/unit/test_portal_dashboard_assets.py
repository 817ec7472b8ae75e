"""The dashboard's chart library is vendored, pinned, with its licence, and loads nothing else."""

from __future__ import annotations

import re

from marketplace.portal.i18n import LOCALES_DIR

VENDOR = LOCALES_DIR.parent / "static" / "vendor"


def test_chartjs_is_vendored_with_its_licence() -> None:
    versions = (VENDOR / "VERSIONS.txt").read_text("utf-8")
    assert re.search(r"chart\.js 4\.\d+\.\d+ \(npm, MIT: chartjs/LICENSE\)", versions)
    assert "MIT License" in (VENDOR / "chartjs" / "LICENSE").read_text("utf-8")
    script = (VENDOR / "chartjs" / "chart.umd.min.js").read_text("utf-8")
    assert script.startswith("/*!\n * Chart.js v4.") and "sourceMappingURL" not in script
    assert "https://cdn" not in script and "//fonts." not in script


def test_the_dashboard_script_draws_from_data_blocks() -> None:
    script = (LOCALES_DIR.parent / "static" / "dashboard.js").read_text("utf-8")
    assert 'querySelectorAll("canvas[data-chart]")' in script and "textContent" in script
    assert "http" not in script and "eval(" not in script
