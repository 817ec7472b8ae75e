"""What every page shares: the templates, the viewer (language, session, principal), the CSRF
check of forms, and the pages answering a refusal (403, 404) or a missing sign-in."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from marketplace.adapters.outages import is_outage
from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.taxonomy import CATEGORIES, TAXONOMY
from marketplace.audit.chain import Ledger
from marketplace.handlers import lists, notifications
from marketplace.handlers.auth import Principal, principal_of_token
from marketplace.handlers.errors import Forbidden, NotFound, Unauthenticated
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.log import get_logger
from marketplace.portal.i18n import LANGUAGES, Translator, choose_language
from marketplace.portal.sessions import Session, SessionStore
from marketplace.portal.wording import label, refusal
from marketplace.projections.pages import InvalidCursor
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import RowReader

SESSION_COOKIE = "mp_session"
LANG_COOKIE = "lang"
# Pages load only from this host; no inline script (htmx is a file, its config a meta tag).
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)
RETRY_AFTER = "5"  # seconds, as the API's 503 says
BADGE_LIMIT = 100  # the header's badge counts up to this many, then says "100+"

log = get_logger(__name__)

templates = Environment(
    loader=PackageLoader("marketplace.portal", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # the package's templates do not change under a running server
)


class Portal:
    """The portal's parts for one app: its sessions live in the read-model store once started."""

    def __init__(self, idle: timedelta) -> None:
        self.idle = idle
        self._sessions: SessionStore | None = None

    async def start(self, runtime: ProjectionRuntime) -> None:
        self._sessions = SessionStore(runtime.store, self.idle)
        await self._sessions.create_table()

    @property
    def sessions(self) -> SessionStore:
        if self._sessions is None:
            raise RuntimeError("the portal is used before the app started")
        return self._sessions


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in page."""


class CsrfRefused(Exception):
    """A changing form without its session's CSRF token: refused, nothing done."""


@dataclass
class Viewer:
    """One request as a page sees it: language, session and the principal signed in."""

    request: Request
    svc: Services
    runtime: ProjectionRuntime
    portal: Portal
    language: str
    session: Session | None = None
    principal: Principal | None = None
    badge: str | None = field(default=None)
    notices: str | None = field(default=None)  # the unit's unread notifications, as `badge`

    @property
    def _(self) -> Translator:
        return Translator(self.language)

    @property
    def ledger(self) -> Ledger:
        """The audit hash chain the app keeps extending (the auditor's desk reads it)."""
        ledger: Ledger = self.request.app.state.ledger
        return ledger

    @property
    def signed_in(self) -> Principal:
        """The principal; SignInRequired (the sign-in page) when nobody is signed in."""
        if self.principal is None:
            raise SignInRequired()
        return self.principal

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        zone = self.svc.zone
        return render(
            self.request,
            template,
            self.language,
            status,
            viewer=self,
            local=lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            **values,
        )


T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """A command the rules refused: its rule as a sentence in the page's language."""

    sentence: str


async def attempt(viewer: Viewer, call: Callable[..., T], *args: Any) -> T | Refusal:
    """`call(*args)`, a handler, off the event loop: what it returns, or its refusal. A record
    that does not exist is not a refusal: it propagates, a 404 page as the API answers 404."""
    try:
        return await run_in_threadpool(call, *args)
    except RecordNotFound:
        raise
    except DomainError as refused:
        return Refusal(refusal(refused, viewer._))


def render(
    request: Request, template: str, language: str, status: int = 200, **values: Any
) -> HTMLResponse:
    translate = Translator(language)
    html = templates.get_template(template).render(
        _=translate,
        label=lambda code: label(code, translate),
        taxonomy=TAXONOMY,
        kind=lambda c, s=None: kind_label(language, c, s),
        language=language,
        languages=list(LANGUAGES),
        here=_here(request),
        **values,
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": POLICY})


def _here(request: Request) -> str:
    """The page's own address, where the language switch comes back to. A form's answer is
    shown at the form's address, which is no page to come back to: there it is the page the
    form was sent from (the Referer of this site), else the start."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    sent_from = urlsplit(request.headers.get("referer", ""))
    if sent_from.netloc == request.url.netloc and sent_from.path.startswith("/"):
        return sent_from.path + (f"?{sent_from.query}" if sent_from.query else "")
    return "/"


def kind_label(language: str, category: str, subcategory: str | None = None) -> str:
    """A category's (or its subcategory's) label from the taxonomy, in the page's language."""
    found = CATEGORIES.get(category)
    item = found.subcategory(subcategory) if found and subcategory else found
    if item is None:
        return subcategory or category
    return item.label_zh if language == "zh-CN" else item.label_en


