"""The README holds up in a fresh clone: every link it makes points inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()


def test_every_link_stays_inside_the_repository() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    for target in targets:
        assert not re.match(r"[a-z]+://", target), f"a link out of the repository: {target}"
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"a link out of the repository: {target}"
        assert path.exists(), f"a link to nothing: {target}"


def test_no_path_names_a_file_beside_the_repository() -> None:
    assert "../" not in README


def test_the_test_command_lists_what_it_uses() -> None:
    command = README.index("bash infra/test.sh")
    nearby = README[command : command + 2000]
    for needed in ("127.0.0.1:5432", "127.0.0.1:9092", "MARKETPLACE_TEST_DATABASE_URL"):
        assert needed in nearby


def test_every_setting_is_in_the_configuration_table() -> None:
    from marketplace.settings import Settings

    table = README[README.index("## Configuration") :]
    missing = [f for f in Settings.model_fields if f"MARKETPLACE_{f.upper()}" not in table]
    assert not missing, missing
