"""The card-less test rig: a local CA with JPKI's certificate profile (two CA generations), virtual cards, and a
CRL loaded like an operator's. Used by the tests, the demo and the browser journeys; never in production
(settings.TEST_RIG is forced off there, and these functions refuse to run without it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings

from hiroba.core.audit import Actor
from hiroba.core.errors import PermissionDenied
from hiroba.identity import devprovider, jpki
from hiroba.identity.services.jpki import crl_load, jpki_config_reset

# The demo's CRL stays fresh for a month; a stale CRL makes sign-ins fail closed, as in production.
CRL_LIFETIME = timedelta(days=31)


def _require_rig() -> None:
    if not settings.TEST_RIG:
        raise PermissionDenied(
            "identity.test_rig_disabled", ja="テスト環境の機能は無効です。", en="The test rig is not enabled here."
        )


def rig_dir() -> Path:
    return Path(settings.TEST_RIG_DIR)


def test_ca_make(*, replace: bool) -> jpki.TestCa:
    """Create (or reuse) the rig's CA under TEST_RIG_DIR/ca and load a fresh, empty CRL for each generation."""
    _require_rig()
    directory = rig_dir() / "ca"
    if (directory / "index.json").exists() and not replace:
        ca = jpki.TestCa.load(directory)
    else:
        ca = jpki.make_test_ca(now=datetime.now(UTC))
        ca.save(directory)
        devprovider.keys_reset()
    jpki_config_reset()
    crls_refresh(ca)
    return ca


def crls_refresh(ca: jpki.TestCa, *, revoked: tuple[int, ...] = ()) -> None:
    now = datetime.now(UTC)
    for generation in ca.generations:
        der = ca.issue_crl(
            generation.kind,
            generation=generation.label,
            revoked=revoked,
            this_update=now,
            next_update=now + CRL_LIFETIME,
            crl_number=int(now.timestamp() * 1_000_000),  # increasing, even twice a second
        )
        crl_load(der=der, actor=Actor.command_line())


@dataclass(frozen=True)
class CardSpec:
    name: str
    birth_date: date
    address: str
    sex: str = "1"
    pin: str = "1234"
    password: str = "ABC123"  # noqa: S105 (the rig's documented demo password, printed on the cards page)
    smartphone: bool = False
    generation: str | None = None


def virtual_card_make(spec: CardSpec, *, out: Path | None = None) -> tuple[jpki.VirtualCard, Path]:
    """Issue a virtual card from the rig's CA and write it as one JSON file (keys wrapped with the PIN)."""
    _require_rig()
    ca = rig_ca()
    card = jpki.issue_virtual_card(
        ca,
        name=spec.name,
        birth_date=spec.birth_date,
        sex=spec.sex,
        address=spec.address,
        now=datetime.now(UTC),
        generation=spec.generation,
        pin=spec.pin,
        sign_password=spec.password,
        token="JPKIAPGPSETOKEN" if spec.smartphone else "JPKIAPICCTOKEN2",
    )
    path = out or rig_dir() / "cards" / f"card-{card.auth_certificate.serial_number:x}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(card.to_json())
    return card, path


def rig_ca() -> jpki.TestCa:
    _require_rig()
    return jpki.TestCa.load(rig_dir() / "ca")


def revoked_serials() -> set[int]:
    """Serials listed by the newest loaded CRL of each issuer (what the rig's OCSP responder reports)."""
    from cryptography import x509

    from hiroba.identity.models import RevocationList

    serials: set[int] = set()
    seen: set[str] = set()
    for row in RevocationList.objects.order_by("issuer_key_id", "-crl_number"):
        if row.issuer_key_id not in seen:
            seen.add(row.issuer_key_id)
            serials.update(entry.serial_number for entry in x509.load_der_x509_crl(bytes(row.der)))
    return serials


def virtual_cards() -> list[Path]:
    return sorted((rig_dir() / "cards").glob("*.json"))
