"""The portal's two languages: Babel message catalogs read at start, and the choice of language
from the `lang` cookie, else `Accept-Language`, else Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT = "zh-CN"
# Language tag (cookie, `<html lang>`) → catalog folder.
LANGUAGES = {"zh-CN": "zh_CN", "en": "en"}


def catalog_files(folder: str) -> list[Path]:
    """A language's .po files: `messages.po` for what every page shares, one more per area of
    pages (a Babel domain each, so the areas' texts are kept and merged apart)."""
    return sorted((LOCALES_DIR / folder / "LC_MESSAGES").glob("*.po"))


@cache
def messages(language: str) -> Mapping[str, str]:
    """msgid → translation of a language's catalogs (the .po files themselves: no compile step)."""
    found: dict[str, str] = {}
    for path in catalog_files(LANGUAGES[language]):
        with path.open("rb") as po:
            catalog = read_po(po)
        found |= {str(m.id): str(m.string) for m in catalog if m.id and m.string}
    return found


@dataclass(frozen=True)
class Translator:
    """`_` of the templates for one language; an unknown msgid shows as written (English)."""

    language: str

    def __call__(self, msgid: str, **values: object) -> str:
        text = messages(self.language).get(msgid, msgid)
        return text.format(**values) if values else text


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The `lang` cookie when it names one of ours, else the first of ours the browser asks for."""
    if cookie in LANGUAGES:
        return cookie
    wanted: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        wanted.append((-quality, n, tag.strip().lower()))
    for quality, _, tag in sorted(wanted):
        if quality < 0 and (tag == "zh" or tag.startswith("zh-")):
            return "zh-CN"
        if quality < 0 and (tag == "en" or tag.startswith("en-")):
            return "en"
    return DEFAULT


def N_(msgid: str) -> str:
    """Marks a text for the catalogs where it is defined; `_` translates it where shown."""
    return msgid
