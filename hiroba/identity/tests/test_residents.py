"""Residents enroll with the card and sign in again; only the promised minimum is kept; moves re-key; deletion."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from hiroba.core.audit import audit_verify
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Consent, CredentialBinding, Person, Resident, ResidentStatus, User
from hiroba.identity.tests.cardflow import card_sign_in, enroll, nonce, post, sign_proof

ADDRESS = "長野県佐久市中込3056"


def _everything_stored() -> str:
    """Every identity row, audit record and session, decoded, as one text to search for leaks."""
    rows: list[Any] = []
    for model in (User, Person, Resident, Consent, CredentialBinding, AuditRecord):
        rows.extend(model.objects.values())
    rows.extend(Session.objects.get(pk=s.pk).get_decoded() for s in Session.objects.all())
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_a_new_card_enrolls_with_consent_and_then_signs_in(rig: Any, demo: Any, client: Client) -> None:
    # given a virtual card for a resident of 佐久市
    card = rig.card(address=ADDRESS)
    # when the resident enrolls and then signs in from another browser
    done = enroll(client, card)
    again = card_sign_in(Client(), card)
    # then both give the same pairwise ID in 佐久市
    assert done.status_code == 200, done.content
    assert done.json()["municipality"] == "202177"
    assert again.json() == done.json()
    person = Person.objects.get()
    assert (person.birth_year, person.birth_month) == (1987, 6)
    assert person.user.full_name == "見本 住子"
    assert Consent.objects.get().resident.pairwise_id == done.json()["pairwise_id"]


def test_enrollment_keeps_no_address_birth_day_or_certificate(rig: Any, demo: Any, client: Client) -> None:
    card = rig.card(address=ADDRESS)
    enroll(client, card)
    stored = _everything_stored()
    assert "中込" not in stored
    assert "1987-06-15" not in stored
    assert "19870615" not in stored
    serial = card.auth_certificate.serial_number
    assert str(serial) not in stored
    assert f"{serial:x}" not in stored
    opaque_cn = card.auth_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert opaque_cn not in stored


def test_the_enrollment_offer_shows_what_will_be_kept(rig: Any, demo: Any, client: Client) -> None:
    card = rig.card(name="見本 町男", birth="1952-11-03", address="長野県小諸市相生町3-3-3")
    card_sign_in(client, card)
    offer = post(client, "jpki/enrollment", sign_proof(card, nonce(client, "enroll"))).json()
    assert offer["municipality"] == "202088"
    assert offer["display_name"] == "見本 町男"
    assert offer["birth_year_month"] == "1952-11"
    assert offer["existing_account"] is False
    assert not Person.objects.exists()  # nothing stored before consent


def test_refusing_consent_stores_nothing(rig: Any, demo: Any, client: Client) -> None:
    response = enroll(client, rig.card(address=ADDRESS), consent=False)
    assert response.status_code == 422
    assert response.json()["code"] == "identity.consent_required"
    assert not Person.objects.exists()
    assert not CredentialBinding.objects.exists()


def test_an_address_outside_hiroba_is_refused(rig: Any, demo: Any, client: Client) -> None:
    card = rig.card(name="見本 遠子", address="北海道札幌市中央区北1条西2丁目")
    card_sign_in(client, card)
    response = post(client, "jpki/enrollment", sign_proof(card, nonce(client, "enroll")))
    assert response.status_code == 422
    assert response.json()["code"] == "identity.municipality_not_served"


def test_two_municipalities_see_unrelated_pairwise_ids(rig: Any, demo: Any, client: Client) -> None:
    # given an enrolled resident of 佐久市
    done = enroll(client, rig.card(address=ADDRESS)).json()
    # when the move to 小諸市 is recorded
    out = io.StringIO()
    call_command("identity_move", pairwise_id=done["pairwise_id"], to="202088", stdout=out)
    new_id = out.getvalue().split()[1]
    # then 小諸市 knows them by another ID, 佐久市 sees them as moved, and only the platform chain links the two
    assert new_id != done["pairwise_id"]
    assert Resident.objects.get(pairwise_id=done["pairwise_id"]).status == ResidentStatus.MOVED
    link = AuditRecord.objects.get(tag="identity:resident:moved")
    assert link.chain_id == "platform"
    assert link.data == {"from": done["pairwise_id"], "to": new_id}
    assert new_id not in json.dumps(list(AuditRecord.objects.filter(chain="202177").values()), default=str)
    assert done["pairwise_id"] not in json.dumps(list(AuditRecord.objects.filter(chain="202088").values()), default=str)
    # and the card still signs in, now as a resident of 小諸市
    assert card_sign_in(Client(), rig.card(address=ADDRESS)).json()["pairwise_id"] == new_id


def test_residents_command_lists_pairwise_ids_and_names(rig: Any, demo: Any, client: Client) -> None:
    done = enroll(client, rig.card(address=ADDRESS)).json()
    out = io.StringIO()
    call_command("identity_residents", municipality="202177", stdout=out)
    assert out.getvalue().strip().split("\t") == [done["pairwise_id"], "見本 住子", "1987-06", "active"]
    person_id = str(Person.objects.get().id)
    assert person_id not in out.getvalue()
    other = io.StringIO()
    call_command("identity_residents", municipality="202088", stdout=other)
    assert other.getvalue() == ""


def test_a_renewed_card_is_linked_by_re_enrollment(rig: Any, demo: Any, client: Client) -> None:
    # given a resident enrolled with an older card (older CA generation)
    old_generation = rig.ca.generations[0].label
    old = rig.card(address=ADDRESS, generation=old_generation)
    first = enroll(client, old).json()
    # when their renewed card (newest generation, same name and birth date) is enrolled and they confirm
    new = rig.card(address=ADDRESS, label="renewed")
    browser = Client()
    card_sign_in(browser, new)
    offer = post(browser, "jpki/enrollment", sign_proof(new, nonce(browser, "enroll"))).json()
    assert offer["existing_account"] is True
    done = post(browser, "enrollment/consent", {"consent": True}).json()
    # then it is the same person and resident, and both cards sign in
    assert done["pairwise_id"] == first["pairwise_id"]
    assert Person.objects.count() == 1
    assert card_sign_in(Client(), old).json()["pairwise_id"] == first["pairwise_id"]


def test_a_linkage_file_attaches_the_new_certificate(rig: Any, demo: Any, client: Client, tmp_path: Any) -> None:
    old = rig.card(address=ADDRESS)
    first = enroll(client, old).json()
    new = rig.card(address=ADDRESS, label="reissued")

    def kid(card: Any) -> str:
        return str(
            card.auth_certificate.extensions.get_extension_for_class(
                x509.AuthorityKeyIdentifier
            ).value.key_identifier.hex()
        )

    linkage = tmp_path / "linkage.csv"
    linkage.write_text(
        "old_issuer_key_id,old_serial,new_issuer_key_id,new_serial\n"
        f"{kid(old)},{old.auth_certificate.serial_number},{kid(new)},{new.auth_certificate.serial_number}\n"
        f"{kid(old)},12345,{kid(new)},67890\n"
    )
    out = io.StringIO()
    call_command("identity_link_certificates", str(linkage), stdout=out)
    assert out.getvalue().split() == ["linked", "1", "unknown", "1", "already", "linked", "0"]
    assert card_sign_in(Client(), new).json()["pairwise_id"] == first["pairwise_id"]


def test_a_bad_linkage_file_changes_nothing(rig: Any, demo: Any, client: Client, tmp_path: Any) -> None:
    from django.core.management.base import CommandError

    enroll(client, rig.card(address=ADDRESS))
    linkage = tmp_path / "linkage.csv"
    linkage.write_text("old_issuer_key_id,old_serial,new_issuer_key_id,new_serial\nzz,1,ab,2\n")
    with pytest.raises(CommandError, match=r"identity\.linkage_invalid: line 2"):
        call_command("identity_link_certificates", str(linkage))
    assert CredentialBinding.objects.count() == 2  # the card and the facts binding, nothing more


def test_deleting_the_account_keeps_only_the_pairwise_id(rig: Any, demo: Any, client: Client) -> None:
    done = enroll(client, rig.card(address=ADDRESS)).json()
    response = client.delete("/api/v1/identity/me", HTTP_IDEMPOTENCY_KEY="delete-1")
    assert response.status_code == 200, response.content
    assert not Person.objects.exists()
    assert not CredentialBinding.objects.exists()
    assert not User.objects.filter(kind="resident").exists()
    resident = Resident.objects.get()
    assert (resident.pairwise_id, resident.status, resident.person) == (done["pairwise_id"], "deleted", None)
    assert "見本 住子" not in _everything_stored()
    counts, breaks = audit_verify()
    assert breaks == []
    assert counts["202177"] >= 2
    # the card is unknown again: signing in asks to enroll
    assert card_sign_in(Client(), rig.card(address=ADDRESS)).json()["status"] == "enrollment_required"


def test_my_data_shows_exactly_what_is_kept(rig: Any, demo: Any, client: Client) -> None:
    done = enroll(client, rig.card(address=ADDRESS)).json()
    data = client.get("/api/v1/identity/me").json()
    assert data["pairwise_id"] == done["pairwise_id"]
    assert data["birth_year_month"] == "1987-06"
    assert [c["kind"] for c in data["credentials"]] == ["jpki_auth"]
    page = client.get("/me/")
    assert page.status_code == 200
    assert done["pairwise_id"] in page.content.decode()


@pytest.mark.parametrize(
    ("address", "lg_code"),
    [
        ("長野県佐久市中込3056", "202177"),
        ("長野県北佐久郡御代田町大字馬瀬口1794-6", "203238"),  # a county before the town
        ("長野県北佐久郡立科町大字芦田3394", "203246"),
        ("埼玉県さいたま市浦和区常盤6-4-4", "111007"),  # a ward of a designated city
        ("長野県 小諸市 相生町３－３－３", "202088"),  # spaces and full-width digits as a card may write them
        ("千葉県松戸市根本387-5", "122076"),
        ("長野県長野市大字鶴賀緑町1613", None),  # not on Hiroba
        ("埼玉県佐久市", None),  # right name, wrong prefecture
    ],
)
def test_the_address_decides_the_municipality(demo: Any, address: str, lg_code: str | None) -> None:
    from hiroba.identity.selectors import municipality_for_address

    found = municipality_for_address(address)
    assert (found.lg_code if found else None) == lg_code
