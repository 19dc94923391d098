"""The in-browser Belenios library (hiroba/voting/static/voting/belenios.js) run in Chromium against the server.

Ballots, credentials, Benaloh audits, trustee keys and partial decryptions made by the JavaScript are checked by
the server's services and by the Python crypto: accepted, tracked identically, byte for byte what Python writes
for the same randomness, and a poll tallied with every trustee's work done in the browser.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from hiroba.core.errors import AppError
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.ballot import ballot_create, proof_json
from hiroba.voting.crypto.credentials import (
    BASE58,
    credential_generate,
    credential_is_well_formed,
    credential_public,
    credential_secret,
)
from hiroba.voting.crypto.groups import BELENIOS_2048, Group, group_by_name
from hiroba.voting.crypto.proofs import decryption_factor_prove, elgamal_encrypt, pok_prove
from hiroba.voting.formats.archive import json_dumps, json_loads
from hiroba.voting.formats.structures import fingerprint, parse_election
from hiroba.voting.models import Election, ElectionEvent, ElectionState, EventType
from hiroba.voting.selectors import ballot_tracker, encrypted_tally_raw, event_count
from hiroba.voting.services import (
    ballot_cast,
    credentials_register,
    election_close,
    election_create,
    election_open,
    partial_decryption_add,
    question_choose,
    question_choose_one,
    question_yes_no,
    result_compute,
    trustee_register,
    voters_enroll,
)
from hiroba.voting.tests.test_elections import (
    SAKU,
    as_resident,
    authority,
    committee,
    towns,  # noqa: F401 - the autouse fixture making the two towns
    trustee_key_json,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]  # the live server serves static files

GROUPS = ["BELENIOS-2048", "Ed25519", "RFC-3526-2048"]
FAST_GROUPS = ["BELENIOS-2048", "Ed25519"]

# yes/no, choose one of three, choose 1 to 3 of four, yes/no with blank votes allowed (leading blank flag)
QUESTIONS = [
    question_yes_no("市民会館を建て替えますか"),
    question_choose_one("新しい公園の名前", ["さくら", "もみじ", "けやき"]),
    question_choose("図書館の開館日を増やすなら(1〜3つ)", ["月", "水", "金", "日"], minimum=1, maximum=3),
    question_yes_no("駅前を整備しますか", blank=True),
]
VOTES = [
    [[1, 0], [0, 1, 0], [1, 0, 1, 0], [0, 1, 0]],
    [[0, 1], [0, 0, 1], [1, 1, 1, 0], [1, 0, 0]],  # a blank vote on the last question
    [[1, 0], [1, 0, 0], [0, 0, 0, 1], [0, 0, 1]],
]
EXPECTED = [[2, 1], [1, 1, 1], [2, 1, 2, 1], [1, 1, 1]]

CALL = """async ([name, args]) => {
  try {
    return {value: await window.belenios[name](...args)};
  } catch (error) {
    return {error: String(error && error.message ? error.message : error)};
  }
}"""

# crypto.getRandomValues fed from a byte string, so that Python can draw the very same scalars
SEED = """([hex]) => {
  const bytes = Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
  let position = 0;
  crypto.getRandomValues = (array) => {
    const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    if (position + view.length > bytes.length) throw new Error("the seeded randomness ran out");
    view.set(bytes.subarray(position, position + view.length));
    position += view.length;
    return array;
  };
}"""
UNSEED = "() => { delete crypto.getRandomValues; }"


class BrowserError(Exception):
    pass


class Booth:
    """One Chromium page with belenios.js imported as `window.belenios`."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def call(self, name: str, *args: Any) -> Any:
        outcome = self.page.evaluate(CALL, [name, list(args)])
        if "error" in outcome:
            raise BrowserError(outcome["error"])
        return outcome["value"]

    @contextmanager
    def seeded(self, randomness: bytes) -> Iterator[None]:
        self.page.evaluate(SEED, [randomness.hex()])
        try:
            yield
        finally:
            self.page.evaluate(UNSEED)


