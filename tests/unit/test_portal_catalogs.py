"""The portal's message catalogs are complete in both languages and hold every text the
templates and the portal's code show; the language is chosen as CONTRACT.md says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import marketplace.portal
from marketplace.portal.i18n import LANGUAGES, Translator, catalog_files, choose_language

PORTAL = Path(marketplace.portal.__file__).parent
# `_("…")` in templates and code, `N_("…")` where a text is defined to be shown elsewhere.
_MARKED = re.compile(r'\bN?_\(\s*"((?:[^"\\]|\\.)*)"')


def catalog_by_file(folder: str) -> dict[str, dict[str, str]]:
    found = {}
    for path in catalog_files(folder):
        with path.open("rb") as po:
            found[path.name] = {str(m.id): str(m.string) for m in read_po(po) if m.id}
    return found


def catalog_of(folder: str) -> dict[str, str]:
    return {k: v for texts in catalog_by_file(folder).values() for k, v in texts.items()}


def marked_texts() -> set[str]:
    files = [*PORTAL.rglob("*.html"), *PORTAL.rglob("*.py")]
    return {m for path in files for m in _MARKED.findall(path.read_text("utf-8"))}


@pytest.mark.parametrize("folder", sorted(LANGUAGES.values()))
def test_every_msgid_has_a_translation(folder: str) -> None:
    catalog = catalog_of(folder)
    assert len(catalog) > 50
    assert not [msgid for msgid, text in catalog.items() if not text.strip()]


@pytest.mark.parametrize("folder", sorted(LANGUAGES.values()))
def test_every_shown_text_is_in_the_catalog(folder: str) -> None:
    marked = marked_texts()
    assert "Sign in" in marked and "This field is required." in marked  # the scan finds them
    assert sorted(marked - set(catalog_of(folder))) == []


@pytest.mark.parametrize("folder", sorted(LANGUAGES.values()))
def test_a_text_is_in_one_file_of_a_language(folder: str) -> None:
    files = catalog_by_file(folder)
    assert "messages.po" in files
    seen: dict[str, str] = {}
    for name, texts in files.items():
        twice = {msgid: seen[msgid] for msgid in texts if msgid in seen}
        assert not twice, f"{name} repeats texts of another file: {twice}"
        seen |= dict.fromkeys(texts, name)


def test_both_languages_have_the_same_files() -> None:
    assert set(catalog_by_file("zh_CN")) == set(catalog_by_file("en"))


def test_both_catalogs_hold_the_same_msgids_and_placeholders() -> None:
    zh, en = catalog_of("zh_CN"), catalog_of("en")
    assert set(zh) == set(en)
    for msgid, text in zh.items():
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", msgid)), msgid


def test_chinese_is_chinese() -> None:
    assert Translator("zh-CN")("Sign in") == "登录"
    assert Translator("en")("Award to {unit}", unit="HEAT-02") == "Award to HEAT-02"
    assert Translator("zh-CN")("Award to {unit}", unit="HEAT-02") == "授予 HEAT-02"


@pytest.mark.parametrize(
    ("cookie", "accept", "chosen"),
    [
        (None, None, "zh-CN"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, zh;q=0.8", "zh-CN"),
        (None, "de", "zh-CN"),
        ("en", "zh-CN", "en"),
        ("zh-CN", "en", "zh-CN"),
        ("xx", "en", "en"),
        (None, "en;q=bogus, zh-TW", "zh-CN"),
    ],
)
def test_the_language_comes_from_the_cookie_else_accept_language(
    cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert choose_language(cookie, accept) == chosen


def test_htmx_is_vendored_with_its_licence() -> None:
    vendor = PORTAL / "static" / "vendor"
    versions = (vendor / "VERSIONS.txt").read_text("utf-8")
    assert re.search(r"htmx\.org 2\.\d+\.\d+", versions)
    assert "Zero-Clause BSD" in (vendor / "htmx" / "LICENSE").read_text("utf-8")
    script = (vendor / "htmx" / "htmx.min.js").read_text("utf-8")
    assert "htmx" in script and "sourceMappingURL" not in script
