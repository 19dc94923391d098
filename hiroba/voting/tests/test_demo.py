"""The demo's polls in 佐久市: a tallied BELENIOS-2048 poll whose archive both verifiers accept, and an open Ed25519
poll whose voters get their credential after sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from hiroba.demo import demo_rig, demo_voting
from hiroba.identity.models import Resident
from hiroba.voting.models import Election, ElectionState, EventType
from hiroba.voting.selectors import credential_delivered
from hiroba.voting.tests.test_elections import belenios_verify, export
from hiroba.voting.verifier import verify_archive


def test_the_demo_has_a_tallied_and_an_open_poll_and_loading_again_changes_nothing(
    rig: Any, demo: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path
    demo_rig()
    tallied_uuid, open_uuid = demo_voting(timezone.localdate())
    tallied, open_poll = Election.objects.get(uuid=tallied_uuid), Election.objects.get(uuid=open_uuid)
    assert (tallied.group, tallied.state, open_poll.group, open_poll.state) == (
        "BELENIOS-2048", ElectionState.TALLIED, "Ed25519", ElectionState.OPEN,
    )  # fmt: skip
    # two residents of Saku: yes + roof & shop, then a re-vote yes + roof; no + car park. Blank first.
    assert tallied.result == [[0, 1, 1], [1, 0, 1]]
    assert tallied.events.filter(type=EventType.BALLOT).count() == 3
    (tmp_path / "tallied").mkdir()
    archive = export(tallied, tmp_path / "tallied")
    assert verify_archive(archive, workers=1).ok
    assert belenios_verify(archive.parent).returncode == 0
    for resident in Resident.objects.filter(municipality_id="202177"):
        assert credential_delivered(election=open_poll, resident=resident) is not None
    assert len(list((tmp_path / "demo" / "voting").glob(f"{open_uuid}-trustee-*.privkey"))) == 2
    assert demo_voting(timezone.localdate()) == [tallied_uuid, open_uuid]
    assert Election.objects.count() == 2
