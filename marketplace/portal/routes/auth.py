"""Sign-in (`/`, `/login`), sign-out (`/logout`) and the language switch (`/lang/{code}`)."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.handlers.auth import BOOTSTRAP_TOKEN_ID, Principal, authenticate
from marketplace.handlers.errors import Unauthenticated
from marketplace.handlers.organisation import load_organisation
from marketplace.portal.i18n import LANGUAGES, N_
from marketplace.portal.web import (
    LANG_COOKIE,
    SESSION_COOKIE,
    AnyViewer,
    CheckedForm,
    CsrfRefused,
    PageRoute,
    SignedIn,
    Viewer,
    error_page,
    sign_in_redirect,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# Signed out there is no session to hold a CSRF token: the sign-in form's is also in a cookie
# (double submit), so another site cannot sign a browser in with its own token.
LOGIN_COOKIE = "mp_login"
YEAR = 365 * 24 * 3600
# A path of this site: browsers drop tabs and line breaks and read `\` as `/`, so `/\t/x` or
# `/\\x` would lead to another host; printable ASCII only, one leading slash.
_LOCAL_PATH = re.compile(r"/(?![/\\])[!-~]*")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _sign_in_page(viewer: Viewer, status: int = 200, error: str | None = None) -> HTMLResponse:
    csrf = secrets.token_urlsafe(32)
    page = viewer.render("auth/signin.html", status, csrf=csrf, error=error)
    page.set_cookie(
        LOGIN_COOKIE,
        csrf,
        httponly=True,
        samesite="lax",
        secure=_secure(viewer.request),
        path="/login",
    )
    return page


def landing(principal: Principal) -> str:
    """The first page after sign-in: the inbox for a unit's operator, the desk of what awaits a
    decision for an administrator, the dashboard for auditors and BI readers (the group's
    figures are what they read), the catalog for anyone else."""
    if principal.has(Role.UNIT_OPERATOR):
        return "/inbox"
    if principal.has(Role.PLATFORM_ADMIN, Role.HQ_ADMIN):
        return "/approvals"
    if principal.has(Role.AUDITOR, Role.BI_READER):
        return "/dashboard"
    return "/catalog"


@router.get("/")
async def home(viewer: AnyViewer) -> Response:
    if viewer.principal is not None:
        return RedirectResponse(landing(viewer.principal), status_code=303)
    return _sign_in_page(viewer)


async def _login_form(request: Request) -> dict[str, str]:
    form = await request.form()
    sent, kept = form.get("csrf"), request.cookies.get(LOGIN_COOKIE)
    if not (isinstance(sent, str) and kept and hmac.compare_digest(sent, kept)):
        raise CsrfRefused()
    token = form.get("token")
    return {"token": token.strip() if isinstance(token, str) else ""}


@router.post("/login")
async def login(
    viewer: AnyViewer, form: Annotated[dict[str, str], Depends(_login_form)]
) -> Response:
    svc = viewer.svc
    try:
        principal = await run_in_threadpool(
            authenticate, svc, load_organisation(svc), form["token"] or None
        )
    except Unauthenticated:
        return _sign_in_page(viewer, 401, N_("That token is not valid, revoked or expired."))
    if principal.token_id == BOOTSTRAP_TOKEN_ID:
        # It lives only as long as one server run and has no id a session could keep.
        return _sign_in_page(
            viewer, 401, N_("Sign in with an issued token, not the bootstrap one.")
        )
    sessions = viewer.portal.sessions
    if (old := viewer.request.cookies.get(SESSION_COOKIE)) is not None:
        await sessions.end(old)  # a new id at every sign-in: no fixation of a planted cookie
    session = await sessions.start(principal.token_id, svc.clock())
    answer = RedirectResponse(landing(principal), status_code=303)
    answer.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="lax",
        secure=_secure(viewer.request),
    )
    answer.delete_cookie(LOGIN_COOKIE, path="/login")
    return answer


@router.post("/logout")
async def logout(viewer: SignedIn, _: CheckedForm) -> Response:
    assert viewer.session is not None
    await viewer.portal.sessions.end(viewer.session.id)
    answer = sign_in_redirect()
    answer.delete_cookie(SESSION_COOKIE)
    return answer


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str) -> Response:
    if code not in LANGUAGES:
        return error_page(request, 404)
    back = request.query_params.get("next") or "/"
    if not _LOCAL_PATH.fullmatch(back):
        back = "/"  # only a path of this site: never a redirect elsewhere
    answer = RedirectResponse(back, status_code=303)
    answer.set_cookie(LANG_COOKIE, code, max_age=YEAR, samesite="lax", secure=_secure(request))
    return answer
