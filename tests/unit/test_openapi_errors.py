"""The OpenAPI document declares the error model for every status an operation can answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.security import HTTPBearer
from fastapi.testclient import TestClient
from pydantic import BaseModel

from marketplace.api.errors import install_error_handlers
from marketplace.api.openapi_errors import ERROR_REF, INVALID_REF, install_openapi

_bearer = HTTPBearer(auto_error=False)


class Thing(BaseModel):
    name: str


def small_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_openapi(app)
    router = APIRouter(dependencies=[Depends(_bearer)])

    @router.post("/things", status_code=201)
    def make(body: Thing) -> Thing:
        return body

    @router.get("/things/{thing_id}")
    def read(thing_id: str) -> Thing:
        return Thing(name=thing_id)

    @router.get("/things")
    def search(q: Annotated[str | None, Query()] = None) -> list[Thing]:
        return []

    @router.get("/taxonomy")
    def taxonomy() -> list[str]:
        return []

    app.include_router(router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def declared(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses: dict[str, Any] = spec["paths"][path][method]["responses"]
    return responses


def test_each_operation_declares_the_errors_it_can_answer() -> None:
    spec = small_app().openapi()

    assert sorted(declared(spec, "post", "/things")) == [
        "201", "401", "403", "404", "409", "413", "422", "503"
    ]  # fmt: skip
    assert sorted(declared(spec, "get", "/things/{thing_id}")) == [
        "200", "401", "403", "404", "422", "503"
    ]  # fmt: skip
    assert sorted(declared(spec, "get", "/things")) == ["200", "401", "403", "404", "422", "503"]
    assert sorted(declared(spec, "get", "/taxonomy")) == ["200", "401", "403", "503"]
    assert sorted(declared(spec, "get", "/health")) == ["200", "503"]  # no token, no input


def test_every_error_is_the_error_model_and_fastapis_detail_model_is_gone() -> None:
    spec = small_app().openapi()

    for item in spec["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    expected = {
                        "422": {"$ref": INVALID_REF},
                        # A refusal is the error model with `code` one of the operation's rules.
                        "409": {
                            "allOf": [
                                {"$ref": ERROR_REF},
                                {
                                    "properties": {
                                        "error": {
                                            "properties": {
                                                "code": {
                                                    "enum": [
                                                        "concurrent_modification",
                                                        "idempotency_key_in_progress",
                                                        "idempotency_answer_lost",
                                                    ]
                                                }
                                            }
                                        }
                                    }
                                },
                            ]
                        },
                    }.get(status, {"$ref": ERROR_REF})
                    assert schema == expected, (status, operation["operationId"])
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["Error"]["required"] == ["error"]
    # One shape of `details` per status: field errors for a 422, an object otherwise.
    assert schemas["Error"]["properties"]["error"]["properties"]["details"]["type"] == "object"
    invalid = schemas["InvalidRequest"]["properties"]["error"]["properties"]["details"]
    assert invalid["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert declared(spec, "post", "/things")["503"]["headers"]["Retry-After"]


def test_a_body_that_cannot_be_decoded_is_a_422_in_the_error_model() -> None:
    client = TestClient(small_app())

    answer = client.post(
        "/things", content=b"\xff\xfe{", headers={"content-type": "application/json"}
    )

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"][0]["location"] == "body"
