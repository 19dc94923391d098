"""Reads of the peer directory (仲間づくり), where every privacy rule is decided.

A profile is visible to a viewer when it is visible to all staff, or visible to its own municipality's staff and
the viewer works there (the agency's staff count as one organisation), or it is the viewer's own. A profile a
moderator hid is left out of every list and is a 404 for all but its owner and the agency. Anything else does not
exist for the viewer: a page asked for it answers 404, lists and "who else is working on this" leave it out.
Pages receive `PeerCard`s, never the user: the name is on the card only when its owner shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Length
from django.db.models.lookups import Contains

from hiroba.cocreation.models import CounterProblem, Idea, ReportTarget, SameHere, Support
from hiroba.cocreation.models.directory import MAX_TOPIC, ProfileTopic, StaffProfile, Visibility
from hiroba.cocreation.models.workshops import TeamMember
from hiroba.cocreation.selectors import staff_required
from hiroba.cocreation.selectors.moderation import not_hidden, post_hidden
from hiroba.core.audit import Actor
from hiroba.core.errors import NotFound
from hiroba.identity.models import User
from hiroba.tenancy.models import Municipality, Staff
from hiroba.tenancy.selectors import actor_scope, municipalities_listed

MAX_LISTED = 200
MAX_PEERS = 20
MIN_TOPIC_IN_TITLE = 2  # a one-character topic would match nearly every title


@dataclass(frozen=True)
class Viewer:
    user: User
    lg_code: str | None  # None: the agency


def viewer_of(actor: Actor) -> Viewer:
    user = staff_required(actor=actor)
    return Viewer(user, actor_scope(actor).municipality)


def _visible(viewer: Viewer) -> Q:
    own_town = (
        Q(user__staff__municipality__isnull=True)
        if viewer.lg_code is None
        else Q(user__staff__municipality_id=viewer.lg_code)
    )
    return Q(visibility=Visibility.ALL) | (Q(visibility=Visibility.TOWN) & own_town) | Q(user=viewer.user)


def profiles_visible(*, viewer: Viewer) -> QuerySet[StaffProfile]:
    """The profiles the viewer may see in lists, filters and peers: never one a moderator has hidden (not even the
    viewer's own; its owner still reaches its page, see `profile_get`)."""
    return _profiles(viewer=viewer).filter(not_hidden(ReportTarget.PROFILE, "user__public_id"))


def _profiles(*, viewer: Viewer) -> QuerySet[StaffProfile]:
    return (
        StaffProfile.objects.filter(_visible(viewer), user__staff__isnull=False)
        .select_related("user__staff__municipality")
        .prefetch_related(Prefetch("topics", queryset=ProfileTopic.objects.order_by("pk")))
    )


@dataclass(frozen=True)
class PeerCard:
    """What a page may show of a profile."""

    public_id: str
    user_pk: int
    name: str | None  # None when its owner does not show the name
    municipality: Municipality | None  # None: the agency
    department: str
    topics: list[str]
    can_help: str
    mentor: bool
    visibility: str
    reasons: tuple[str, ...] = field(default=())
    hidden_reason: str = ""  # a moderator hid it (only its owner and the agency see such a profile)


def _card(profile: StaffProfile, reasons: Iterable[str] = ()) -> PeerCard:
    staff: Staff = profile.user.staff
    return PeerCard(
        public_id=profile.user.public_id,
        user_pk=profile.user.pk,
        name=profile.user.full_name if profile.show_name else None,
        municipality=staff.municipality,
        department=staff.department,
        topics=[t.label for t in profile.topics.all()],
        can_help=profile.can_help,
        mentor=profile.mentor,
        visibility=profile.visibility,
        reasons=tuple(sorted(set(reasons))),
    )


def directory(*, actor: Actor, topic: str = "", mentor: bool = False, lg_code: str = "") -> list[PeerCard]:
    """The profiles the viewer may see, filtered by a topic label, mentors only, or a municipality."""
    viewer = viewer_of(actor)
    rows = profiles_visible(viewer=viewer)
    if topic.strip():
        rows = rows.filter(topics__label=topic.strip()[:MAX_TOPIC])
    if mentor:
        rows = rows.filter(mentor=True)
    if lg_code == "agency":
        rows = rows.filter(user__staff__municipality__isnull=True)
    elif lg_code:
        rows = rows.filter(user__staff__municipality_id=lg_code)
    return [_card(p) for p in rows.distinct().order_by("-mentor", "user__full_name_kana", "pk")[:MAX_LISTED]]


def directory_topics(*, actor: Actor) -> list[str]:
    """The topic labels of the profiles the viewer may see (for the filter), most used first."""
    viewer = viewer_of(actor)
    labels = ProfileTopic.objects.filter(profile__in=profiles_visible(viewer=viewer)).values_list("label", flat=True)
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts, key=lambda label: (-counts[label], label))[:100]


