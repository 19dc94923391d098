"""Writes of the peer directory: a staff member saves their own profile (nobody else's: the service takes no user).

The profile is in the search index only while it is visible to all staff and no moderator has hidden it; narrowing
it to the own municipality or hiding it takes it out in the same transaction (`profile_index`, which moderation
calls too when it shows a profile again). The index shows the name only when its owner shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import Hidden, ReportTarget, SearchKind
from hiroba.cocreation.models.directory import MAX_HELP, MAX_TOPIC, MAX_TOPICS, ProfileTopic, StaffProfile, Visibility
from hiroba.cocreation.services.common import _index, _index_drop, _poster, _text
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Invalid
from hiroba.tenancy.models import Staff


def _topics(values: Sequence[str]) -> list[str]:
    labels: list[str] = []
    for value in values:
        label = "".join(ch for ch in value if ch.isprintable()).strip()
        if label and label not in labels:
            labels.append(label)
    if len(labels) > MAX_TOPICS or any(len(label) > MAX_TOPIC for label in labels):
        raise Invalid(
            "cocreation.profile.topics",
            ja=f"テーマは{MAX_TOPICS}件まで、各{MAX_TOPIC}字以内です。",
            en=f"At most {MAX_TOPICS} topics of {MAX_TOPIC} characters each.",
            detail={"field": "topics"},
        )
    return labels


def profile_index(profile: StaffProfile) -> None:
    """Put the profile in the search index while it is visible to all staff and no moderator has hidden it;
    otherwise take it out. Called inside the caller's transaction (saving, or a moderator showing it again)."""
    user = profile.user
    ref = user.public_id
    hidden = Hidden.objects.filter(kind=ReportTarget.PROFILE, ref=ref).exists()
    if profile.visibility != Visibility.ALL or hidden:
        _index_drop(SearchKind.PROFILE, ref)
        return
    staff = Staff.objects.select_related("municipality").get(user=user)
    town = staff.municipality.name if staff.municipality else "デジタル庁"
    who = user.full_name if profile.show_name else f"{town}の職員"
    title = f"{who}（{town} {staff.department}）".replace(" ）", "）")
    labels = list(ProfileTopic.objects.filter(profile=profile).order_by("pk").values_list("label", flat=True))
    body = "\n".join([*labels, profile.can_help, "メンター" if profile.mentor else ""]).strip()
    _index(SearchKind.PROFILE, ref, title[:200], body)


@transaction.atomic(durable=True)
def profile_save(
    *, actor: Actor, topics: Sequence[str], can_help: str, mentor: bool, visibility: str, show_name: bool
) -> StaffProfile:
    """Create or change the actor's own profile, and keep the search index in step with who may see it."""
    poster = _poster(actor)
    if visibility not in Visibility.values:
        raise Invalid(
            "cocreation.profile.visibility",
            ja="公開範囲を選んでください。",
            en="Choose who may see the profile.",
            detail={"field": "visibility"},
        )
    labels = _topics(topics)
    help_text = _text(can_help, field="can_help", limit=MAX_HELP, ja="手伝えること") if can_help.strip() else ""
    profile, _ = StaffProfile.objects.update_or_create(
        user=poster.user,
        defaults={"can_help": help_text, "mentor": mentor, "visibility": visibility, "show_name": show_name},
    )
    ProfileTopic.objects.filter(profile=profile).delete()
    ProfileTopic.objects.bulk_create([ProfileTopic(profile=profile, label=label) for label in labels])
    ref = poster.user.public_id
    profile_index(profile)
    audit_record(
        tag=CocreationEvent.PROFILE_SAVED, actor=actor, subject=f"profile:{ref}", municipality=poster.lg_code,
        data={"visibility": visibility, "mentor": mentor, "show_name": show_name, "topics": len(labels)},
    )  # fmt: skip
    return profile
