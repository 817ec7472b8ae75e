"""The interactive API docs (Swagger UI at /docs, ReDoc at /redoc), served whole from the package.

The assets are vendored from pinned npm releases (`static/vendor/VERSIONS.txt`,
`infra/vendor-assets.sh`), so the docs render on a machine without internet. A Content Security
Policy keeps the pages from loading anything from another host, such as the ReDoc logo its
bundle would fetch from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
ASSETS = "/static"

# Inline scripts: FastAPI's pages start the UI from one; ReDoc runs its search in a blob: worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def install_docs(app: FastAPI) -> None:
    """Mount the vendored assets and the two docs pages (not part of the OpenAPI document)."""
    app.mount(ASSETS, StaticFiles(directory=STATIC_DIR), name="static")
    openapi_url = app.openapi_url or "/openapi.json"
    swagger = f"{ASSETS}/vendor/swagger-ui"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            swagger_js_url=f"{swagger}/swagger-ui-bundle.js",
            swagger_css_url=f"{swagger}/swagger-ui.css",
            swagger_favicon_url=f"{swagger}/favicon-32x32.png",
            oauth2_redirect_url=None,
            # The default validator badge asks validator.swagger.io about the document.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} — API",
            redoc_js_url=f"{ASSETS}/vendor/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{swagger}/favicon-32x32.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page
