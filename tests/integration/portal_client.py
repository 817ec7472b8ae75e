"""A browser's part of the portal over the in-process app: its own cookies, its forms' CSRF
tokens, and the links, sources and form actions of each page it gets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.integration.api_app import InProcessApi

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_URL_ATTR = re.compile(r"""\b(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@dataclass
class PortalUser:
    """One browser: the app's client is shared, so cookies are kept here and sent by hand."""

    api: InProcessApi
    cookies: dict[str, str] = field(default_factory=dict)
    language: str | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = self.api.client
        client.cookies.clear()
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.language:
            headers["accept-language"] = self.language
        answer: httpx.Response = client.request(
            method, path, headers=headers, follow_redirects=False, **kwargs
        )
        for line in answer.headers.get_list("set-cookie"):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0].strip('"')
            if "max-age=0" in line.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        client.cookies.clear()
        return answer

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, data=data, **kwargs)

    def csrf(self, path: str = "/inbox") -> str:
        return csrf_of(self.get(path).text)

    def sign_in(self, token: str) -> httpx.Response:
        csrf = csrf_of(self.get("/").text)
        return self.post("/login", {"csrf": csrf, "token": token})

    def submit(self, page: str, action: str, fields: dict[str, str]) -> httpx.Response:
        """Post `fields` to `action` with the CSRF token of `page`, as its form would (and, as a
        browser does, naming `page` as the Referer)."""
        referer = str(self.api.client.base_url.join(page))
        return self.post(action, {"csrf": self.csrf(page), **fields}, headers={"referer": referer})


class _Fields(HTMLParser):
    """The form fields of a page a person fills in, and the ids its labels name."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        elif tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.fields.append(found)


def unlabelled_fields(html: str) -> list[dict[str, str | None]]:
    """Fields without a `<label for>` of their own."""
    parser = _Fields()
    parser.feed(html)
    return [f for f in parser.fields if f.get("id") not in parser.labelled]


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def urls_of(html: str) -> list[str]:
    """Every src, href and action of a page."""
    return _URL_ATTR.findall(html)


def is_external(url: str) -> bool:
    """A URL that would load from (or send to) another host."""
    lowered = url.strip().lower()
    return lowered.startswith(("http://", "https://", "//")) or bool(
        re.match(r"^[a-z][a-z0-9+.-]*:", lowered)
        and not lowered.startswith(("data:", "mailto:", "#"))
    )


REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()


def operator(api: InProcessApi, unit: str, language: str | None = "en") -> PortalUser:
    """A browser signed in with the unit's demo operator token."""
    user = PortalUser(api, language=language)
    answer = user.sign_in(api.tokens[(unit, "unit_operator")])
    assert answer.status_code == 303, answer.text
    return user


def need_form(**changes: str) -> dict[str, str]:
    """The new-need form filled in for a steam need, as a person would."""
    return {
        "title": "Steam for the portal test",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "300",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "60000.00",
        "business_type": "regular",
        "directive_id": "",
        "sourcing": "direct",
    } | changes


def api_needs(api: InProcessApi, unit: str) -> list[dict[str, Any]]:
    """The unit's needs as the API lists them."""
    answer = api.client.get(
        "/v1/needs", params={"limit": 500}, headers=api.auth(unit, "unit_operator")
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def need_json(api: InProcessApi, need_id: str, unit: str = "COAL-01") -> dict[str, Any]:
    """The need as the API shows it to the unit's operator."""
    found: dict[str, Any] = api.client.get(
        f"/v1/needs/{need_id}", headers=api.auth(unit, "unit_operator")
    ).json()
    return found
