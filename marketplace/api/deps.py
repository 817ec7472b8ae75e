"""Request-scoped dependencies: the services and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from marketplace.handlers.auth import Principal, authenticate
from marketplace.handlers.ports import Services
from marketplace.handlers.units import load_organisation

_bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/tokens.")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_principal(
    request: Request,
    svc: Annotated[Services, Depends(get_services)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    bearer = credentials.credentials if credentials else None
    principal = authenticate(svc, load_organisation(svc), bearer)
    request.state.token_id = principal.token_id
    return principal


ServicesDep = Annotated[Services, Depends(get_services)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
