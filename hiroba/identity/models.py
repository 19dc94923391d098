from __future__ import annotations

import secrets
import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


def new_public_id() -> str:
    """A random, meaningless reference for audit records and URLs; it reveals nothing about the person."""
    return "u_" + secrets.token_hex(10)


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: Any) -> User:
        return self.create_user(username, password, is_superuser=True, **fields)


class AccountKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")
    MERCHANT = "merchant", _("Merchant")


class User(AbstractBaseUser, PermissionsMixin):
    """A signed-in account: staff (passkeys), a resident (My Number Card) or a merchant (passkey or e-mail code).

    Names are held as one full name and its kana reading, as Japanese forms do; no split into given and family.
    For a resident, `full_name` is the display name taken once from the signature certificate at enrollment.
    `session_epoch` is part of the session hash: raising it signs the account out everywhere.
    """

    username = models.CharField(max_length=64, unique=True)
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    full_name = models.CharField(max_length=100)
    full_name_kana = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=10, choices=AccountKind.choices, default=AccountKind.STAFF)
    session_epoch = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    objects = UserManager()

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_session_auth_hash(self) -> str:
        """Django's password-based hash plus the epoch, so that "sign out everywhere" works without a password."""
        return salted_hmac(
            "hiroba.identity.session", f"{self.password}:{self.session_epoch}", algorithm="sha256"
        ).hexdigest()


def new_person_id() -> uuid.UUID:
    return uuid.UUID(bytes=secrets.token_bytes(16), version=4)


class Person(models.Model):
    """A human known to Hiroba. Its random `id` never leaves the identity app: others see pairwise IDs.

    Only what enrollment promised is kept: the display name (on the account), the birth year and month.
    """

    id = models.UUIDField(primary_key=True, default=new_person_id, editable=False)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="person")
    birth_year = models.PositiveSmallIntegerField()
    birth_month = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(birth_month__gte=1, birth_month__lte=12), name="person_birth_month"),
            models.CheckConstraint(condition=Q(birth_year__gte=1850, birth_year__lte=2200), name="person_birth_year"),
        ]

    def __str__(self) -> str:
        return f"person {self.user.public_id}"


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", _("Lives here")
    MOVED = "moved", _("Moved away")
    DELETED = "deleted", _("Account deleted")


class Resident(models.Model):
    """A person as one municipality knows them. Other apps hold this row (or its pairwise ID), never the person.

    When the account is deleted the person goes and `person` becomes empty: ledger and audit rows that name
    the pairwise ID stay as they are, so every hash chain still verifies.
    """

    pairwise_id = models.CharField(max_length=40, unique=True)
    key_version = models.PositiveSmallIntegerField()
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="residents")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="residencies")
    status = models.CharField(max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["municipality_id", "pairwise_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="resident_one_active_per_person"
            ),
            models.CheckConstraint(
                condition=Q(status="active", ended_at__isnull=True) | (~Q(status="active") & Q(ended_at__isnull=False)),
                name="resident_ended_iff_not_active",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(person__isnull=False), name="resident_active_has_person"
            ),
        ]

    def __str__(self) -> str:
        return self.pairwise_id


class Consent(models.Model):
    """What the resident agreed to keep, and when. Withdrawal is a new timestamp, not a deletion."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=40)
    notice_version = models.CharField(max_length=20)
    notice_digest = models.CharField(max_length=64, help_text="SHA-256 of the notice text the resident was shown.")
    language = models.CharField(max_length=16)
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["granted_at"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.notice_version}"


class CredentialKind(models.TextChoices):
    JPKI_AUTH = "jpki_auth", _("My Number Card")
    JPKI_AUTH_PHONE = "jpki_phone", _("Smartphone certificate")
    OIDC = "oidc", _("Digital Authentication App")
    BASIC_FACTS = "facts", _("Name and birth date (for a new card)")


class CredentialBinding(models.Model):
    """Something that proves a person: never the certificate or an external ID itself, only a keyed hash of it.

    JPKI: HMAC of the issuing CA's key identifier and the serial (the JPKI Act forbids keeping the public key
    for other uses). OIDC: HMAC of issuer and pairwise `sub`. Facts: HMAC of name and birth date, used only to
    recognise the same person when a renewed card is enrolled.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=12, choices=CredentialKind.choices)
    lookup = models.CharField(max_length=64, unique=True)
    key_version = models.PositiveSmallIntegerField()
    not_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} binding"


class ChallengePurpose(models.TextChoices):
    SIGN_IN = "sign_in"
    ENROLL = "enroll"
    PROVIDER = "provider"


class Challenge(models.Model):
    """A sign-in nonce: bound to one browser session, used once, valid five minutes. Only its hash is kept."""

    nonce_hash = models.CharField(max_length=64, unique=True)
    session_hash = models.CharField(max_length=64)
    purpose = models.CharField(max_length=10, choices=ChallengePurpose.choices)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("issued_at")), name="challenge_expires_after_issue")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} challenge"


class ThrottleBucket(models.Model):
    """A fixed-window counter for one key (an IP address or a certificate, hashed) in one scope."""

    scope = models.CharField(max_length=32)
    key_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key_hash", "window_start"], name="throttle_bucket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.hits}"


class Passkey(models.Model):
    """A WebAuthn credential of a staff member or merchant (user verification required)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url credential ID")
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(sign_count__gte=0), name="passkey_sign_count_non_negative")]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """A one-time link that lets a staff member (or merchant) enrol their first passkey. Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation for {self.user}"


class EmailCode(models.Model):
    """A one-time sign-in code sent to a merchant's e-mail address. Only its hash is kept; few tries."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"e-mail code for {self.user}"


class RevocationList(models.Model):
    """A JPKI CRL as the operator loaded it (on a schedule). Sign-ins use the newest one for each issuing CA.

    Its signature was checked against the trust anchor when it was loaded; a stale list fails sign-ins closed.
    """

    issuer_key_id = models.CharField(max_length=64, help_text="hex key identifier of the issuing CA")
    crl_number = models.BigIntegerField()
    this_update = models.DateTimeField()
    next_update = models.DateTimeField()
    der = models.BinaryField()
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer_key_id", "-crl_number"]
        constraints = [
            models.UniqueConstraint(fields=["issuer_key_id", "crl_number"], name="revocationlist_unique_number"),
            models.CheckConstraint(condition=Q(next_update__gt=F("this_update")), name="revocationlist_window"),
        ]

    def __str__(self) -> str:
        return f"CRL {self.issuer_key_id[:8]} #{self.crl_number}"
