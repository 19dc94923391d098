"""The regional currency around the ledger: area and town settings, budgets, merchants, payment requests and
settlement runs. Money itself lives only in the ledger (hiroba.ledger); these rows describe and refer to it."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SettlementCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    SEMIMONTHLY = "semimonthly", _("Twice a month")


class PaidRefundRule(models.TextChoices):
    NONE = "none", _("No refunds of paid coins")
    ON_CLOSURE = "on_closure", _("Refunds only when the currency is wound up")
    ANY_TIME = "any_time", _("Refunds at the counter at any time")


class AreaSettings(models.Model):
    """How a currency area runs its coin. Rates are integer ratios: `coins_per_point_num / _den` coins per point."""

    area = models.OneToOneField(
        "tenancy.CurrencyArea", on_delete=models.PROTECT, primary_key=True, related_name="wallet"
    )
    coins_per_point_num = models.PositiveIntegerField(default=1)
    coins_per_point_den = models.PositiveIntegerField(default=1)
    coin_lifetime_days = models.PositiveIntegerField(default=180)
    paid_coin_lifetime_days = models.PositiveIntegerField(default=365)
    fee_bps = models.PositiveIntegerField(default=150, help_text="merchant fee in basis points (150 = 1.5%)")
    settlement_cycle = models.CharField(max_length=12, choices=SettlementCycle.choices, default=SettlementCycle.MONTHLY)
    refund_window_days = models.PositiveIntegerField(default=30)
    paid_refund_rule = models.CharField(max_length=12, choices=PaidRefundRule.choices, default=PaidRefundRule.NONE)
    deposit_threshold = models.BigIntegerField(default=10_000_000, help_text="yen; 前払式支払手段 deposit rule")
    operator_name = models.CharField(max_length=100, default="")
    operator_invoice_number = models.CharField(max_length=14, blank=True, help_text="適格請求書発行事業者登録番号 T+13")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(coins_per_point_num__gt=0) & Q(coins_per_point_den__gt=0), name="areasettings_rate_positive"
            ),
            models.CheckConstraint(condition=Q(fee_bps__lte=10_000), name="areasettings_fee_at_most_100_percent"),
        ]

    def __str__(self) -> str:
        return f"settings of {self.area_id}"


class PayerAccount(models.Model):
    """A bank account the area pays merchants from (総合振込 依頼人); by default one per area."""

    area = models.ForeignKey("tenancy.CurrencyArea", on_delete=models.PROTECT, related_name="payer_accounts")
    label = models.SlugField(max_length=32)
    requester_code = models.CharField(max_length=10)
    requester_name = models.CharField(max_length=40, help_text="half-width katakana")
    bank_code = models.CharField(max_length=4)
    branch_code = models.CharField(max_length=3)
    account_type = models.PositiveSmallIntegerField(default=1)
    account_number = models.CharField(max_length=7)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "label"], name="payeraccount_label_unique")]

    def __str__(self) -> str:
        return self.label


class TownSettings(models.Model):
    """A municipality's conversion rule: the least points a resident may convert, and the step above it."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", on_delete=models.PROTECT, primary_key=True, related_name="wallet"
    )
    min_conversion = models.PositiveIntegerField(default=100)
    conversion_step = models.PositiveIntegerField(default=100)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(conversion_step__gt=0), name="townsettings_step_positive")]

    def __str__(self) -> str:
        return f"settings of {self.municipality_id}"


def new_merchant_id() -> str:
    return "m_" + secrets.token_hex(8)


class MerchantStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


