"""The card-less test rig as developers and the demo use it: CLI commands, refused where the rig is off."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hiroba.identity import jpki
from hiroba.identity.services.jpki import jpki_config_reset
from hiroba.identity.tests.cardflow import enroll


@pytest.fixture
def rig_dir(settings: Any, tmp_path: Path) -> Any:
    settings.TEST_RIG = True
    settings.TEST_RIG_DIR = tmp_path
    settings.JPKI_AUTH_ANCHORS = []
    jpki_config_reset()
    yield tmp_path
    jpki_config_reset()


def test_a_card_made_with_the_commands_enrolls_through_the_api(rig_dir: Path, demo: Any, client: Client) -> None:
    out = io.StringIO()
    call_command("identity_make_test_ca", stdout=out)
    assert out.getvalue().count("\n") == 5  # four CA generations and where they were written
    out = io.StringIO()
    call_command(
        "identity_make_virtual_card",
        "--name",
        "見本 試子",
        "--birthdate",
        "1999-12-31",
        "--address",
        "長野県北佐久郡立科町大字芦田3394",
        stdout=out,
    )
    card_file = Path(out.getvalue().split("\t")[0])
    card = jpki.VirtualCard.from_json(card_file.read_text())
    response = enroll(client, card)
    assert response.status_code == 200, response.content
    assert response.json()["municipality"] == "203246"


def test_the_rig_is_refused_when_switched_off(settings: Any, db: None, tmp_path: Path) -> None:
    settings.TEST_RIG = False
    settings.TEST_RIG_DIR = tmp_path
    with pytest.raises(CommandError, match=r"identity\.test_rig_disabled"):
        call_command("identity_make_test_ca")
    assert list(tmp_path.iterdir()) == []


def test_housekeeping_deletes_only_what_has_expired(rig: Any, demo: Any, client: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from hiroba.identity.models import Challenge
    from hiroba.identity.tests.cardflow import nonce

    nonce(client)
    nonce(client)
    Challenge.objects.filter(pk=Challenge.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        issued_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(days=2)
    )
    out = io.StringIO()
    call_command("identity_housekeeping", stdout=out)
    assert "challenges\t1" in out.getvalue()
    assert Challenge.objects.count() == 1
