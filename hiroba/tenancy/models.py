from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Length, Lower, Mod, StrIndex, Substr
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from hiroba.tenancy import lgcode


def _digit(field: str, position: int) -> CombinedExpression:
    """The digit's value without a cast (a cast of a non-digit would raise instead of failing the check)."""
    return StrIndex(Value("0123456789"), Substr(field, position, 1)) - Value(1)


def _lg_code_constraints(field: str, prefix: str) -> list[models.BaseConstraint]:
    """The code's shape and check digit, enforced by the database as well as by `lgcode.validate`."""
    only_digits = Q(Exact(Length(field), 6))
    for i in range(1, 7):
        only_digits &= Q(GreaterThanOrEqual(Substr(field, i, 1), Value("0")))
        only_digits &= Q(LessThanOrEqual(Substr(field, i, 1), Value("9")))
    weighted = sum((_digit(field, i + 1) * w for i, w in enumerate(lgcode.WEIGHTS)), Value(0))
    check = Mod(Value(11) - Mod(weighted, Value(11)), Value(10))
    prefecture = _digit(field, 1) * Value(10) + _digit(field, 2)
    return [
        models.CheckConstraint(condition=only_digits, name=f"{prefix}_six_digits"),
        models.CheckConstraint(
            condition=Q(GreaterThanOrEqual(prefecture, Value(1))) & Q(LessThanOrEqual(prefecture, Value(47))),
            name=f"{prefix}_prefecture_01_47",
        ),
        models.CheckConstraint(condition=Q(Exact(check, _digit(field, 6))), name=f"{prefix}_check_digit"),
    ]


class CurrencyArea(models.Model):
    """Neighbouring municipalities that share one regional currency."""

    slug = models.SlugField(max_length=32, unique=True, help_text="Short ASCII name used in URLs and commands.")
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    currency_name = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(F("slug"), Lower("slug"))) & ~Q(slug=""),
                name="currencyarea_slug_lowercase",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A local government, keyed by its 全国地方公共団体コード. It belongs to at most one currency area."""

    lg_code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=50)
    name_kana = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    currency_area = models.ForeignKey(
        CurrencyArea, on_delete=models.PROTECT, null=True, blank=True, related_name="municipalities"
    )
    training = models.BooleanField(
        default=False,
        help_text="A training town (the card simulator's sandbox): never listed or counted with the real ones.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lg_code"]
        constraints = _lg_code_constraints("lg_code", "municipality_lg_code")

    def __str__(self) -> str:
        return self.name

    @property
    def prefecture(self) -> lgcode.Prefecture:
        return lgcode.prefecture(self.lg_code)


class Role(models.TextChoices):
    ADMIN = "admin", _("Administration")
    HEALTH = "health", _("Health")
    FINANCE = "finance", _("Finance")
    COUNTER = "counter", _("Service counter")
    ELECTION = "election", _("Elections and polls")
    CREDENTIALS = "credentials", _("Voting credential authority")
    AGENCY = "agency", _("Digital Agency")


MUNICIPAL_ROLES = frozenset(Role) - {Role.AGENCY}


class Staff(models.Model):
    """A user employed by one municipality, or by the Digital Agency (municipality empty)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    department = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_agency(self) -> bool:
        return self.municipality_id is None


class RoleGrant(models.Model):
    """One role for one staff member over a period. `ends_on` is the last day (inclusive): staff move in April.

    A municipal role's municipality must be the staff member's own: refused by the service and, since a check
    constraint cannot look at another table, by a trigger (see migration 0002).
    """

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="grants")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="rolegrant_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.AGENCY) & Q(municipality__isnull=True))
                | (Q(role__in=sorted(MUNICIPAL_ROLES)) & Q(municipality__isnull=False)),
                name="rolegrant_agency_role_has_no_municipality",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "role"])]

    def __str__(self) -> str:
        return f"{self.staff} {self.role}@{self.municipality_id or 'agency'}"