def directory_towns(*, actor: Actor) -> list[Municipality]:
    viewer_of(actor)
    return list(municipalities_listed())


def profile_get(*, actor: Actor, public_id: str) -> PeerCard:
    """One profile, or 404 when the viewer may not see it (hidden, another town's own, or none)."""
    viewer = viewer_of(actor)
    profile = _profiles(viewer=viewer).filter(user__public_id=public_id).first()
    hidden = post_hidden(kind=ReportTarget.PROFILE, ref=public_id) if profile is not None else None
    # a profile a moderator hid exists only for its owner (who reads the reason) and the agency's moderators
    if profile is None or (hidden and profile.user_id != viewer.user.pk and not actor_scope(actor).is_agency):
        raise NotFound("cocreation.profile.unknown", ja="そのプロフィールは見つかりません。", en="No such profile.")
    return replace(_card(profile), hidden_reason=hidden.reason if hidden else "")


def profile_own(*, actor: Actor) -> StaffProfile | None:
    """The viewer's own profile (None before they save one)."""
    viewer = viewer_of(actor)
    return StaffProfile.objects.filter(user=viewer.user).prefetch_related("topics").first()


# ------------------------------------------------------------------------------------ who else is working on this


@dataclass(frozen=True)
class PeerTown:
    municipality: Municipality
    reasons: tuple[str, ...]  # author, supporter, same_here, workshop


@dataclass(frozen=True)
class Peers:
    people: list[PeerCard]  # visible profiles, each with why they are listed (…, topic)
    towns: list[PeerTown]  # the other municipalities working on it

    def __bool__(self) -> bool:
        return bool(self.people or self.towns)


def peers_for(*, actor: Actor, subject: Idea | CounterProblem) -> Peers:
    """Staff of other municipalities working on the same thing as an idea or a counter problem: the authors and
    supporters of the ideas linked to it (and the members of the workshop team an idea came from), the towns that
    said 「うちもです」 to the problems linked to it, and profiles whose topics match the idea's services or its
    title. People appear only through a profile the viewer may see; the rest count as their municipality."""
    viewer = viewer_of(actor)
    if isinstance(subject, Idea):
        problems = list(subject.problems.prefetch_related("ideas"))
        ideas = {subject.pk: subject} | {i.pk: i for p in problems for i in p.ideas.all()}
        title = subject.title
    else:
        problems = [subject]
        ideas = {i.pk: i for i in subject.ideas.all()}
        title = subject.summary
    services = {s for i in ideas.values() for s in i.services}

    involved: list[tuple[int, str | None, str]] = [(i.author_id, i.municipality_id, "author") for i in ideas.values()]
    involved += [
        (s.user_id, s.municipality_id, "supporter")
        for s in Support.objects.filter(idea_id__in=list(ideas)).only("user_id", "municipality_id")
    ]
    involved += [
        (m.user_id, m.municipality_id, "same_here")
        for m in SameHere.objects.filter(problem__in=problems).only("user_id", "municipality_id")
    ]
    involved += [
        (m.registration.user_id, m.registration.municipality_id, "workshop")
        for m in TeamMember.objects.filter(team__idea_id__in=list(ideas)).select_related("registration")
    ]

    def other(lg_code: str | None) -> bool:
        return lg_code != viewer.lg_code

    town_reasons: dict[str, set[str]] = {}
    person_reasons: dict[int, set[str]] = {}
    for user_id, lg_code, reason in involved:
        if lg_code is not None and other(lg_code):
            town_reasons.setdefault(lg_code, set()).add(reason)
        if user_id != viewer.user.pk:
            person_reasons.setdefault(user_id, set()).add(reason)

    topical = Q(topics__label__in=sorted(services)) if services else Q(pk__in=[])
    in_title = (
        ProfileTopic.objects.alias(size=Length("label"))
        .filter(Contains(Value(title), F("label")), size__gte=MIN_TOPIC_IN_TITLE)
        .values("profile_id")
    )
    for user_id in (
        StaffProfile.objects.filter(topical | Q(pk__in=in_title)).values_list("user_id", flat=True).distinct()
    ):
        if user_id != viewer.user.pk:
            person_reasons.setdefault(user_id, set()).add("topic")

    visible = profiles_visible(viewer=viewer).filter(user_id__in=list(person_reasons))
    people = [
        _card(p, person_reasons[p.user_id])
        for p in visible.order_by("-mentor", "user__full_name_kana", "pk")
        if other(p.user.staff.municipality_id)
    ][:MAX_PEERS]
    towns = Municipality.objects.in_bulk(list(town_reasons))
    ranked = sorted(town_reasons, key=lambda code: (-len(town_reasons[code]), code))
    return Peers(people, [PeerTown(towns[c], tuple(sorted(town_reasons[c]))) for c in ranked if c in towns])