class Merchant(models.Model):
    """A shop that accepts the area's coin and is paid out by bank transfer."""

    id = models.CharField(max_length=20, primary_key=True, default=new_merchant_id, editable=False)
    area = models.ForeignKey("tenancy.CurrencyArea", on_delete=models.PROTECT, related_name="merchants")
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="merchants")
    user = models.ForeignKey("identity.User", on_delete=models.PROTECT, null=True, blank=True, related_name="merchants")
    name = models.CharField(max_length=100)
    name_roman = models.CharField(max_length=25, help_text="for the QR code's merchant name (ASCII)")
    address = models.CharField(max_length=200)
    mcc = models.CharField(max_length=4, default="5999", help_text="industry (merchant category code)")
    bank_code = models.CharField(max_length=4)
    branch_code = models.CharField(max_length=3)
    account_type = models.PositiveSmallIntegerField(default=1)
    account_number = models.CharField(max_length=7)
    holder_kana = models.CharField(max_length=30, help_text="half-width katakana, as the bank holds it")
    payer = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    jpqr_store_code = models.CharField(max_length=32, blank=True, help_text="JPQR 統一店舗識別コード, 4 parts by '-'")
    status = models.CharField(max_length=10, choices=MerchantStatus.choices, default=MerchantStatus.APPLIED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality_id", "name"]

    def __str__(self) -> str:
        return self.name


class PaymentRequest(models.Model):
    """A dynamic QR code: an amount a shop asks for, valid a few minutes, paid at most once."""

    id = models.CharField(max_length=24, primary_key=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="requests")
    amount = models.BigIntegerField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    journal_key = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="paymentrequest_amount_positive")]

    def __str__(self) -> str:
        return self.id


class SettlementStatus(models.TextChoices):
    COMPUTED = "computed"
    TRANSFERRED = "transferred"


class Settlement(models.Model):
    """One area's settlement of one period. Computing again gives the same files until it is marked transferred."""

    area = models.ForeignKey("tenancy.CurrencyArea", on_delete=models.PROTECT, related_name="settlements")
    period = models.CharField(max_length=10, help_text="YYYY-MM, or YYYY-MM-1 / YYYY-MM-2")
    status = models.CharField(max_length=12, choices=SettlementStatus.choices, default=SettlementStatus.COMPUTED)
    transfer_date = models.DateField()
    total = models.BigIntegerField()
    computed_at = models.DateTimeField()
    transferred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "period"], name="settlement_period_unique")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.period}"


def new_card_id() -> str:
    return "c_" + secrets.token_hex(8)


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOCKED = "locked", _("Locked (wrong PIN)")
    SUSPENDED = "suspended", _("Suspended at the counter")
    LOST = "lost", _("Reported lost")
    REPLACED = "replaced", _("Replaced")


USABLE_CARD = ("active", "locked", "suspended")  # still the holder's card: it may pay again after the counter acts


class PrintedCard(models.Model):
    """A printed card for a resident without a smartphone: its QR carries only the card ID, never a secret; it pays
    with the PIN typed at the shop's terminal, up to a daily limit. Too many wrong PINs lock it until the counter
    unlocks it. A resident has at most one usable card of their own, and one per proxy: a proxy's card (`delegation`
    set) draws on the resident's wallet with the proxy's own PIN and pays only while the delegation allows it."""

    id = models.CharField(max_length=20, primary_key=True, default=new_card_id, editable=False)
    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="printed_cards")
    pin_hash = models.CharField(max_length=128, help_text="salted slow hash (django.contrib.auth.hashers)")
    daily_limit = models.BigIntegerField(default=5_000, help_text="yen per day (Asia/Tokyo)")
    status = models.CharField(max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    replaced_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    delegation = models.ForeignKey(
        "assist.Delegation", on_delete=models.PROTECT, null=True, blank=True, related_name="cards"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(daily_limit__gt=0), name="printedcard_daily_limit_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[*USABLE_CARD, "lost", "replaced"]), name="printedcard_status_known"
            ),
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=USABLE_CARD, delegation__isnull=True),
                name="printedcard_one_usable_per_resident",
            ),
            models.UniqueConstraint(
                fields=["delegation"],
                condition=Q(status__in=USABLE_CARD, delegation__isnull=False),
                name="printedcard_one_usable_per_proxy",
            ),
        ]

    def __str__(self) -> str:
        return self.id
