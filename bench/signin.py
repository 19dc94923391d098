"""My Number Card sign-in: how long the server spends verifying one card answer.

Three figures, each the median of many runs:
  baseline   one RSA-2048 PKCS#1 v1.5 signature check (the least any card sign-in costs);
  validator  hiroba.identity.jpki.verify_authentication: parse, path validation to the anchor, key usage and
             policy, signature, and a CRL lookup in a CRL of REVOKED entries (JPKI's lists are large);
  request    the whole API sign-in on SQLite: challenge taken from the database, throttles, validator, binding
             lookup, audit record, session — as `POST /api/v1/identity/jpki/sign-in` runs it.
Run with `python -m bench.signin` (also part of `make bench`).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REVOKED = int(os.environ.get("HIROBA_BENCH_REVOKED", "100000"))
RUNS = 200


def _median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from hiroba.identity import jpki

    now = datetime.now(UTC)
    ca = jpki.make_test_ca(now=now)
    card = jpki.issue_virtual_card(
        ca, name="見本 計子", birth_date=date(1980, 1, 1), sex="2", address="長野県佐久市中込3056", now=now
    )
    origin, nonce = "https://hiroba.example.lg.jp", jpki.new_nonce()
    certificate, signature = card.authenticate(pin="1234", origin=origin, nonce=nonce)
    data = jpki.signed_data(origin=origin, nonce=nonce)
    key = card.auth_certificate.public_key()

    issuer = ca.current(jpki.CertificateKind.AUTH)
    crl_der = ca.issue_crl(
        jpki.CertificateKind.AUTH,
        generation=issuer.label,
        revoked=range(10**6, 10**6 + REVOKED),
        this_update=now,
        next_update=now + timedelta(days=1),
    )
    start = time.perf_counter()  # what a server does once per CRL: parse, check its signature, index its serials
    crls = [jpki.load_crl(crl_der, issuers=ca.anchors(jpki.CertificateKind.AUTH))]
    checker = jpki.CrlChecker(crls, issuers=ca.anchors(jpki.CertificateKind.AUTH))
    checker.check(card.auth_certificate, issuer.certificate, at=now)
    crl_setup = time.perf_counter() - start
    config = ca.config()

    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("JPKI keys are RSA")
    baseline = _median_ms(lambda: key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256()))
    validator = _median_ms(
        lambda: jpki.verify_authentication(
            certificate_der=certificate,
            signature=signature,
            origin=origin,
            nonce=nonce,
            config=config,
            at=now,
            revocation=checker,
        )
    )
    print(f"jpki       RSA-2048 signature check (baseline):     {baseline:7.3f} ms")
    print(
        f"jpki       verify_authentication, CRL of {REVOKED:>7,}:  {validator:7.3f} ms "
        f"({validator / baseline:.1f}x the baseline; CRL of {len(crl_der) / 1e6:.1f} MB loaded and indexed once in "
        f"{crl_setup:.1f} s)"
    )
    _request()


def _request() -> None:
    """The whole sign-in request through Django on SQLite, with the test rig in a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            DJANGO_SETTINGS_MODULE="config.settings.local",
            TEST_RIG="true",
            TEST_RIG_DIR=tmp,
            ALLOWED_HOSTS="testserver",
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from hiroba.demo import demo_load
        from hiroba.identity.testrig import CardSpec, test_ca_make, virtual_card_make
        from hiroba.identity.tests.cardflow import enroll

        call_command("migrate", verbosity=0)
        demo_load()
        test_ca_make(replace=True)
        rig_card, _ = virtual_card_make(
            CardSpec(name="見本 計子", birth_date=date(1980, 1, 1), address="長野県佐久市中込3056")
        )
        assert enroll(Client(), rig_card).status_code == 200
        client = Client()
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        from hiroba.identity import jpki
        from hiroba.identity.models import ThrottleBucket
        from hiroba.identity.tests.cardflow import ORIGIN, b64, nonce, post

        key = rig_card.auth_key.unwrap("1234")  # the card's work (PIN, signature) is not the server's time
        server: list[float] = []
        for _ in range(100):
            # the throttles stay on; their counters are reset because nobody signs in 100 times in 5 minutes
            ThrottleBucket.objects.all().delete()
            start = time.perf_counter()
            value = nonce(client)
            issued = time.perf_counter()
            signature = key.sign(jpki.signed_data(origin=ORIGIN, nonce=value), padding.PKCS1v15(), hashes.SHA256())
            signed = time.perf_counter()
            response = post(
                client,
                "jpki/sign-in",
                {"certificate": b64(rig_card.auth_certificate_der), "signature": b64(signature), "nonce": value},
            )
            server.append((issued - start) + (time.perf_counter() - signed))
            if response.json().get("status") != "signed_in":
                raise SystemExit(response.content)
        request = statistics.median(server) * 1000
        print(
            f"sqlite     whole API sign-in (challenge + sign-in): {request:7.3f} ms of server time per sign-in, "
            f"{1000 / request:5.0f} sign-ins/s on one core"
        )


if __name__ == "__main__":
    main()