def language_of(request: Request) -> str:
    return choose_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def _parts(request: Request) -> tuple[Services, ProjectionRuntime, Portal]:
    state = request.app.state
    return state.services, state.projections, state.portal


async def _viewer(request: Request, *, activity: bool) -> Viewer:
    svc, runtime, portal = _parts(request)
    viewer = Viewer(request, svc, runtime, portal, language_of(request))
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return viewer
    session = await portal.sessions.find(session_id, svc.clock(), activity=activity)
    if session is None:
        return viewer
    try:
        principal = await run_in_threadpool(_principal, svc, session.token_id)
    except Unauthenticated:  # revoked, expired, its unit deactivated: the session ends now
        await portal.sessions.end(session_id)
        return viewer
    viewer.session, viewer.principal = session, principal
    request.state.token_id = principal.token_id  # for the access log, as the API's requests
    viewer.badge = await _badge(viewer, principal)
    # The store as it is, not caught up: the notifier routes within its poll interval, and a
    # notifier stuck on an event must not fail every page (`/notifications` refreshes first).
    viewer.notices = await notices_badge(principal, runtime.store)
    return viewer


def _principal(svc: Services, token_id: str) -> Principal:
    return principal_of_token(svc, load_organisation(svc), token_id)


async def _badge(viewer: Viewer, principal: Principal) -> str | None:
    """The count of the unit's inbox for the header; None when the token has no inbox."""
    try:
        count = await lists.inbox_count(
            viewer.svc, principal, viewer.runtime, None, BADGE_LIMIT + 1
        )
    except (Forbidden, NotFound):
        return None
    return _counted(count)


def _counted(count: int) -> str | None:
    if not count:
        return None  # an empty badge is not shown
    return f"{BADGE_LIMIT}+" if count > BADGE_LIMIT else str(count)


async def notices_badge(principal: Principal, reader: RowReader) -> str | None:
    """The count of the unit's unread notifications for the header; None for no unit's token."""
    if principal.unit_id is None:
        return None
    return _counted(await notifications.count_unread(principal, reader, BADGE_LIMIT + 1))


async def any_viewer(request: Request) -> Viewer:
    return await _viewer(request, activity=True)


async def signed_in(request: Request) -> Viewer:
    viewer = await _viewer(request, activity=True)
    if viewer.principal is None:
        raise SignInRequired()
    return viewer


async def polling(request: Request) -> Viewer:
    """A page's background refresh: it does not count as activity that keeps a session alive."""
    viewer = await _viewer(request, activity=False)
    if viewer.principal is None:
        raise SignInRequired()
    return viewer


AnyViewer = Annotated[Viewer, Depends(any_viewer)]
SignedIn = Annotated[Viewer, Depends(signed_in)]
Polling = Annotated[Viewer, Depends(polling)]


async def checked_form(request: Request, viewer: SignedIn) -> FormData:
    """The posted form, once its CSRF token matches the session's."""
    form = await request.form()
    sent = form.get("csrf")
    assert viewer.session is not None
    if not isinstance(sent, str) or not hmac.compare_digest(sent, viewer.session.csrf):
        raise CsrfRefused()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def text_fields(form: FormData, *names: str) -> dict[str, str]:
    """The named fields as typed (a missing one as empty), to validate and to show again."""
    return {n: v if isinstance(v := form.get(n), str) else "" for n in names}


def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    return render(
        request, "errors/error.html", language_of(request), status, code=status, message=message
    )


def sign_in_redirect() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


class PageRoute(APIRoute):
    """A page's route: a refusal answers with a page, not the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handle(request)
            except (SignInRequired, Unauthenticated):
                if request.headers.get("hx-request"):
                    # A fragment's request: htmx would swap the sign-in page into the list;
                    # this header has it load the whole page instead.
                    return Response(headers={"HX-Redirect": "/"})
                return sign_in_redirect()
            except CsrfRefused:
                return error_page(request, 403, "csrf")
            except Forbidden:
                return error_page(request, 403)
            except (NotFound, RecordNotFound, InvalidCursor):  # a list's missing page, too
                return error_page(request, 404)
            except Exception as exc:
                # A person gets a page, never the API's JSON: a store out of reach says "try
                # again shortly" as the API's 503 does; anything else is our fault, logged.
                if is_outage(exc):
                    log.warning("store_unavailable", error=repr(exc))
                    answer = error_page(request, 503)
                    answer.headers["Retry-After"] = RETRY_AFTER
                    return answer
                log.exception("unhandled_error", error=repr(exc))
                return error_page(request, 500)

        return page


def query(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value or None
