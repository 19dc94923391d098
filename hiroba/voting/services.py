"""Writes of the voting app: a Belenios 2.0 homomorphic poll with n-of-n trustees, run by the server.

Every act is one durable transaction that locks the election row first (so events are appended one at a time and
heights never fork), checks everything, writes, and audits. A refused act rolls back entirely and is then recorded
in a transaction of its own (tag `voting:act:refused`, with the refusal's code), so the board is unchanged.

All cryptography and serialisation comes from `hiroba.voting.crypto`, `hiroba.voting.formats` and the ballot checks
of `hiroba.voting.verifier.ballots`; nothing here computes a proof itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record, refusals_recorded, subject_ref
from hiroba.core.errors import AppError, Conflict, Invalid, PermissionDenied
from hiroba.identity.models import Resident
from hiroba.identity.selectors.residents import resident_list, town_resident
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, municipality_get, municipality_list, scope_require
from hiroba.voting.crypto.ballot import ciphertext_json, proof_json
from hiroba.voting.crypto.credentials import BASE58, credential_generate, credential_public
from hiroba.voting.crypto.groups import Group, GroupError, group_by_name
from hiroba.voting.crypto.proofs import (
    Ciphertext,
    Proof,
    ballot_signature_verify,
    ciphertext_mul,
    ciphertext_pow,
    decryption_factor_verify,
    pok_verify,
)
from hiroba.voting.events import VotingEvent
from hiroba.voting.formats.archive import ArchiveError, json_dumps, json_loads, sha256_hex
from hiroba.voting.formats.structures import (
    FormatError,
    ballot_signed_hash,
    canonical_ballot,
    fingerprint,
    parse_public_credentials,
    parse_question,
)
from hiroba.voting.formats.structures import (
    PublicCredential as ParsedCredential,
)
from hiroba.voting.models import (
    MAX_MINIMUM_AGE,
    CredentialDelivery,
    Election,
    ElectionEvent,
    ElectionState,
    EventMember,
    EventType,
    GroupName,
    PublicCredential,
    SealedCredential,
    Trustee,
    TrusteeInvitation,
    Voter,
    VoterSource,
)
from hiroba.voting.selectors import (
    booth_refusal,
    credential_box,
    credential_sealed_text,
    decryption_keys,
    encrypted_tally_get,
    question_structures,
    trustee_invitation_get,
    trustee_token_hash,
)
from hiroba.voting.verifier.ballots import BallotContext, check_ballots_inline
from hiroba.voting.verifier.trustees import Failed, lagrange, pedersen_checked, proof_parsed

P = ParamSpec("P")
R = TypeVar("R")

TOKEN_LENGTH = 14  # `belenios-tool setup generate-token`: 14 random Base58 characters, no checksum
MAX_QUESTIONS = 20
MAX_ANSWERS = 50
MAX_WEIGHT = 1_000
MAX_TRUSTEES = 16
MAX_DECRYPTION_BYTES = 1024 * 1024


# ----------------------------------------------------------------------------------------------- refusals


def _refused(code: str, ja: str, en: str, *, kind: type[AppError] = Invalid, **detail: Any) -> AppError:
    return kind(f"voting.{code}", ja=ja, en=en, detail=detail or None)


def _audited_refusals(act: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record every AppError the act raises, after its own transaction was rolled back, then re-raise it."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs.get("actor")
            election = kwargs.get("election")
            lg_code = election.municipality_id if isinstance(election, Election) else kwargs.get("lg_code")
            if not isinstance(lg_code, str) or not municipality_list().filter(lg_code=lg_code).exists():
                lg_code = None  # an unknown town gets no chain of its own: the platform chain records it
            with refusals_recorded(
                tag=VotingEvent.REFUSED,
                actor=actor if isinstance(actor, Actor) else Actor.command_line(),
                subject=subject_ref(election) if isinstance(election, Election) else f"municipality:{lg_code}",
                municipality=lg_code,
                data={"act": act},
            ):
                return func(*args, **kwargs)

        return run

    return decorate


def _require_committee(actor: Actor, lg_code: str) -> None:
    scope_require(actor_scope(actor), Role.ELECTION, lg_code)


def _lock(election: Election) -> Election:
    """The election row, locked to the end of the transaction (SQLite: the write lock taken at BEGIN). Every act
    locks this one row first and nothing else, so acts on one election run one after another without deadlocks;
    no_key: the events' foreign keys to it still insert (FOR KEY SHARE does not conflict)."""
    return Election.objects.select_for_update(no_key=True, of=("self",)).get(pk=election.pk)


def _require_state(election: Election, *states: ElectionState) -> None:
    if election.state not in states:
        raise _refused(
            "election.wrong_state",
            f"この投票は現在「{election.state}」の状態のため、この操作はできません。",
            f"The poll is {election.state}; this needs it to be {' or '.join(states)}.",
            kind=Conflict,
            state=election.state,
        )


def _group(election: Election) -> Group[Any]:
    return group_by_name(election.group)


# ----------------------------------------------------------------------------------------------- questions


def question_yes_no(text: str, *, yes: str = "賛成", no: str = "反対", blank: bool = False) -> dict[str, Any]:
    return question_choose(text, [yes, no], minimum=1, maximum=1, blank=blank)


def question_choose_one(text: str, answers: Sequence[str], *, blank: bool = False) -> dict[str, Any]:
    return question_choose(text, answers, minimum=1, maximum=1, blank=blank)


def question_choose(
    text: str, answers: Sequence[str], *, minimum: int, maximum: int, blank: bool = False
) -> dict[str, Any]:
    """A homomorphic question in the specification's field order (`blank` only when allowed, as Belenios writes)."""
    question: dict[str, Any] = {"answers": list(answers)}
    if blank:
        question["blank"] = True
    question.update({"min": minimum, "max": maximum, "question": text})
    return question


