"""The credential authority in a real Chromium: credentials generated in the browser, printed as letters, and only
their public halves posted to the server (issue 7, item 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hiroba.voting.crypto.credentials import credential_is_well_formed, credential_public
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.models import PublicCredential, Voter
from hiroba.voting.tests.test_credentials import NAMES, draft
from hiroba.voting.tests.test_elections import SAKU, authority
from hiroba.wallet.formats.tests import pdf as pdf_reader
from tests.browser.test_accessibility import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREDENTIAL = re.compile(r"[1-9A-HJ-NP-Za-km-z]{3}(?:-[1-9A-HJ-NP-Za-km-z]{3}){4}")


def test_the_authority_prints_letters_and_registers_only_public_credentials(
    site: str, open_context: Any, axe_script: Path, artifacts: Path
) -> None:
    # given a draft poll of 佐久市 with three voters (weights 1, 2, 3) and the town's credential authority
    election, residents = draft()
    issuer = authority(SAKU)
    context = open_context(user=issuer.user, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(axe_script))
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.post_data or "") if request.method == "POST" else None)
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/credentials/")
    assert page.locator("[data-nojs]").is_hidden()  # the module took over from the no-JavaScript note
    assert axe_serious(page, "the authority's page") == []

    # when the authority generates the letters in the browser
    page.click("[data-generate]")
    shown = page.locator("[data-credential]").all_inner_texts()
    assert len(shown) == 3
    assert len(set(shown)) == 3
    assert all(credential_is_well_formed(c) for c in shown)
    page.screenshot(path=str(artifacts / "voting-authority.png"), full_page=True)

    # then the print view has one A4 page per voter, with the name and the credential
    pdf = page.pdf(format="A4")
    assert len(pdf_reader.pages(pdf)) == 3
    text = pdf_reader.text(pdf)
    assert text is not None
    pages = text.split("\f")[:-1]
    assert len(pages) == 3
    printed: dict[str, str] = {}
    for page_text in pages:
        (name,) = [n for n in NAMES if f"{n} 様" in page_text]
        (credential,) = CREDENTIAL.findall(page_text)
        assert f"/polls/{election.uuid}/vote/" in page_text.replace("\n", "")
        printed[name] = credential
    assert set(printed.values()) == set(shown)
    (artifacts / "voting-authority-letters.pdf").write_bytes(pdf)

    # and registering before confirming the print is refused, with nothing sent
    page.click("[data-register]")
    assert page.locator("[data-problem]").is_visible()
    assert page.get_attribute("[data-problem]", "role") == "alert"
    assert posts == []

    # when the authority confirms the letters are printed and registers
    page.check("#printed")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.click("[data-register]")
    assert answer.value.status == 200
    page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('3')")

    # then the server holds exactly the public credentials of the printed ones, with the voters' weights
    group = group_by_name(election.group)
    weights = dict(Voter.objects.filter(election=election).values_list("pairwise_id", "weight"))
    expected = {
        (group.to_str(credential_public(group, printed[name], election.uuid)), weights[resident.pairwise_id])
        for name, resident in zip(NAMES, residents, strict=True)
    }
    assert set(PublicCredential.objects.filter(election=election).values_list("credential", "weight")) == expected
    # and nothing private was posted: one JSON list of "public,weight" without any printed credential
    (body,) = posts
    assert sorted(json.loads(body)) == sorted(f"{c},{w}" for c, w in expected)
    assert not any(credential in body for credential in printed.values())
    # and the credentials are gone from the page
    assert page.locator("[data-letters]").is_hidden()
    assert all(c == "" for c in page.locator("[data-credential]").all_text_contents())
    assert page.locator("[data-problem]").is_hidden()
