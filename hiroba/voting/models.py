"""Elections of a municipality, kept as Belenios 2.0 keeps them: an append-only event log (the `.bel` archive is
rebuilt byte for byte from `ElectionEvent` and `EventMember` rows), beside the setup rows the committee edits while
the poll is a draft (questions, voters, trustees, public credentials).

Only public material reaches these tables: trustees' public keys with their proofs, public credentials, encrypted
ballots, partial decryptions with their proofs. Private credentials and trustees' private keys never do.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class GroupName(models.TextChoices):
    BELENIOS_2048 = "BELENIOS-2048", "BELENIOS-2048"
    RFC_3526_2048 = "RFC-3526-2048", "RFC-3526-2048"
    ED25519 = "Ed25519", "Ed25519"


class ElectionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    TALLIED = "tallied", _("Tallied")


class VoterSource(models.TextChoices):
    RESIDENTS = "residents", _("Residents of the minimum age")
    IMPORTED = "imported", _("Imported list")


class CredentialDelivery(models.TextChoices):
    LETTER = "letter", _("On a printed letter (the credential authority; the server never sees it)")
    ONLINE = "online", _("After card sign-in (weaker: the credential passes through the server)")


class EventType(models.TextChoices):
    SETUP = "Setup", "Setup"
    BALLOT = "Ballot", "Ballot"
    END_BALLOTS = "EndBallots", "EndBallots"
    ENCRYPTED_TALLY = "EncryptedTally", "EncryptedTally"
    PARTIAL_DECRYPTION = "PartialDecryption", "PartialDecryption"
    RESULT = "Result", "Result"


ONCE_PER_ELECTION = ("Setup", "EndBallots", "EncryptedTally", "Result")
MAX_MINIMUM_AGE = 130


class Election(models.Model):
    """A homomorphic poll with n-of-n trustees. `uuid` is its Belenios token (14 Base58 characters)."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="elections")
    uuid = models.CharField(max_length=14, unique=True)
    group = models.CharField(max_length=16, choices=GroupName.choices, default=GroupName.BELENIOS_2048)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    questions = models.JSONField(help_text="The specification's question structures, in order (homomorphic only).")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    minimum_age = models.PositiveSmallIntegerField(default=18)
    credential_delivery = models.CharField(
        max_length=8, choices=CredentialDelivery.choices, default=CredentialDelivery.LETTER
    )
    state = models.CharField(max_length=8, choices=ElectionState.choices, default=ElectionState.DRAFT)
    # Set when the poll opens (the Setup event): the election's public key and fingerprint (H_JSON of election.json).
    public_key = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=43, blank=True)
    result = models.JSONField(null=True, blank=True)
    # A threshold (k-of-n, "Pedersen") group of trustees besides the Single ones: the threshold_parameters the
    # trustees established among themselves (e.g. with `belenios-tool setup generate-trustee-key-threshold`), as
    # registered (bytes, so that the archive keeps their serialisation). Their owners come after the Single ones.
    threshold_parameters = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["municipality_id", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ElectionState.values), name="voting_election_state"),
            models.CheckConstraint(condition=Q(group__in=GroupName.values), name="voting_election_group"),
            models.CheckConstraint(
                condition=Q(credential_delivery__in=CredentialDelivery.values), name="voting_election_delivery"
            ),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="voting_election_window"),
            models.CheckConstraint(condition=Q(minimum_age__lte=MAX_MINIMUM_AGE), name="voting_election_age"),
            models.CheckConstraint(
                condition=Q(uuid__regex=r"^[1-9A-HJ-NP-Za-km-z]{14}$"), name="voting_election_uuid_base58"
            ),
            # Draft: nothing published yet. Open or later: key and fingerprint fixed, opened_at set.
            models.CheckConstraint(
                condition=(
                    Q(state="draft", public_key="", fingerprint="", opened_at__isnull=True)
                    | (~Q(state="draft") & ~Q(public_key="") & ~Q(fingerprint="") & Q(opened_at__isnull=False))
                ),
                name="voting_election_opened_iff_published",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["closed", "tallied"], closed_at__isnull=False)
                | (Q(state__in=["draft", "open"]) & Q(closed_at__isnull=True)),
                name="voting_election_closed_at",
            ),
            models.CheckConstraint(
                condition=Q(state="tallied", tallied_at__isnull=False, result__isnull=False)
                | (~Q(state="tallied") & Q(tallied_at__isnull=True, result__isnull=True)),
                name="voting_election_tallied_iff_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.uuid} ({self.municipality_id})"


class Voter(models.Model):
    """One entry of the voter list: a resident by the pairwise ID the municipality knows them by, and a weight."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="voters")
    pairwise_id = models.CharField(max_length=40)
    weight = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=10, choices=VoterSource.choices)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "pairwise_id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "pairwise_id"], name="voting_voter_once"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="voting_voter_weight_positive"),
            models.CheckConstraint(condition=Q(source__in=VoterSource.values), name="voting_voter_source"),
        ]

    def __str__(self) -> str:
        return self.pairwise_id


class Trustee(models.Model):
    """An n-of-n ("Single") trustee: a name and the public key whose proof of knowledge was checked on registration."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustees")
    position = models.PositiveSmallIntegerField(help_text="1-based: the owner number of its partial decryption.")
    name = models.CharField(max_length=100)
    public_key = models.TextField()
    pok_challenge = models.TextField()
    pok_response = models.TextField()
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["election", "position"], name="voting_trustee_position_once"),
            models.UniqueConstraint(fields=["election", "public_key"], name="voting_trustee_key_once"),
            models.CheckConstraint(condition=Q(position__gte=1), name="voting_trustee_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.name}"


class TrusteeInvitation(models.Model):
    """A trustee's link (as Belenios mails one): the committee names the trustee, the trustee opens the link, makes
    a key pair in their browser (the private key stays with them) and registers the public key; later the same link
    takes their partial decryption. Only the link token's SHA-256 is kept."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustee_invitations")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    trustee = models.OneToOneField(Trustee, null=True, blank=True, on_delete=models.CASCADE, related_name="invitation")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["election", "name"], name="voting_invitation_name_once")]

    def __str__(self) -> str:
        return f"{self.election_id}: {self.name}"


class SealedCredential(models.Model):
    """Online delivery only (CredentialDelivery.ONLINE, the weaker trust model): a voter's private credential,
    sealed with a key derived from the server's secret, shown to that voter after card sign-in and deleted when
    the poll closes. It links a voter to a public credential, which the letter never does."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="sealed_credentials")
    voter = models.OneToOneField(Voter, on_delete=models.CASCADE, related_name="sealed_credential")
    sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "pk"]

    def __str__(self) -> str:
        return f"{self.election_id}: {self.voter_id}"