def _questions_checked(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The questions rebuilt in the specification's order and checked by the archive format's own parser."""

    def bad(where: str, en: str) -> AppError:
        return _refused("questions.invalid", "設問に誤りがあります。", en, where=where)

    if not questions or len(questions) > MAX_QUESTIONS:
        raise bad("questions", f"A poll has between 1 and {MAX_QUESTIONS} questions.")
    result = []
    for i, given in enumerate(questions):
        where = f"questions[{i}]"
        if not isinstance(given, Mapping) or not set(given) <= {"question", "answers", "min", "max", "blank"}:
            raise bad(where, "A question has the fields question, answers, min, max and optionally blank.")
        answers = given.get("answers")
        if (
            not isinstance(answers, list)
            or not 1 <= len(answers) <= MAX_ANSWERS
            or not all(isinstance(a, str) and a.strip() for a in answers)
        ):
            raise bad(where, f"A question has 1 to {MAX_ANSWERS} non-empty answers.")
        text, blank = given.get("question"), given.get("blank", False)
        if not isinstance(text, str) or not text.strip() or not isinstance(blank, bool):
            raise bad(where, "A question needs its text; blank is true or false.")
        minimum, maximum = given.get("min"), given.get("max")
        if not isinstance(minimum, int) or not isinstance(maximum, int) or (blank and minimum < 1):
            raise bad(where, "min and max are whole numbers (min at least 1 when blank votes are allowed).")
        question = question_choose(text, answers, minimum=minimum, maximum=maximum, blank=blank)
        try:
            parse_question(question, where)
        except FormatError as exc:
            raise bad(where, str(exc)) from exc
        result.append(question)
    return result


# ----------------------------------------------------------------------------------------------- setup


def _token() -> str:
    return "".join(secrets.choice(BASE58) for _ in range(TOKEN_LENGTH))


@_audited_refusals("election_create")
@transaction.atomic(durable=True)
def election_create(
    *,
    actor: Actor,
    lg_code: str,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    minimum_age: int = 18,
    group: str = GroupName.BELENIOS_2048,
    description: str = "",
    credential_delivery: str = CredentialDelivery.LETTER,
) -> Election:
    """A draft poll of the municipality `lg_code`, by its election committee."""
    municipality = municipality_get(lg_code=lg_code)
    _require_committee(actor, lg_code)
    if group not in GroupName.values:
        raise _refused("election.group", "この暗号群は使えません。", f"Unknown group {group!r}.", group=group)
    if credential_delivery not in CredentialDelivery.values:
        raise _refused("election.delivery", "認証情報の届け方が正しくありません。", "Unknown credential delivery.")
    if not title.strip() or len(title) > 200:  # noqa: PLR2004 - the column's length
        raise _refused("election.title", "件名を200字以内で入力してください。", "A title of 1 to 200 characters.")
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at) or closes_at <= opens_at:
        raise _refused("election.window", "投票期間が正しくありません。", "The poll must close after it opens.")
    if closes_at <= timezone.now():
        raise _refused("election.window", "終了時刻が過ぎています。", "The closing time has passed.")
    if not 0 <= minimum_age <= MAX_MINIMUM_AGE:
        raise _refused("election.minimum_age", "年齢要件が正しくありません。", "The minimum age is out of range.")
    election = Election.objects.create(
        municipality=municipality,
        uuid=_token(),
        group=group,
        title=title.strip(),
        description=description,
        questions=_questions_checked(questions),
        opens_at=opens_at,
        closes_at=closes_at,
        minimum_age=minimum_age,
        credential_delivery=credential_delivery,
    )
    audit_record(
        tag=VotingEvent.ELECTION_CREATED,
        actor=actor,
        subject=election,
        data={
            "uuid": election.uuid,
            "group": group,
            "questions": len(election.questions),
            "credential_delivery": credential_delivery,
        },
        municipality=lg_code,
    )
    return election


@_audited_refusals("election_questions_set")
@transaction.atomic(durable=True)
def election_questions_set(*, actor: Actor, election: Election, questions: Sequence[Mapping[str, Any]]) -> Election:
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    election.questions = _questions_checked(questions)
    election.save(update_fields=["questions"])
    audit_record(
        tag=VotingEvent.QUESTIONS_SET,
        actor=actor,
        subject=election,
        data={"questions": len(election.questions)},
        municipality=election.municipality_id,
    )
    return election


def age_reached(*, birth_year_month: str, minimum_age: int, on: dt.date) -> bool:
    """Certainly at least `minimum_age` on `on`, knowing only the birth year and month (Hiroba keeps no day).

    Conservative: someone born in the same month `minimum_age` years earlier may not have had the birthday yet, so
    they are left out of the automatic list (the committee can add them by an imported list)."""
    year, month = (int(part) for part in birth_year_month.split("-"))
    months = (on.year - year) * 12 + (on.month - month)
    return months > minimum_age * 12


@_audited_refusals("voters_enroll")
@transaction.atomic(durable=True)
def voters_enroll(
    *, actor: Actor, election: Election, imported: Sequence[tuple[str, int]] | None = None
) -> list[Voter]:
    """Add voters: without `imported`, every active resident of the municipality aged at least the minimum on the
    opening day (weight 1); with it, the listed (pairwise ID, weight) pairs, each an active resident of the town.
    Voters already listed are left as they are. The list is fixed once credentials were issued."""
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    if PublicCredential.objects.filter(election=election).exists():
        raise _refused(
            "voters.locked",
            "投票用認証情報の発行後は選挙人名簿を変更できません。",
            "Credentials were issued: the voter list is fixed.",
            kind=Conflict,
        )
    lg_code = election.municipality_id
    listed = set(Voter.objects.filter(election=election).values_list("pairwise_id", flat=True))
    wanted: dict[str, int] = {}
    if imported is None:
        opening_day = timezone.localdate(election.opens_at)
        for row in resident_list(lg_code=lg_code):
            if row.birth_year_month and age_reached(
                birth_year_month=row.birth_year_month, minimum_age=election.minimum_age, on=opening_day
            ):
                wanted[row.pairwise_id] = 1
        source = VoterSource.RESIDENTS
    else:
        for pairwise_id, weight in imported:
            if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= MAX_WEIGHT:
                raise _refused(
                    "voters.weight",
                    f"重みは1以上{MAX_WEIGHT}以下の整数です。",
                    f"A weight is a whole number from 1 to {MAX_WEIGHT}.",
                    pairwise_id=pairwise_id,
                )
            resident = town_resident(lg_code=lg_code, pairwise_id=pairwise_id)
            if resident.pairwise_id in wanted:
                raise _refused(
                    "voters.duplicate", "名簿に同じ人が2回あります。", "The list names a voter twice.", kind=Conflict
                )
            wanted[resident.pairwise_id] = weight
        source = VoterSource.IMPORTED
    new = [
        Voter(election=election, pairwise_id=pid, weight=weight, source=source)
        for pid, weight in sorted(wanted.items())
        if pid not in listed
    ]
    Voter.objects.bulk_create(new)
    audit_record(
        tag=VotingEvent.VOTERS_ENROLLED,
        actor=actor,
        subject=election,
        data={"source": source, "added": len(new), "total": len(listed) + len(new)},
        municipality=lg_code,
    )
    return new


def _parse_json(raw: str | bytes, code: str, what_ja: str, what_en: str) -> Any:
    try:
        return json_loads(raw.encode() if isinstance(raw, str) else raw)
    except ArchiveError as exc:
        raise _refused(code, f"{what_ja}の形式が正しくありません。", f"Malformed {what_en}: {exc}") from exc


def _trustee_key(group: Group[Any], value: Any) -> tuple[Any, Proof]:
    if not isinstance(value, dict) or set(value) != {"pok", "public_key"} or not isinstance(value["public_key"], str):
        raise GroupError("expected {pok, public_key}")
    return group.parse(value["public_key"]), proof_parsed(group, value["pok"])


@_audited_refusals("trustee_register")
@transaction.atomic(durable=True)
def trustee_register(*, actor: Actor, election: Election, name: str, public_key_json: str | bytes) -> Trustee:
    """Register an n-of-n trustee from its `trustee_public_key` ({pok, public_key}, as `belenios-tool setup
    generate-trustee-key` and `hiroba voting trustee-keygen` write it) after checking the proof of knowledge."""
    _require_committee(actor, election.municipality_id)
    return _trustee_add(actor=actor, election=election, name=name, public_key_json=public_key_json)


def _trustee_add(*, actor: Actor, election: Election, name: str, public_key_json: str | bytes) -> Trustee:
    """trustee_register's act, inside the caller's transaction, once the caller has checked who may do it (the
    committee, or the holder of the trustee's link)."""
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    if not name.strip() or len(name) > 100:  # noqa: PLR2004 - the column's length
        raise _refused("trustee.name", "管理者の名前を入力してください。", "A trustee needs a name (<= 100).")
    count = Trustee.objects.filter(election=election).count()
    if count >= MAX_TRUSTEES:
        raise _refused("trustee.too_many", "管理者が多すぎます。", f"At most {MAX_TRUSTEES} trustees.", kind=Conflict)
    value = _parse_json(public_key_json, "trustee.malformed", "公開鍵", "trustee public key")
    group = _group(election)
    try:
        key, proof = _trustee_key(group, value)
    except GroupError as exc:
        raise _refused(
            "trustee.malformed", "公開鍵の形式が正しくありません。", f"Malformed trustee public key: {exc}"
        ) from exc
    if not pok_verify(group, key, proof):
        raise _refused(
            "trustee.invalid_proof",
            "秘密鍵を知っていることの証明が正しくありません。",
            "The proof of knowledge of the private key is invalid.",
        )
    canonical = group.to_str(key)
    if Trustee.objects.filter(election=election, public_key=canonical).exists():
        raise _refused("trustee.duplicate", "この公開鍵は登録済みです。", "This key is registered.", kind=Conflict)
    trustee = Trustee.objects.create(
        election=election,
        position=count + 1,
        name=name.strip(),
        public_key=canonical,
        pok_challenge=str(proof.challenge),
        pok_response=str(proof.response),
    )
    audit_record(
        tag=VotingEvent.TRUSTEE_REGISTERED,
        actor=actor,
        subject=election,
        data={"position": trustee.position, "public_key_sha256": sha256_hex(canonical.encode())},
        municipality=election.municipality_id,
    )
    return trustee


MAX_THRESHOLD_BYTES = 2 * 1024 * 1024


@_audited_refusals("trustees_threshold_register")
@transaction.atomic(durable=True)
def trustees_threshold_register(*, actor: Actor, election: Election, parameters_json: str | bytes) -> int:
    """Register a threshold (k-of-n, "Pedersen") group of trustees from the `threshold_parameters` they established
    among themselves (step 6 of `belenios-tool setup generate-trustee-key-threshold`): every certificate and
    coefficient commitment signed, every verification key matching the commitments, with its proof. At most one
    group per poll; its trustees decrypt after the Single ones (owners s+1 … s+n). Returns n."""
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    if election.threshold_parameters is not None:
        raise _refused(
            "trustee.threshold_registered",
            "しきい値方式の開票管理者は登録済みです。",
            "A threshold group of trustees is already registered.",
            kind=Conflict,
        )
    raw = parameters_json.encode() if isinstance(parameters_json, str) else bytes(parameters_json)
    if len(raw) > MAX_THRESHOLD_BYTES:
        raise _refused("trustee.malformed", "ファイルが大きすぎます。", "The threshold parameters are too large.")
    value = _parse_json(raw, "trustee.malformed", "しきい値パラメータ", "threshold parameters")
    group = _group(election)
    try:
        _sub_key, keys, threshold = pedersen_checked(group, value, "threshold_parameters")
    except (Failed, GroupError, KeyError, TypeError) as exc:
        raise _refused(
            "trustee.invalid_threshold",
            "しきい値パラメータの署名・証明・整合性の確認に失敗しました。",
            f"The threshold parameters do not check: {exc}",
        ) from exc
    if Trustee.objects.filter(election=election).count() + len(keys) > MAX_TRUSTEES:
        raise _refused("trustee.too_many", "管理者が多すぎます。", f"At most {MAX_TRUSTEES} trustees.", kind=Conflict)
    election.threshold_parameters = json_dumps(value)
    election.save(update_fields=["threshold_parameters"])
    audit_record(
        tag=VotingEvent.TRUSTEE_REGISTERED,
        actor=actor,
        subject=election,
        data={"kind": "Pedersen", "threshold": threshold, "trustees": len(keys),
              "parameters_sha256": sha256_hex(election.threshold_parameters)},
        municipality=election.municipality_id,
    )  # fmt: skip
    return len(keys)


@_audited_refusals("credentials_register")
@transaction.atomic(durable=True)
def credentials_register(*, actor: Actor, election: Election, public_credentials: Sequence[str]) -> int:
    """Register public credentials from the credential authority (Role.CREDENTIALS of the poll's town, or the operator
    at the command line): lines `credential` or `credential,weight`, for a poll whose credentials go on letters.
    May be called several times (in parts) until there is one per voter."""
    _require_authority(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    if election.credential_delivery != CredentialDelivery.LETTER:
        raise _refused(
            "credentials.online_poll",
            "この投票は、ログイン後に認証情報を渡す方式です。郵送用の認証情報は登録できません。",
            "This poll delivers credentials after card sign-in: issue them online instead of registering letters'.",
            kind=Conflict,
        )
    return _public_credentials_add(actor, election, public_credentials)


def _public_credentials_add(actor: Actor, election: Election, public_credentials: Sequence[str]) -> int:
    """Check and store public credentials (the caller holds the election's lock), and audit."""
    try:
        parsed: list[ParsedCredential] = parse_public_credentials(list(public_credentials))
    except FormatError as exc:
        raise _refused("credentials.malformed", "公開認証情報の形式が正しくありません。", str(exc)) from exc
    if not parsed:
        raise _refused("credentials.malformed", "公開認証情報がありません。", "No public credentials given.")
    group = _group(election)
    canonical: list[tuple[str, int]] = []
    for i, item in enumerate(parsed):
        try:
            canonical.append((group.to_str(group.parse(item.credential)), item.weight))
        except GroupError as exc:
            raise _refused(
                "credentials.wrong_group",
                "この投票の暗号群の要素ではない公開認証情報があります。",
                f"public_credentials[{i}] is not an element of {group.name}: {exc}",
                index=i,
            ) from exc
        if item.weight > MAX_WEIGHT:
            raise _refused("credentials.weight", "重みが大きすぎます。", "A weight is too large.", index=i)
    known = set(PublicCredential.objects.filter(election=election).values_list("credential", flat=True))
    fresh = {c for c, _ in canonical}
    if len(fresh) != len(canonical) or fresh & known:
        raise _refused(
            "credentials.duplicate",
            "同じ公開認証情報が2回あります。",
            "A public credential is repeated.",
            kind=Conflict,
        )
    voters = Voter.objects.filter(election=election).count()
    if len(known) + len(canonical) > voters:
        raise _refused(
            "credentials.too_many",
            "選挙人の数より多い公開認証情報は登録できません。",
            f"{len(known) + len(canonical)} credentials for {voters} voters.",
            kind=Conflict,
        )
    PublicCredential.objects.bulk_create(
        PublicCredential(election=election, credential=c, weight=w) for c, w in canonical
    )
    audit_record(
        tag=VotingEvent.CREDENTIALS_REGISTERED,
        actor=actor,
        subject=election,
        data={
            "added": len(canonical),
            "total": len(known) + len(canonical),
            "delivery": election.credential_delivery,
        },
        municipality=election.municipality_id,
    )
    return len(canonical)


def _require_authority(actor: Actor, lg_code: str) -> None:
    """The credential authority of the town (or the operator). The committee's role is not enough: whoever holds
    both the voter list and the private credentials could vote in anyone's place."""
    scope = actor_scope(actor)
    if not scope.has(Role.CREDENTIALS, lg_code) and scope.has(Role.ELECTION, lg_code):
        raise _refused(
            "credentials.not_the_authority",
            "投票用認証情報は、選挙管理委員会とは別の「認証情報の発行者」の役割を持つ職員だけが扱えます。",
            "Only the credential authority handles voting credentials; the election committee's role is not enough.",
            kind=PermissionDenied,
        )
    scope_require(scope, Role.CREDENTIALS, lg_code)


@_audited_refusals("credentials_issue_online")
@transaction.atomic(durable=True)
def credentials_issue_online(*, actor: Actor, election: Election) -> int:
    """The weaker trust model, for a poll with CredentialDelivery.ONLINE: generate one credential per voter on the
    server, register the public ones (shuffled, with the voters' weights) and keep each private one sealed
    (`selectors.credential_box`) for that voter, who sees it after card sign-in while the poll is open; the sealed
    rows are deleted when the poll closes. Returns the number issued."""
    _require_authority(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    if election.credential_delivery != CredentialDelivery.ONLINE:
        raise _refused(
            "credentials.letter_poll",
            "この投票は、認証情報を郵送の通知で渡す方式です。ログイン後に渡す認証情報は発行できません。",
            "This poll delivers credentials on printed letters: online issuance is refused.",
            kind=Conflict,
        )
    voters = list(Voter.objects.filter(election=election).order_by("pk"))
    if not voters:
        raise _refused(
            "credentials.no_voters",
            "選挙人名簿がまだありません。",
            "The poll has no voters yet: enroll them first.",
            kind=Conflict,
        )
    if PublicCredential.objects.filter(election=election).exists():
        raise _refused(
            "credentials.already_issued",
            "この投票の認証情報は発行済みです。",
            "Credentials were already issued for this poll.",
            kind=Conflict,
        )
    group = _group(election)
    box = credential_box()
    public: list[str] = []
    sealed: list[SealedCredential] = []
    for voter in voters:
        credential = credential_generate()
        public.append(f"{group.to_str(credential_public(group, credential, election.uuid))},{voter.weight}")
        text = credential_sealed_text(uuid=election.uuid, pairwise_id=voter.pairwise_id, credential=credential)
        sealed.append(SealedCredential(election=election, voter=voter, sealed=bytes(box.encrypt(text))))
    secrets.SystemRandom().shuffle(public)  # the rows' order says nothing about the list
    issued = _public_credentials_add(actor, election, public)
    SealedCredential.objects.bulk_create(sealed)
    return issued


# ----------------------------------------------------------------------------------------------- the event log


def _append(
    election: Election,
    *,
    kind: EventType,
    payload: bytes | None,
    members: Sequence[bytes] = (),
    credential: str | None = None,
    owner: int | None = None,
) -> ElectionEvent:
    """Append one event (the caller holds the election's lock): {parent, height, type, payload} in that order."""
    last = ElectionEvent.objects.filter(election=election).order_by("-height").values_list("height", "hash").first()
    height, parent = (0, None) if last is None else (last[0] + 1, last[1])
    event: dict[str, Any] = {}
    if parent is not None:
        event["parent"] = parent
    event["height"] = height
    event["type"] = kind.value
    payload_hash = None if payload is None else sha256_hex(payload)
    if payload_hash is not None:
        event["payload"] = payload_hash
    raw = json_dumps(event)
    row = ElectionEvent.objects.create(
        election=election,
        height=height,
        type=kind,
        parent=parent,
        hash=sha256_hex(raw),
        raw=raw,
        payload=payload,
        payload_hash=payload_hash,
        credential=credential,
        owner=owner,
    )
    EventMember.objects.bulk_create(EventMember(event=row, position=i, raw=m) for i, m in enumerate(members))
    return row


@_audited_refusals("election_open")
@transaction.atomic(durable=True)
def election_open(*, actor: Actor, election: Election) -> Election:
    """Publish election.json (public key = product of the trustees' keys), trustees and credentials: the Setup."""
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    trustees = list(Trustee.objects.filter(election=election).order_by("position"))
    credentials = list(PublicCredential.objects.filter(election=election).order_by("credential"))
    voters = Voter.objects.filter(election=election).count()
    if not (trustees or election.threshold_parameters is not None) or not credentials or not voters:
        raise _refused(
            "election.incomplete",
            "管理者、選挙人名簿、投票用認証情報がそろっていません。",
            "A poll opens with at least one trustee, voter and credential.",
            kind=Conflict,
            trustees=len(trustees),
            voters=voters,
            credentials=len(credentials),
        )
    voter_weights = sorted(Voter.objects.filter(election=election).values_list("weight", flat=True))
    if voter_weights != sorted(c.weight for c in credentials):
        raise _refused(
            "credentials.mismatch",
            "投票用認証情報が選挙人名簿と一致しません(人数または重み)。",
            "The credentials do not match the voter list (one per voter, with the voter's weight).",
            kind=Conflict,
            voters=voters,
            credentials=len(credentials),
        )
    now = timezone.now()
    if election.closes_at <= now:
        raise _refused("election.window", "終了時刻が過ぎています。", "The closing time has passed.", kind=Conflict)
    group = _group(election)
    sub_keys = [group.parse(t.public_key) for t in trustees]
    kinds: list[list[Any]] = [
        ["Single", {"pok": {"challenge": t.pok_challenge, "response": t.pok_response}, "public_key": t.public_key}]
        for t in trustees
    ]
    if election.threshold_parameters is not None:
        parameters = json_loads(bytes(election.threshold_parameters))
        sub_keys.append(pedersen_checked(group, parameters, "threshold_parameters")[0])
        kinds.append(["Pedersen", parameters])
    y = group.prod(sub_keys)
    document = {
        "version": 1,
        "description": election.description,
        "name": election.title,
        "group": group.name,
        "public_key": group.to_str(y),
        "questions": _questions_checked(election.questions),  # in the specification's field order (jsonb sorts)
        "uuid": election.uuid,
    }
    election_raw = json_dumps(document)
    trustees_raw = json_dumps(kinds)
    credentials_raw = json_dumps([f"{c.credential},{c.weight}" for c in credentials])
    setup_raw = json_dumps(
        {
            "election": sha256_hex(election_raw),
            "trustees": sha256_hex(trustees_raw),
            "credentials": sha256_hex(credentials_raw),
        }
    )
    _append(election, kind=EventType.SETUP, payload=setup_raw, members=[election_raw, trustees_raw, credentials_raw])
    election.state = ElectionState.OPEN
    election.public_key = group.to_str(y)
    election.fingerprint = fingerprint(election_raw)
    election.opened_at = now
    election.save(update_fields=["state", "public_key", "fingerprint", "opened_at"])
    audit_record(
        tag=VotingEvent.ELECTION_OPENED,
        actor=actor,
        subject=election,
        data={"fingerprint": election.fingerprint, "trustees": len(trustees), "credentials": len(credentials)},
        municipality=election.municipality_id,
    )
    return election


# ----------------------------------------------------------------------------------------------- ballots


def ballot_size_limit(election: Election) -> int:
    """Bytes a well-formed ballot of this election may take (~1.6 kB per ciphertext with proofs in 2048 bits)."""
    units = sum(q.width + q.maximum - q.minimum + 3 for q in question_structures(election))
    return 4096 + 4096 * units


def _ballot_refused(code: str, ja: str, en: str, **detail: Any) -> AppError:
    return _refused(f"ballot.{code}", ja, en, **detail)


def _ballot_checked(election: Election, raw: bytes) -> str:
    """Check one ballot for this election; returns its credential (canonical) or raises the refusal."""
    if len(raw) > ballot_size_limit(election):
        raise _ballot_refused("oversized", "投票データが大きすぎます。", "The ballot is too large.", size=len(raw))
    try:
        ballot = canonical_ballot(json_loads(raw))
    except (ArchiveError, FormatError) as exc:
        raise _ballot_refused("malformed", "投票データの形式が正しくありません。", f"Malformed ballot: {exc}") from exc
    if json_dumps(ballot) != raw:
        raise _ballot_refused(
            "malformed",
            "投票データの形式が正しくありません。",
            "The ballot is not in the specification's compact serialisation (its tracker would differ).",
        )
    if len(ballot["answers"]) != len(election.questions):
        raise _ballot_refused(
            "malformed",
            "投票データの形式が正しくありません。",
            f"{len(ballot['answers'])} answers for {len(election.questions)} questions.",
        )
    if ballot["election_uuid"] != election.uuid or ballot["election_hash"] != election.fingerprint:
        raise _ballot_refused("wrong_election", "別の投票の投票データです。", "The ballot is for another election.")
    group = _group(election)
    try:
        credential = group.parse(ballot["credential"])
        signature = proof_parsed(group, ballot["signature"]["proof"])
    except GroupError as exc:
        raise _ballot_refused("malformed", "投票データの形式が正しくありません。", f"Malformed ballot: {exc}") from exc
    credential_text = group.to_str(credential)
    if not PublicCredential.objects.filter(election=election, credential=credential_text).exists():
        raise _ballot_refused(
            "unknown_credential", "この投票用認証情報は登録されていません。", "The credential is not registered."
        )
    signed_hash = ballot_signed_hash(ballot)
    if ballot["signature"]["hash"] != signed_hash or not ballot_signature_verify(
        group, credential, signed_hash, signature
    ):
        raise _ballot_refused(
            "bad_signature", "投票用認証情報による署名が正しくありません。", "The credential's signature is invalid."
        )
    context = BallotContext(
        group=group.name,
        public_key=election.public_key,
        uuid=election.uuid,
        fingerprint=election.fingerprint,
        questions=tuple(question_structures(election)),
    )
    (outcome,) = check_ballots_inline(context, [(0, raw)])
    if outcome.error is not None:
        raise _ballot_refused("invalid_proof", "投票データの証明が正しくありません。", outcome.error)
    return credential_text


@_audited_refusals("ballot_cast")
def ballot_cast(*, actor: Actor, election: Election, resident: Resident, ballot_json: str | bytes) -> ElectionEvent:
    """Post a signed ballot to the board. The signed-in resident must be on the voter list; the ballot's credential
    decides which vote counts (the last one per credential). Returns the Ballot event; its tracker is
    `selectors.ballot_tracker(event)`.

    The ballot's signature and proofs take tens of milliseconds to check and depend only on what opening fixed (the
    election, its key and its credentials), so they are checked before the election is locked; the state, the voter
    list and the duplicate check are made again under the lock."""
    if actor.user is None or resident.person is None or resident.person.user_id != actor.user.pk:
        raise _ballot_refused(
            "not_the_voter",
            "投票は本人だけができます。",
            "Only the signed-in resident may cast their ballot.",
            kind=PermissionDenied,
        )
    election = Election.objects.get(pk=election.pk)
    _ballot_accepted_now(election, resident)
    raw = ballot_json.encode() if isinstance(ballot_json, str) else bytes(ballot_json)
    credential_text = _ballot_checked(election, raw)
    return _ballot_post(actor=actor, election=election, resident=resident, raw=raw, credential_text=credential_text)


def _ballot_accepted_now(election: Election, resident: Resident) -> None:
    refusal = booth_refusal(election=election, resident=resident)
    if refusal is not None:
        raise refusal


@transaction.atomic(durable=True)
def _ballot_post(
    *, actor: Actor, election: Election, resident: Resident, raw: bytes, credential_text: str
) -> ElectionEvent:
    election = _lock(election)
    _ballot_accepted_now(election, resident)
    if ElectionEvent.objects.filter(election=election, type=EventType.BALLOT, payload_hash=sha256_hex(raw)).exists():
        raise _ballot_refused(
            "duplicate", "この投票データは投稿済みです。", "This ballot was already posted.", kind=Conflict
        )
    event = _append(election, kind=EventType.BALLOT, payload=raw, credential=credential_text)
    audit_record(
        tag=VotingEvent.BALLOT_CAST,
        actor=actor,
        subject=election,
        data={"height": event.height, "tracker": fingerprint(raw)},
        municipality=election.municipality_id,
    )
    return event


# ----------------------------------------------------------------------------------------------- tally


@_audited_refusals("election_close")
@transaction.atomic(durable=True)
def election_close(*, actor: Actor, election: Election) -> Election:
    """End the ballots and publish the encrypted tally: Π over the last ballot of each credential, to its weight."""
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.OPEN)
    now = timezone.now()
    group = _group(election)
    weights = dict(PublicCredential.objects.filter(election=election).values_list("credential", "weight"))
    last: dict[str, bytes] = {}
    for event in ElectionEvent.objects.filter(election=election, type=EventType.BALLOT).order_by("height"):
        credential, payload = str(event.credential), bytes(event.payload or b"")
        last.pop(credential, None)
        last[credential] = payload
    tally = [[Ciphertext(group.one, group.one) for _ in range(q.width)] for q in question_structures(election)]
    for credential, payload in last.items():
        ballot = json_loads(payload)  # checked when it was cast
        for i, answer in enumerate(ballot["answers"]):
            for j, choice in enumerate(answer["choices"]):
                ct = Ciphertext(group.decode_trusted(choice["alpha"]), group.decode_trusted(choice["beta"]))
                if weights[credential] != 1:
                    ct = ciphertext_pow(group, ct, weights[credential])
                tally[i][j] = ciphertext_mul(group, tally[i][j], ct)
    tally_raw = json_dumps([[ciphertext_json(group, ct) for ct in row] for row in tally])
    total_weight = sum(weights[c] for c in last)
    sized_raw = json_dumps(
        {"num_tallied": len(last), "total_weight": total_weight, "encrypted_tally": sha256_hex(tally_raw)}
    )
    _append(election, kind=EventType.END_BALLOTS, payload=None)
    _append(election, kind=EventType.ENCRYPTED_TALLY, payload=sized_raw, members=[tally_raw])
    election.state = ElectionState.CLOSED
    election.closed_at = now
    election.save(update_fields=["state", "closed_at"])
    SealedCredential.objects.filter(election=election).delete()  # online delivery: nobody needs them any more
    audit_record(
        tag=VotingEvent.ELECTION_CLOSED,
        actor=actor,
        subject=election,
        data={"num_tallied": len(last), "total_weight": total_weight, "early": now < election.closes_at},
        municipality=election.municipality_id,
    )
    return election


def _decryption_parsed(group: Group[Any], value: Any, shape: list[int]) -> list[list[tuple[Any, Proof]]]:
    """The factors and proofs of a partial decryption; GroupError unless it has the tally's shape."""
    if not isinstance(value, dict) or set(value) != {"decryption_factors", "decryption_proofs"}:
        raise GroupError("expected {decryption_factors, decryption_proofs}")
    factors, proofs = value["decryption_factors"], value["decryption_proofs"]
    if (
        not isinstance(factors, list)
        or not isinstance(proofs, list)
        or [len(r) if isinstance(r, list) else -1 for r in factors] != shape
        or [len(r) if isinstance(r, list) else -1 for r in proofs] != shape
    ):
        raise GroupError("the factors and proofs do not have the shape of the encrypted tally")
    if not all(isinstance(f, str) for row in factors for f in row):
        raise GroupError("a decryption factor is a string")
    return [
        [(group.parse(f), proof_parsed(group, p)) for f, p in zip(row_f, row_p, strict=True)]
        for row_f, row_p in zip(factors, proofs, strict=True)
    ]


@_audited_refusals("partial_decryption_add")
@transaction.atomic(durable=True)
def partial_decryption_add(
    *, actor: Actor, election: Election, owner: int, decryption_json: str | bytes
) -> ElectionEvent:
    """Publish trustee `owner`'s partial decryption ({decryption_factors, decryption_proofs}) after checking every
    factor's proof against the trustee's public key and the published encrypted tally."""
    _require_committee(actor, election.municipality_id)
    return _decryption_add(actor=actor, election=election, owner=owner, decryption_json=decryption_json)


def _decryption_add(*, actor: Actor, election: Election, owner: int, decryption_json: str | bytes) -> ElectionEvent:
    """partial_decryption_add's act, inside the caller's transaction, once the caller has checked who may do it."""
    election = _lock(election)
    _require_state(election, ElectionState.CLOSED)
    keys, _singles, _threshold = decryption_keys(election)
    if owner not in keys:
        raise _refused("decryption.unknown_trustee", "その管理者はいません。", f"No trustee {owner}.", owner=owner)
    if ElectionEvent.objects.filter(election=election, owner=owner).exists():
        raise _refused(
            "decryption.duplicate", "この管理者の部分復号は登録済みです。", "Already published.", kind=Conflict
        )
    raw = decryption_json.encode() if isinstance(decryption_json, str) else bytes(decryption_json)
    if len(raw) > MAX_DECRYPTION_BYTES:
        raise _refused("decryption.malformed", "部分復号が大きすぎます。", "The partial decryption is too large.")
    value = _parse_json(raw, "decryption.malformed", "部分復号", "partial decryption")
    group = _group(election)
    tally = encrypted_tally_get(election=election)
    try:
        parsed = _decryption_parsed(group, value, [len(row) for row in tally])
    except GroupError as exc:
        raise _refused("decryption.malformed", "部分復号の形式が正しくありません。", str(exc)) from exc
    public = keys[owner]
    for i, (row, cts) in enumerate(zip(parsed, tally, strict=True), start=1):
        for j, ((factor, proof), ct) in enumerate(zip(row, cts, strict=True), start=1):
            if not decryption_factor_verify(group, election.fingerprint, public, ct.alpha, factor, proof):
                raise _refused(
                    "decryption.invalid_proof",
                    "部分復号の証明が正しくありません。",
                    f"Question {i}, answer {j}: invalid decryption proof.",
                    question=i,
                    answer=j,
                )
    pd_raw = json_dumps(
        {
            "decryption_factors": [[group.to_str(f) for f, _ in row] for row in parsed],
            "decryption_proofs": [[proof_json(p) for _, p in row] for row in parsed],
        }
    )
    owned_raw = json_dumps({"owner": owner, "payload": sha256_hex(pd_raw)})
    event = _append(election, kind=EventType.PARTIAL_DECRYPTION, payload=owned_raw, members=[pd_raw], owner=owner)
    audit_record(
        tag=VotingEvent.DECRYPTION_ADDED,
        actor=actor,
        subject=election,
        data={"owner": owner, "height": event.height},
        municipality=election.municipality_id,
    )
    return event


@_audited_refusals("result_compute")
@transaction.atomic(durable=True)
def result_compute(*, actor: Actor, election: Election) -> Election:
    """Combine every trustee's factors and publish the result: each count c with g^c = β / Π factors."""
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.CLOSED)
    group = _group(election)
    keys, singles, threshold = decryption_keys(election)
    decryptions: dict[int, Any] = {
        int(event.owner or 0): json_loads(bytes(event.members.all()[0].raw))["decryption_factors"]  # checked
        for event in ElectionEvent.objects.filter(
            election=election, type=EventType.PARTIAL_DECRYPTION
        ).prefetch_related("members")
    }  # a PartialDecryption always has its owner (database constraint)
    shares = sorted(owner for owner in decryptions if owner not in singles)
    if any(owner not in decryptions for owner in singles) or len(shares) < threshold:
        raise _refused(
            "result.decryptions_missing",
            "必要な開票管理者の部分復号がそろっていません。",
            f"Every Single trustee ({len(singles)}) and {threshold} of the threshold group must decrypt; "
            f"{len(decryptions)} of {len(keys)} did.",
            kind=Conflict,
        )
    # Single trustees' factors multiply in; the group's combine by Lagrange interpolation at 0 over the shares'
    # indexes within the group (a group member's owner number minus the number of Single trustees).
    coefficients = dict.fromkeys(singles, 1)
    indexes = [owner - len(singles) for owner in shares]
    coefficients |= {owner: lagrange(owner - len(singles), indexes, group.q) for owner in shares}
    tally = encrypted_tally_get(election=election)
    combined = [[group.one for _ in row] for row in tally]
    for owner, coefficient in coefficients.items():
        for i, row in enumerate(decryptions[owner]):
            for j, factor in enumerate(row):
                combined[i][j] = group.mul(combined[i][j], group.pow(group.decode_trusted(factor), coefficient))
    sized = json_loads(
        bytes(ElectionEvent.objects.get(election=election, type=EventType.ENCRYPTED_TALLY).payload or b"")
    )
    total_weight = int(sized["total_weight"])
    result = [
        [_discrete_log(group, group.div(ct.beta, f), total_weight) for ct, f in zip(cts, fs, strict=True)]
        for cts, fs in zip(tally, combined, strict=True)
    ]
    _append(election, kind=EventType.RESULT, payload=json_dumps({"result": result}))
    election.state = ElectionState.TALLIED
    election.result = result
    election.tallied_at = timezone.now()
    election.save(update_fields=["state", "result", "tallied_at"])
    audit_record(
        tag=VotingEvent.RESULT_PUBLISHED,
        actor=actor,
        subject=election,
        data={"result": result},
        municipality=election.municipality_id,
    )
    return election


def _discrete_log(group: Group[Any], target: Any, bound: int) -> int:
    """The c in 0..bound with g^c = target (counts are at most the total weight)."""
    value = group.one
    for count in range(bound + 1):
        if value == target:
            return count
        value = group.mul(value, group.g)
    raise RuntimeError("the tally does not decrypt to a count within the total weight")


# ----------------------------------------------------------------------------------------------- trustee links
#
# A trustee's link (as Belenios mails one) is a capability: whoever holds it may register that trustee's public key
# while the poll is a draft and, once the poll is closed, publish that trustee's partial decryption. It is shown to
# the committee once; only its SHA-256 is kept. The private key is made and kept in the trustee's browser (or by
# `hiroba voting trustee-keygen` on their machine) and never reaches the server.

TRUSTEE_LINK_BYTES = 32
MAX_TRUSTEE_KEY_BYTES = 64 * 1024


@_audited_refusals("trustee_invite")
@transaction.atomic(durable=True)
def trustee_invite(*, actor: Actor, election: Election, name: str) -> tuple[TrusteeInvitation, str]:
    """Name a trustee and make their link. Returns the invitation and the one-time token (shown once)."""
    _require_committee(actor, election.municipality_id)
    election = _lock(election)
    _require_state(election, ElectionState.DRAFT)
    name = name.strip()
    if not name or len(name) > 100:  # noqa: PLR2004 - the column's length
        raise _refused(
            "trustee.name", "管理者の名前を100字以内で入力してください。", "A trustee needs a name (<= 100)."
        )
    if (
        TrusteeInvitation.objects.filter(election=election, name=name).exists()
        or Trustee.objects.filter(election=election, name=name).exists()
    ):
        raise _refused(
            "trustee.name_taken", "同じ名前の管理者がいます。", "A trustee of this name exists.", kind=Conflict
        )
    waiting = TrusteeInvitation.objects.filter(election=election, trustee__isnull=True).count()
    if Trustee.objects.filter(election=election).count() + waiting >= MAX_TRUSTEES:
        raise _refused("trustee.too_many", "管理者が多すぎます。", f"At most {MAX_TRUSTEES} trustees.", kind=Conflict)
    token = secrets.token_urlsafe(TRUSTEE_LINK_BYTES)
    invitation = TrusteeInvitation.objects.create(election=election, name=name, token_hash=trustee_token_hash(token))
    audit_record(
        tag=VotingEvent.TRUSTEE_INVITED,
        actor=actor,
        subject=election,
        data={"invitation": invitation.pk},
        municipality=election.municipality_id,
    )
    return invitation, token


def _invitation_for(*, token: str, actor: Actor, act: str) -> TrusteeInvitation:
    """The link's invitation; an unknown link is audited (on the platform chain: it names no town)."""
    with refusals_recorded(
        tag=VotingEvent.REFUSED, actor=actor, subject="voting.trusteeinvitation:?", municipality=None, data={"act": act}
    ):
        return trustee_invitation_get(token=token)


def _link_actor(actor: Actor, invitation: TrusteeInvitation) -> Actor:
    """Who acts through a link: a signed-in user as themselves, anyone else as the holder of this link."""
    if actor.user is not None:
        return actor
    return Actor(user=None, channel=actor.channel, ref=f"trustee-link:{invitation.pk}")


def trustee_register_by_link(*, token: str, public_key_json: str | bytes, actor: Actor) -> Trustee:
    """The trustee registers their public key ({pok, public_key}) through their link, under the invited name."""
    invitation = _invitation_for(token=token, actor=actor, act="trustee_register_by_link")
    return _trustee_register_by_link(
        actor=_link_actor(actor, invitation),
        election=invitation.election,
        invitation=invitation,
        public_key_json=public_key_json,
    )


@_audited_refusals("trustee_register_by_link")
@transaction.atomic(durable=True)
def _trustee_register_by_link(
    *, actor: Actor, election: Election, invitation: TrusteeInvitation, public_key_json: str | bytes
) -> Trustee:
    election = _lock(election)
    invitation = TrusteeInvitation.objects.get(pk=invitation.pk)  # read again under the election's lock
    if invitation.trustee_id is not None:
        raise _refused(
            "trustee_link.used",
            "この管理者の公開鍵は登録済みです。",
            "This trustee's public key is already registered.",
            kind=Conflict,
        )
    _require_state(election, ElectionState.DRAFT)
    if len(public_key_json) > MAX_TRUSTEE_KEY_BYTES:
        raise _refused("trustee.malformed", "公開鍵が大きすぎます。", "The public key file is too large.")
    trustee = _trustee_add(actor=actor, election=election, name=invitation.name, public_key_json=public_key_json)
    invitation.trustee = trustee
    invitation.save(update_fields=["trustee"])
    return trustee


def partial_decryption_by_link(*, token: str, decryption_json: str | bytes, actor: Actor) -> ElectionEvent:
    """The trustee publishes their partial decryption of the closed poll's encrypted tally through their link."""
    invitation = _invitation_for(token=token, actor=actor, act="partial_decryption_by_link")
    return _partial_decryption_by_link(
        actor=_link_actor(actor, invitation),
        election=invitation.election,
        invitation=invitation,
        decryption_json=decryption_json,
    )


@_audited_refusals("partial_decryption_by_link")
@transaction.atomic(durable=True)
def _partial_decryption_by_link(
    *, actor: Actor, election: Election, invitation: TrusteeInvitation, decryption_json: str | bytes
) -> ElectionEvent:
    election = _lock(election)
    invitation = TrusteeInvitation.objects.select_related("trustee").get(pk=invitation.pk)
    if invitation.trustee is None:
        raise _refused(
            "trustee_link.no_key",
            "この管理者の公開鍵は登録されていません。",
            "This trustee registered no public key.",
            kind=Conflict,
        )
    return _decryption_add(
        actor=actor, election=election, owner=invitation.trustee.position, decryption_json=decryption_json
    )


# ----------------------------------------------------------------------------------------------- committee pages
#
# The voter list as a CSV, and the reads the committee's and trustees' pages show (reads: to move to selectors.py).

MAX_VOTER_CSV_BYTES = 2 * 1024 * 1024
MAX_VOTER_CSV_LINES = 50_000


def voters_csv_parse(data: bytes) -> list[tuple[str, int]]:
    """Lines `pairwise_id` or `pairwise_id,weight` (UTF-8, an optional header line `pairwise_id,weight`, blank lines
    ignored). Invalid names the first bad line."""
    return [(pairwise_id, weight) for _line, pairwise_id, weight in _voters_csv_rows(data)]


def _voters_csv_rows(data: bytes) -> list[tuple[int, str, int]]:
    """(line number, pairwise ID, weight) of each voter line."""

    def bad(line: int, ja: str, en: str) -> AppError:
        return _refused("voters.csv", f"{line}行目: {ja}", f"Line {line}: {en}", line=line)

    if len(data) > MAX_VOTER_CSV_BYTES:
        raise _refused(
            "voters.csv", "ファイルが大きすぎます(2 MiBまで)。", "The file is too large (2 MiB at most).", line=0
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad(data[: exc.start].count(b"\n") + 1, "UTF-8の文字ではありません。", "not UTF-8 text.") from exc
    rows: list[tuple[int, str, int]] = []
    seen: dict[str, int] = {}
    lines = text.splitlines()
    if len(lines) > MAX_VOTER_CSV_LINES:
        raise _refused("voters.csv", "行が多すぎます。", f"Too many lines ({MAX_VOTER_CSV_LINES} at most).", line=0)
    for number, line in enumerate(lines, start=1):
        cells = [cell.strip() for cell in line.split(",")]
        if cells == [""]:
            continue
        if number == 1 and cells[0].lower() == "pairwise_id":
            continue
        if len(cells) > 2 or not cells[0]:  # noqa: PLR2004 - two columns
            raise bad(number, "「pairwise_id,重み」の形で書いてください。", "expected pairwise_id,weight.")
        pairwise_id, weight_text = cells[0], cells[1] if len(cells) == 2 else "1"  # noqa: PLR2004
        if len(pairwise_id) > 40 or not pairwise_id.isascii():  # noqa: PLR2004 - the column's length
            raise bad(number, "pairwise_idが正しくありません。", "not a pairwise ID.")
        if not weight_text.isdigit() or not 1 <= int(weight_text) <= MAX_WEIGHT:
            raise bad(
                number,
                f"重みは1以上{MAX_WEIGHT}以下の整数です。",
                f"the weight is a whole number from 1 to {MAX_WEIGHT}.",
            )
        if pairwise_id in seen:
            raise bad(number, f"{seen[pairwise_id]}行目と同じ人です。", f"the same voter as line {seen[pairwise_id]}.")
        seen[pairwise_id] = number
        rows.append((number, pairwise_id, int(weight_text)))
    if not rows:
        raise _refused("voters.csv", "名簿が空です。", "The list is empty.", line=0)
    return rows


def voters_import_csv(*, actor: Actor, election: Election, data: bytes) -> list[Voter]:
    """Add the voters of an imported CSV (see voters_csv_parse); every line must name an active resident of the
    town, or the line is named in the refusal. Then as voters_enroll(imported=...)."""
    with refusals_recorded(
        tag=VotingEvent.REFUSED,
        actor=actor,
        subject=subject_ref(election),
        municipality=election.municipality_id,
        data={"act": "voters_import_csv"},
    ):
        _require_committee(actor, election.municipality_id)
        rows = _voters_csv_rows(data)
        residents = {row.pairwise_id for row in resident_list(lg_code=election.municipality_id)}
        for line, pairwise_id, _weight in rows:
            if pairwise_id not in residents:
                raise _refused(
                    "voters.csv",
                    f"{line}行目: この市区町村の住民ではありません。",
                    f"Line {line}: not an active resident of the town.",
                    line=line,
                )
    return voters_enroll(actor=actor, election=election, imported=[(pid, weight) for _, pid, weight in rows])
