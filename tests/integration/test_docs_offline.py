"""The interactive docs render without internet: every asset they reference comes from the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from marketplace.api.docs import STATIC_DIR
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("docs")), demo=False) as served:
        yield served


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_asset_of_the_docs_page_is_served_by_the_app(api: InProcessApi, page: str) -> None:
    answer = api.client.get(page)
    assert answer.status_code == 200
    found = _References()
    found.feed(answer.text)
    # The OpenAPI document is named in the inline script (Swagger UI) or an attribute (ReDoc).
    inline = "".join(found.scripts)
    urls = found.urls + re.findall(r"""url:\s*'([^']+)'""", inline)
    assert any(u.endswith("openapi.json") for u in urls), urls
    assert len(urls) >= 2
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url}"
        asset = api.client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
    assert "https://" not in inline and "http://" not in inline
    # The browser is told to load nothing from another host (ReDoc's bundle would fetch a logo).
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert "http" not in policy


def test_the_vendored_assets_carry_their_licences_and_versions() -> None:
    vendor = STATIC_DIR / "vendor"
    for bundle, licence in (("swagger-ui", "Apache License"), ("redoc", "MIT License")):
        assert licence in (vendor / bundle / "LICENSE").read_text()
    versions = (vendor / "VERSIONS.txt").read_text()
    assert "swagger-ui-dist 5." in versions and "redoc 2." in versions
    assert (Path(__file__).parents[2] / "infra" / "vendor-assets.sh").exists()


def test_the_docs_pages_stay_out_of_the_openapi_document(api: InProcessApi) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc"} & set(paths)
    assert not any(p.startswith("/static") for p in paths)