class PublicCredential(models.Model):
    """A public credential (g^s in the group's serialisation) with its weight. Nothing links it to a voter here."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="credentials")
    credential = models.TextField()
    weight = models.PositiveIntegerField(default=1)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["election", "credential"], name="voting_credential_once"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="voting_credential_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.credential[:16]


class ElectionEvent(models.Model):
    """One event of the archive, append-only: `raw` is the event's JSON bytes, `hash` their SHA-256 (hex).

    `payload` is the data member the event names; `members` (EventMember) are the data members the payload itself
    refers to, written before it (election, trustees, credentials for Setup; the tally for EncryptedTally; the
    decryption for PartialDecryption). Every Ballot event is kept, re-votes included; `credential` tells which ones
    count (the last per credential, as the specification says).
    """

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="events")
    height = models.PositiveIntegerField()
    type = models.CharField(max_length=20, choices=EventType.choices)
    parent = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: first event (constraint)
    hash = models.CharField(max_length=64)
    raw = models.BinaryField()
    payload = models.BinaryField(null=True, blank=True)
    payload_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL: no payload
    credential = models.TextField(  # noqa: DJ001 - NULL: not a ballot (constraint)
        null=True, blank=True, help_text="Ballot events: the ballot's public credential."
    )
    owner = models.PositiveSmallIntegerField(null=True, blank=True, help_text="PartialDecryption: the trustee.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "height"]
        constraints = [
            models.UniqueConstraint(fields=["election", "height"], name="voting_event_height_once"),
            models.UniqueConstraint(fields=["election", "hash"], name="voting_event_hash_once"),
            models.UniqueConstraint(
                fields=["election", "payload_hash"], condition=Q(type="Ballot"), name="voting_event_ballot_once"
            ),
            models.UniqueConstraint(
                fields=["election", "type"], condition=Q(type__in=ONCE_PER_ELECTION), name="voting_event_type_once"
            ),
            models.UniqueConstraint(
                fields=["election", "owner"], condition=Q(owner__isnull=False), name="voting_event_owner_once"
            ),
            models.CheckConstraint(condition=Q(type__in=EventType.values), name="voting_event_type"),
            models.CheckConstraint(
                condition=Q(height=0, parent__isnull=True, type="Setup") | (Q(height__gt=0) & Q(parent__isnull=False)),
                name="voting_event_parent_iff_not_first",
            ),
            models.CheckConstraint(
                condition=Q(type="EndBallots", payload__isnull=True, payload_hash__isnull=True)
                | (~Q(type="EndBallots") & Q(payload__isnull=False, payload_hash__isnull=False)),
                name="voting_event_payload_iff_needed",
            ),
            models.CheckConstraint(
                condition=Q(type="Ballot", credential__isnull=False) | (~Q(type="Ballot") & Q(credential__isnull=True)),
                name="voting_event_credential_iff_ballot",
            ),
            models.CheckConstraint(
                condition=Q(type="PartialDecryption", owner__gte=1) | (~Q(type="PartialDecryption") & Q(owner=None)),
                name="voting_event_owner_iff_decryption",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}#{self.height} {self.type}"


class EventMember(models.Model):
    """A data member written before an event's payload (see ElectionEvent)."""

    event = models.ForeignKey(ElectionEvent, on_delete=models.PROTECT, related_name="members")
    position = models.PositiveSmallIntegerField()
    raw = models.BinaryField()

    class Meta:
        ordering = ["event_id", "position"]
        constraints = [models.UniqueConstraint(fields=["event", "position"], name="voting_member_position_once")]

    def __str__(self) -> str:
        return f"{self.event_id}.{self.position}"