@pytest.fixture(scope="module")
def booth(chromium: Any, live_server: Any, django_db_blocker: Any) -> Iterator[Booth]:
    context = chromium.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    # A module fixture runs outside any test's database access, but the live server's handler opens a connection
    # on every request (Django's request_started signal), even for a static file.
    with django_db_blocker.unblock():
        page.goto(f"{live_server.url}/healthz")
        page.evaluate("async () => { window.belenios = await import('/static/voting/belenios.js'); }")
    yield Booth(page)
    context.close()


class Stream:
    """The scalars belenios.js draws from the same bytes: ceil(bits/8) bytes, the top byte masked, >= q rejected."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def scalar(self, q: int) -> int:
        size = (q.bit_length() + 7) // 8
        mask = (1 << (q.bit_length() % 8 or 8)) - 1
        while True:
            chunk = bytearray(self.data[self.position : self.position + size])
            assert len(chunk) == size, "the seeded randomness ran out"
            self.position += size
            chunk[0] &= mask
            value = int.from_bytes(chunk, "big")
            if value < q:
                return value


@contextmanager
def python_drawing_from(group: Group[Any], randomness: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stream]:
    stream = Stream(randomness)
    with monkeypatch.context() as patch:
        patch.setattr(group, "random_scalar", lambda: stream.scalar(group.q))
        yield stream


@dataclass
class Poll:
    election: Election
    residents: list[Resident]
    credentials: list[str]  # the private credentials, as printed on the letters

    @property
    def group(self) -> Group[Any]:
        return group_by_name(self.election.group)

    @property
    def election_text(self) -> str:
        """election.json exactly as published in the Setup event."""
        setup = ElectionEvent.objects.get(election=self.election, type=EventType.SETUP)
        return bytes(setup.members.get(position=0).raw).decode()

    def cast(self, voter: int, ballot: str) -> ElectionEvent:
        resident = self.residents[voter]
        return ballot_cast(actor=as_resident(resident), election=self.election, resident=resident, ballot_json=ballot)


def make_poll(group_name: str, *, trustee_keys: list[str] | None = None, voters: int = 3) -> Poll:
    actor = committee(SAKU)
    group = group_by_name(group_name)
    residents = [make_resident(SAKU, f"住民 {i}") for i in range(voters)]
    election = election_create(
        actor=actor, lg_code=SAKU, title="ブラウザ投票の試験", questions=QUESTIONS, group=group_name,
        opens_at=_now(-1), closes_at=_now(3),
    )  # fmt: skip
    voters_enroll(actor=actor, election=election, imported=[(r.pairwise_id, 1) for r in residents])
    credentials = [credential_generate() for _ in residents]
    credentials_register(  # the credential authority: only g^s reaches the server
        actor=authority(SAKU),
        election=election,
        public_credentials=[group.to_str(credential_public(group, c, election.uuid)) for c in credentials],
    )
    for i, key in enumerate(trustee_keys or [trustee_key_json(group, group.random_scalar())], start=1):
        trustee_register(actor=actor, election=election, name=f"管理者 {i}", public_key_json=key)
    election = election_open(actor=actor, election=election)
    return Poll(election, residents, credentials)


def _now(hours: int) -> Any:
    import datetime as dt

    from django.utils import timezone

    return timezone.now() + dt.timedelta(hours=hours)


# ------------------------------------------------------------------------------------------------ ballots


@pytest.mark.parametrize("group_name", GROUPS)
def test_ballots_made_in_the_browser_are_cast_and_tracked_and_altered_ones_refused(
    booth: Booth, group_name: str
) -> None:
    # given an open poll with yes/no, choose-one, 1-to-3 and blank-allowed questions (RFC-3526: one voter)
    voters = 1 if group_name == "RFC-3526-2048" else 3
    poll = make_poll(group_name, voters=voters)
    text = poll.election_text
    assert fingerprint(text.encode()) == poll.election.fingerprint
    for voter in range(voters):
        # when the voter's browser encrypts and signs the ballot with the letter's credential
        made = booth.call("ballotCreate", text, poll.credentials[voter], VOTES[voter])
        # then the server accepts it, and the tracker the booth shows is the board's
        event = poll.cast(voter, made["ballot"])
        assert made["tracker"] == ballot_tracker(event) == booth.call("ballotTracker", made["ballot"])
        assert bytes(event.payload or b"").decode() == made["ballot"]
    # and a ballot altered after signing (two choices swapped in JS) is refused, leaving the board unchanged
    made = booth.call("ballotCreate", text, poll.credentials[0], VOTES[2])
    altered = booth.page.evaluate(
        "([ballot]) => { const b = JSON.parse(ballot); b.answers[1].choices.reverse(); return JSON.stringify(b); }",
        [made["ballot"]],
    )
    events = event_count(election=poll.election)
    with pytest.raises(AppError) as caught:
        poll.cast(0, altered)
    assert caught.value.code == "voting.ballot.bad_signature"
    # and so is a ballot signed with a credential nobody registered
    stranger = booth.call("ballotCreate", text, booth.call("credentialGenerate"), VOTES[0])
    with pytest.raises(AppError) as caught:
        poll.cast(0, stranger["ballot"])
    assert caught.value.code == "voting.ballot.unknown_credential"
    assert event_count(election=poll.election) == events
    # while the unaltered one is accepted (a re-vote)
    assert ballot_tracker(poll.cast(0, made["ballot"])) == made["tracker"]


@pytest.mark.parametrize("group_name", GROUPS)
def test_browser_output_is_byte_for_byte_what_python_writes_with_the_same_randomness(
    booth: Booth, group_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = group_by_name(group_name)
    x = group.random_scalar()
    document = {
        "version": 1, "description": "", "name": "試験", "group": group_name,
        "public_key": group.to_str(group.g_pow(x)), "questions": QUESTIONS, "uuid": "HirobaBoothTest1",
    }  # fmt: skip
    raw = json_dumps(document)
    election = parse_election(raw, json_loads(raw))
    credential = credential_generate()
    randomness = os.urandom(64 * 1024)
    # a ballot
    with booth.seeded(randomness):
        made = booth.call("ballotCreate", raw.decode(), credential, VOTES[1])
    with python_drawing_from(group, randomness, monkeypatch):
        expected = ballot_create(
            group, y=group.g_pow(x), election_uuid=election.uuid, election_fingerprint=election.fingerprint,
            credential_secret=credential_secret(group, credential, election.uuid),
            questions=election.questions, plaintexts=VOTES[1],
        )  # fmt: skip
    assert made["ballot"] == json_dumps(expected).decode()
    assert made["tracker"] == fingerprint(json_dumps(expected))
    # a trustee's key pair (what `hiroba voting trustee-keygen` writes)
    with booth.seeded(randomness):
        pair = booth.call("trusteeKeygen", group_name)
    with python_drawing_from(group, randomness, monkeypatch):
        key = group.random_scalar()
        public = json_dumps({"pok": proof_json(pok_prove(group, key)), "public_key": group.to_str(group.g_pow(key))})
    assert pair == {"privateKey": json_dumps(str(key)).decode(), "publicKey": public.decode()}
    # a partial decryption (what `hiroba voting trustee-decrypt` writes) of a tally made of the ballot's choices
    tally = json_dumps([answer["choices"] for answer in expected["answers"][:2]])
    with booth.seeded(randomness):
        decryption = booth.call(
            "partialDecryption", group_name, election.fingerprint, pair["privateKey"], tally.decode()
        )
    with python_drawing_from(group, randomness, monkeypatch):
        pairs = [
            [decryption_factor_prove(group, election.fingerprint, key, group.parse(c["alpha"])) for c in row]
            for row in json_loads(tally)
        ]
    assert (
        decryption
        == json_dumps(
            {
                "decryption_factors": [[group.to_str(f) for f, _ in row] for row in pairs],
                "decryption_proofs": [[proof_json(p) for _, p in row] for row in pairs],
            }
        ).decode()
    )


def test_plaintexts_that_break_a_question_rule_are_refused_in_the_browser(booth: Booth) -> None:
    poll = make_poll("Ed25519", voters=1)
    text = poll.election_text
    for plaintexts, message in [
        ([[1, 1], *VOTES[0][1:]], "question 1: the plaintext violates"),  # yes and no
        ([VOTES[0][0], [0, 0, 0], *VOTES[0][2:]], "question 2: the plaintext violates"),  # none of the three
        ([*VOTES[0][:2], [1, 1, 1, 1], VOTES[0][3]], "question 3: the plaintext violates"),  # four of at most three
        ([*VOTES[0][:3], [1, 1, 0]], "question 4: the plaintext violates"),  # blank and yes
        ([*VOTES[0][:3], [0, 1]], "question 4: the plaintext must have one 0/1 value per choice"),
        ([[2, 0], *VOTES[0][1:]], "question 1: the plaintext must have one 0/1 value per choice"),
        (VOTES[0][:3], "expected 4 plaintexts"),
    ]:
        with pytest.raises(BrowserError, match=message):
            booth.call("ballotCreate", text, poll.credentials[0], plaintexts)
    credential = poll.credentials[0]
    wrong_checksum = credential[:-1] + BASE58[(BASE58.index(credential[-1]) + 1) % 58]
    with pytest.raises(BrowserError, match="credential is malformed"):
        booth.call("ballotCreate", text, wrong_checksum, VOTES[0])


# ------------------------------------------------------------------------------------------------ credentials


def test_credentials_match_python(booth: Booth) -> None:
    uuid = "HirobaBoothTest1"
    credential = credential_generate()
    # the public credential g^PBKDF2(credential, uuid) in every group
    for group_name in GROUPS:
        group = group_by_name(group_name)
        expected = group.to_str(credential_public(group, credential, uuid))
        assert booth.call("credentialPublic", group_name, credential, uuid) == expected
    # 2,000 generated credentials: well formed for Python, all distinct, every Base58 character equally likely
    # (a plain `byte % 58` would make the first 24 characters 25% likelier: 18 standard deviations off here)
    generated = booth.page.evaluate("() => Array.from({length: 2000}, () => window.belenios.credentialGenerate())")
    assert len(set(generated)) == 2000
    assert all(credential_is_well_formed(c) and len(c) == 19 and c.count("-") == 4 for c in generated)
    characters = "".join(c.replace("-", "")[:14] for c in generated)
    assert set(characters) == set(BASE58)
    low = sum(characters.count(ch) for ch in BASE58[:24])
    mean, deviation = len(characters) * 24 / 58, math.sqrt(len(characters) * (24 / 58) * (34 / 58))
    assert abs(low - mean) < 6 * deviation
    # the same checksum rule as Python, on a credential, its undashed form and broken variants
    credential = "JLh-1kU-Qrx-aqX-jg1"
    raw = credential.replace("-", "")
    last = BASE58[(BASE58.index(raw[-1]) + 1) % 58]
    candidates = [
        credential,
        raw,
        raw[:-1] + last,  # wrong checksum
        raw[:3] + BASE58[(BASE58.index(raw[3]) + 1) % 58] + raw[4:],  # a changed character
        raw[1:] + raw[0],  # rotated
        credential[:-1] + last,
        credential.lower(),
        credential.replace("-", " "),
        raw[:14],
        raw + "1",
        "0" + raw[1:],  # not Base58
        "",
        *generated[:20],
    ]
    verdicts = booth.page.evaluate(
        "([items]) => items.map((c) => window.belenios.credentialIsWellFormed(c))", [candidates]
    )
    assert verdicts == [credential_is_well_formed(c) for c in candidates]
    assert verdicts[:3] == [True, True, False]
    assert not any(verdicts[3:12])


# ------------------------------------------------------------------------------------------------ Benaloh audit


@pytest.mark.parametrize("group_name", FAST_GROUPS)
def test_benaloh_audit_reveals_the_plaintexts_and_python_recomputes_the_ciphertexts(
    booth: Booth, group_name: str
) -> None:
    poll = make_poll(group_name, voters=1)
    text, group = poll.election_text, poll.group
    made = booth.call("ballotCreate", text, poll.credentials[0], VOTES[1])
    # the audit passes and shows the choices the voter made
    assert booth.call("ballotAudit", text, made["ballot"], made["audit"]) == {"ok": True, "plaintexts": VOTES[1]}
    # Python re-encrypts every choice from the revealed randomness to the ballot's very ciphertexts
    y = group.parse(poll.election.public_key)
    ballot = json_loads(made["ballot"].encode())
    audit = made["audit"]
    for answer, plaintext, randomness in zip(ballot["answers"], audit["plaintexts"], audit["randomness"], strict=True):
        for choice, m, r in zip(answer["choices"], plaintext, randomness, strict=True):
            ct = elgamal_encrypt(group, y, m, int(r))
            assert {"alpha": group.to_str(ct.alpha), "beta": group.to_str(ct.beta)} == choice
    # a device that lies about one choice is caught
    flipped = {**audit, "plaintexts": [list(p) for p in audit["plaintexts"]]}
    flipped["plaintexts"][2][0] = 1 - flipped["plaintexts"][2][0]
    assert booth.call("ballotAudit", text, made["ballot"], flipped)["ok"] is False
    # and so is other randomness, or a ballot of another election
    shifted = {**audit, "randomness": [list(r) for r in audit["randomness"]]}
    shifted["randomness"][0][1] = str((int(shifted["randomness"][0][1]) + 1) % group.q)
    assert booth.call("ballotAudit", text, made["ballot"], shifted)["ok"] is False
    other = make_poll(group_name, voters=1)
    assert booth.call("ballotAudit", other.election_text, made["ballot"], audit)["ok"] is False


# ------------------------------------------------------------------------------------------------ trustees


@pytest.mark.parametrize("group_name", FAST_GROUPS)
def test_a_poll_with_browser_trustees_and_browser_ballots_tallies_to_the_right_counts(
    booth: Booth, group_name: str
) -> None:
    # given three trustees whose keys were made in their browsers and registered by the committee
    pairs = [booth.call("trusteeKeygen", group_name) for _ in range(3)]
    poll = make_poll(group_name, trustee_keys=[pair["publicKey"] for pair in pairs])
    trustees = list(poll.election.trustees.order_by("position").values_list("public_key", flat=True))
    assert trustees == [booth.call("publicKeyOf", group_name, pair["privateKey"]) for pair in pairs]
    # when every voter votes from the browser and the committee closes the poll
    for voter, plaintexts in enumerate(VOTES):
        poll.cast(voter, booth.call("ballotCreate", poll.election_text, poll.credentials[voter], plaintexts)["ballot"])
    actor = committee(SAKU)
    election_close(actor=actor, election=poll.election)
    poll.election.refresh_from_db()
    tally = encrypted_tally_raw(election=poll.election).decode()
    # then each trustee's browser decryption is accepted (and one made with another trustee's key is not)
    decryptions = [
        booth.call("partialDecryption", group_name, poll.election.fingerprint, pair["privateKey"], tally)
        for pair in pairs
    ]
    with pytest.raises(AppError) as caught:
        partial_decryption_add(actor=actor, election=poll.election, owner=1, decryption_json=decryptions[1])
    assert caught.value.code == "voting.decryption.invalid_proof"
    for owner, decryption in enumerate(decryptions, start=1):
        partial_decryption_add(actor=actor, election=poll.election, owner=owner, decryption_json=decryption)
    # and the result is the voters' choices
    election = result_compute(actor=actor, election=poll.election)
    assert election.state == ElectionState.TALLIED
    assert election.result == EXPECTED


def test_malformed_trustee_keys_are_refused_in_the_browser(booth: Booth) -> None:
    group = BELENIOS_2048
    tally = json_dumps([[{"alpha": group.to_str(group.g), "beta": group.to_str(group.g)}]]).decode()
    fp = "A" * 43
    for key, message in [
        ("12345", "a private key is a JSON string"),
        ('"12a"', "expected a non-negative integer"),
        ('"012"', "expected a non-negative integer"),
        (f'"{group.q}"', "scalar out of range"),
        ("not json", "invalid JSON"),
    ]:
        with pytest.raises(BrowserError, match=message):
            booth.call("partialDecryption", "BELENIOS-2048", fp, key, tally)
        with pytest.raises(BrowserError, match=message):
            booth.call("publicKeyOf", "BELENIOS-2048", key)
    with pytest.raises(BrowserError, match="unsupported group"):
        booth.call("trusteeKeygen", "P-256")
    # an element outside the group in the tally is refused too
    outside = json_dumps([[{"alpha": str(group.p - 1), "beta": "1"}]]).decode()  # p - 1 has order 2
    with pytest.raises(BrowserError, match="not an element of BELENIOS-2048"):
        booth.call("partialDecryption", "BELENIOS-2048", fp, '"5"', outside)
    assert booth.call("publicKeyOf", "BELENIOS-2048", '"5"') == group.to_str(group.g_pow(5))
