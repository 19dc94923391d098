"""The double-entry ledger. Only `hiroba.ledger.services` writes these tables.

Money moves in postings: one amount from a debit account to a credit account of the same unit, so every journal
balances by construction (and the database refuses a posting that is not positive or moves value to itself).
Account balances are cached and change only under ordered row locks; the database refuses a balance below what
is reserved unless the account may issue. Credits to residents become lots that remember their funder and
expiry; debits from residents record which lots they consumed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Unit(models.TextChoices):
    POINTS = "points", "points"  # health points of one municipality
    COIN = "coin", "coin"  # the regional currency of one area (1 coin = 1 yen)


class AccountKind(models.TextChoices):
    RESIDENT_POINTS = "resident_points"  # a resident's points in their municipality
    RESIDENT_WALLET = "resident_wallet"  # a resident's coins in the area (free and paid kept apart by `purse`)
    MERCHANT = "merchant"  # a shop's receivable in the area
    POINTS_ISSUANCE = "points_issuance"  # a municipality issuing points (may go negative)
    BUDGET = "budget"  # a municipality's appropriation for one fiscal year (coins it may fund)
    ISSUANCE = "issuance"  # a municipality issuing coins (may go negative: the other side of every funded coin)
    CASH = "cash"  # coins sold for cash at a counter (may go negative: the cash is outside the ledger)
    EXPIRY = "expiry"  # where expired value goes back, per funder
    SETTLEMENT = "settlement"  # paid out to merchants' banks
    FEES = "fees"  # the operator's fee income


class Account(models.Model):
    """One balance of one owner in one unit. `key` names it stably in journals, chains and reports."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    chain = models.CharField(max_length=40, help_text="the journal chain (currency area, or lg:<code>)")
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey("tenancy.CurrencyArea", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resident = models.ForeignKey(
        "identity.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    may_go_negative = models.BooleanField(default=False)
    has_lots = models.BooleanField(default=False)
    balance = models.BigIntegerField(default=0)  # posted
    reserved = models.BigIntegerField(default=0)  # held by pending journals
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(may_go_negative=True) | Q(balance__gte=F("reserved")), name="account_no_overdraft"
            ),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="account_reserved_non_negative"),
            models.CheckConstraint(
                condition=~(Q(may_go_negative=True) & Q(has_lots=True)), name="account_lots_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class JournalState(models.TextChoices):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class ChainHead(models.Model):
    """The end of one journal chain. Finalising a journal moves it in one UPDATE (after the accounts are locked),
    which also computes the new hash; `prev_hash` keeps the hash it replaced so that the same statement can return
    both ends of the new link."""

    key = models.CharField(max_length=40, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    prev_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.key}@{self.last_seq}"


class Journal(models.Model):
    """One business act (a conversion, a payment, a refund, an award batch…). Its key makes it idempotent."""

    key = models.CharField(max_length=120, unique=True, help_text="idempotency key")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of what was asked: same key, other body → 409")
    kind = models.CharField(max_length=30)
    chain = models.CharField(max_length=40)
    state = models.CharField(max_length=8, choices=JournalState.choices)
    created_at = models.DateTimeField()
    pending_until = models.DateTimeField(null=True, blank=True)
    final_at = models.DateTimeField(null=True, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals")
    memo = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="journal_chain_seq_unique"),
            models.CheckConstraint(
                # pending: not chained yet; final: chained, except for the moment inside its own transaction
                # between writing its postings and sealing it (no hash yet)
                condition=(Q(state="pending") & Q(seq__isnull=True) & Q(pending_until__isnull=False))
                | (~Q(state="pending") & Q(hash="") & Q(seq__isnull=True))
                | (~Q(state="pending") & ~Q(hash="") & Q(seq__isnull=False) & Q(final_at__isnull=False)),
                name="journal_final_iff_chained",
            ),
        ]
        indexes = [models.Index(fields=["state", "pending_until"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Posting(models.Model):
    """`amount` moves from `debit` to `credit`. Never changed; a correction is a new journal."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="postings")
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=8, choices=Unit.choices)
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="posting_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="posting_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


class Lot(models.Model):
    """Value credited to a resident account, with its funder and expiry. `remaining` is what is left unspent."""

    # Both foreign keys are indexed by `Meta.indexes` alone: (account, expires_on) serves look-ups by account, and
    # a plain index on the funder replaces the pattern-matching twin PostgreSQL would get for a text key.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots", db_index=False)
    funder = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+", db_index=False)
    paid = models.BooleanField(default=False, help_text="bought with cash (前払式支払手段), not granted")
    expires_on = models.DateField()
    amount = models.BigIntegerField()
    remaining = models.BigIntegerField()
    created_by = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="created_lots")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lot_amount_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")), name="lot_remaining_within_amount"
            ),
        ]
        indexes = [models.Index(fields=["account", "expires_on"]), models.Index(fields=["funder"])]

    def __str__(self) -> str:
        return f"lot {self.pk} {self.remaining}/{self.amount}"


class LotMove(models.Model):
    """A posting's use of a lot: negative when spending from it, positive when a refund or void restores it."""

    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="lot_moves")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="moves")
    amount = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="lotmove_amount_non_zero")]

    def __str__(self) -> str:
        return f"{self.amount} from lot {self.lot_id}"
