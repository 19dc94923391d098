"""The Individual Number is never handled: resident free text refuses it, in the page and in the API.

(The log filter that masks it in every log line is proven in hiroba/core/tests/test_logging_filter.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hiroba.core.mynumber import check_digit
from hiroba.core.tests.fixtures import INDIVIDUAL_NUMBER, full_width, grouped
from hiroba.identity.models import User
from hiroba.identity.tests.cardflow import enroll

# The one made-up number with a valid check digit the tests use (hiroba.core.tests.fixtures).
NUMBER = INDIVIDUAL_NUMBER


@pytest.fixture
def resident(rig: Any, demo: Any, client: Client) -> Client:
    enroll(client, rig.card())
    return client


@pytest.mark.parametrize(
    "written",
    [
        NUMBER,
        grouped(),
        grouped(separator="-"),
        full_width(NUMBER),
    ],
)
def test_the_my_data_page_refuses_an_individual_number(resident: Client, written: str) -> None:
    response = resident.post("/me/", {"display_name": f"見本 {written}"})
    assert response.status_code == 422
    assert "display-name-error" in response.content.decode()
    assert NUMBER not in User.objects.get(kind="resident").full_name


def test_the_api_refuses_an_individual_number(resident: Client) -> None:
    response = resident.patch(
        "/api/v1/identity/me",
        {"display_name": f"番号 {NUMBER}"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="rename-1",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "identity.individual_number"
    assert response.json()["detail"] == {"field": "display_name"}


def test_an_ordinary_name_with_digits_is_accepted(resident: Client) -> None:
    wrong_check = NUMBER[:11] + str((check_digit(NUMBER[:11]) + 1) % 10)
    response = resident.patch(
        "/api/v1/identity/me",
        {"display_name": f"見本 {wrong_check}"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="rename-2",
    )
    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == f"見本 {wrong_check}"


FORBIDDEN = ("mynumber", "my_number", "individualnumber", "individual_number", "kojinbango", "kojin_bango")


def _forbidden(name: str) -> bool:
    return any(word in name.lower().replace("-", "_") for word in FORBIDDEN)


def test_no_model_field_or_api_schema_is_meant_to_hold_it() -> None:
    from django.apps import apps

    from config.api import api

    fields = [f"{m._meta.label}.{f.name}" for m in apps.get_models() for f in m._meta.get_fields()]
    assert [f for f in fields if _forbidden(f)] == []
    schema = api.get_openapi_schema()
    properties = [
        f"{name}.{prop}"
        for name, component in schema["components"]["schemas"].items()
        for prop in component.get("properties", {})
    ]
    assert properties  # the walk really found the schemas
    assert [p for p in properties if _forbidden(p)] == []
