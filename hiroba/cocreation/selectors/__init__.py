"""Reads of the co-creation app: spaces, ideas with their supports counted by staff and by municipality, comments
as threads, and Japanese full-text search.

Search: queries are cut to 100 characters and split on white space into terms that must all appear. Terms of three
characters or more use the index — SQLite's FTS5 trigram table, ranked by bm25; PostgreSQL's pg_trgm GIN index
through ILIKE, ranked by similarity. A term of one or two characters (窓口) cannot be a trigram, so such a query scans
for substrings instead, ranked by the number of occurrences. No query is ever handed to FTS5 as syntax: each term is
a quoted phrase. Results carry the text cut into (text, matched) segments for highlighting, never HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Count, Q, QuerySet

from hiroba.cocreation.models import (
    Attachment,
    Comment,
    CounterProblem,
    Hidden,
    Idea,
    SameHere,
    SearchEntry,
    Space,
    Support,
)
from hiroba.cocreation.selectors.moderation import not_hidden
from hiroba.core.audit import Actor
from hiroba.core.errors import NotFound, PermissionDenied
from hiroba.identity.models import User
from hiroba.tenancy.selectors import actor_scope

MAX_QUERY = 100
MIN_TRIGRAM = 3
SNIPPET = 80
MAX_RESULTS = 50

Segments = tuple[tuple[str, bool], ...]


def staff_required(*, actor: Actor) -> User:
    """The workshop is open to the staff of every municipality and the agency, and to nobody else."""
    if actor.user is None or actor_scope(actor).staff_id is None:
        raise PermissionDenied(
            "cocreation.staff_only",
            ja="自治体とデジタル庁の職員のための場です。",
            en="The workshop is for the staff of municipalities and the agency.",
        )
    return actor.user


def space_list() -> QuerySet[Space]:
    return Space.objects.order_by("slug")


def space_get(*, slug: str) -> Space:
    space = Space.objects.filter(slug=slug).first()
    if space is None:
        raise NotFound("cocreation.space.unknown", ja="その場は見つかりません。", en=f"No space {slug!r}.")
    return space


def idea_get(*, idea_id: str) -> Idea:
    idea = Idea.objects.select_related("space", "municipality", "author").filter(pk=idea_id).first()
    if idea is None:
        raise NotFound("cocreation.idea.unknown", ja="そのアイデアは見つかりません。", en=f"No idea {idea_id!r}.")
    return idea


@dataclass(frozen=True)
class RankedIdea:
    idea: Idea
    supporters: int  # staff members
    towns: int  # distinct supporting municipalities (the agency's supports count no town)


def ideas_ranked(*, space: Space | None = None, limit: int = 100) -> list[RankedIdea]:
    """Ideas with their supporters and distinct supporting towns, most towns first: a problem many towns share
    ranks above one that many staff of one town like."""
    rows = Idea.objects.select_related("space", "municipality").filter(not_hidden("idea"))
    if space is not None:
        rows = rows.filter(space=space)
    annotated = rows.annotate(
        n_supporters=Count("supports", distinct=True), n_towns=Count("supports__municipality", distinct=True)
    ).order_by("-n_towns", "-n_supporters", "-created_at")[:limit]
    return [RankedIdea(i, i.n_supporters, i.n_towns) for i in annotated]


def idea_support_counts(*, idea: Idea) -> RankedIdea:
    counts = Support.objects.filter(idea=idea).aggregate(
        supporters=Count("pk"), towns=Count("municipality", distinct=True)
    )
    return RankedIdea(idea, counts["supporters"], counts["towns"])


def idea_supported_by(*, idea: Idea, user: User) -> bool:
    return Support.objects.filter(idea=idea, user=user).exists()


def comment_of(*, idea: Idea, ref: str) -> Comment | None:
    """The comment of this idea a reply answers (`ref` is its number), None for a new top-level comment."""
    if not ref:
        return None
    comment = Comment.objects.filter(idea=idea, pk=int(ref)).first() if ref.isdigit() else None
    if comment is None:
        raise NotFound("cocreation.comment.unknown", ja="そのコメントは見つかりません。", en="No such comment.")
    return comment


@dataclass(frozen=True)
class RankedProblem:
    problem: CounterProblem
    towns: int  # municipalities that said "same here" (the reporter's included)


def problems_ranked(*, limit: int = 100) -> list[RankedProblem]:
    """Counter problems, most municipalities affected first."""
    rows = (
        CounterProblem.objects.select_related("municipality")
        .filter(not_hidden("problem"))
        .annotate(n_towns=Count("same_here", distinct=True))
        .order_by("-n_towns", "-created_at")[:limit]
    )
    return [RankedProblem(p, p.n_towns) for p in rows]


def problem_get(*, problem_id: str) -> RankedProblem:
    row = (
        CounterProblem.objects.select_related("municipality")
        .annotate(n_towns=Count("same_here", distinct=True))
        .filter(pk=problem_id)
        .first()
    )
    if row is None:
        raise NotFound(
            "cocreation.problem.unknown", ja="そのお困りごとは見つかりません。", en=f"No problem {problem_id!r}."
        )
    return RankedProblem(row, row.n_towns)


def problem_marked_by(*, problem: CounterProblem, lg_code: str | None) -> bool:
    return lg_code is not None and SameHere.objects.filter(problem=problem, municipality_id=lg_code).exists()


@dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Comment]


def comment_threads(*, idea: Idea) -> list[Thread]:
    """Top-level comments in order, each with its replies (one query). A hidden comment carries `hidden_reason`
    (empty otherwise): pages show the reason in its place."""
    comments = list(Comment.objects.filter(idea=idea).select_related("author", "municipality").order_by("pk"))
    hidden = dict(
        Hidden.objects.filter(kind="comment", ref__in=[str(c.pk) for c in comments]).values_list("ref", "reason")
    )
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        c.hidden_reason = hidden.get(str(c.pk), "")  # type: ignore[attr-defined]
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    return [Thread(c, replies.get(c.pk, [])) for c in comments if c.parent_id is None]


def attachment_list(*, idea: Idea) -> list[Attachment]:
    return list(Attachment.objects.filter(idea=idea).order_by("created_at", "pk"))


def attachment_get(*, idea: Idea, number: int) -> Attachment:
    attachment = Attachment.objects.filter(idea=idea, pk=number).first()
    if attachment is None:
        raise NotFound("cocreation.attachment.unknown", ja="そのファイルは見つかりません。", en="No such file.")
    return attachment


# ----------------------------------------------------------------------------------------------- search


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    title: Segments
    snippet: Segments


def query_terms(q: str) -> list[str]:
    """The query's terms: white space (ASCII or ideographic) separates them; control characters are dropped; at most
    MAX_QUERY characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in q)
    return " ".join(printable.split())[:MAX_QUERY].split()


def search(*, q: str, limit: int = 20) -> list[Hit]:
    terms = query_terms(q)
    if not terms:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    vendor = connection.vendor
    if min(len(t) for t in terms) < MIN_TRIGRAM or vendor not in {"sqlite", "postgresql"}:
        rows = _substring(terms, limit)
    elif vendor == "sqlite":
        rows = _fts5(terms, limit)
    else:
        rows = _trigram(terms, limit)
    return [
        Hit(kind=e.kind, ref=e.ref, title=highlight(e.title, terms), snippet=highlight(_snippet(e.body, terms), terms))
        for e in rows
    ]


def _matching(terms: list[str]) -> QuerySet[SearchEntry]:
    return SearchEntry.objects.filter(reduce(and_, [Q(title__icontains=t) | Q(body__icontains=t) for t in terms]))


def _substring(terms: list[str], limit: int) -> list[SearchEntry]:
    rows = list(_matching(terms)[:500])  # a short query scans; the ranking is done on a bounded set

    def score(e: SearchEntry) -> int:
        text = f"{e.title} {e.title} {e.body}".casefold()  # a title match counts twice
        return sum(text.count(t.casefold()) for t in terms)

    return sorted(rows, key=lambda e: (-score(e), e.pk))[:limit]


def _fts5(terms: list[str], limit: int) -> list[SearchEntry]:
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM cocreation_search_fts WHERE cocreation_search_fts MATCH %s "
            "ORDER BY bm25(cocreation_search_fts, 2.0, 1.0) LIMIT %s",
            [match, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = SearchEntry.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


def _trigram(terms: list[str], limit: int) -> list[SearchEntry]:
    """Every term must appear in the title or body (the GIN trigram index serves rare terms). A term without upper
    and lower case (kana, kanji: most Japanese) is matched with LIKE, which scans about six times faster than
    ILIKE on PostgreSQL; others with ILIKE. Ranked by how many terms the title holds, then the title's trigram
    similarity to the query: scoring the whole body of every match took 0.4 s for a common word among 20,000 entries
    (bench/cocreation_search.py)."""
    ops = ["LIKE" if t.lower() == t.upper() else "ILIKE" for t in terms]
    where = " AND ".join(f"(title || ' ' || body) {op} %s" for op in ops)
    in_title = " + ".join(f"(title {op} %s)::int" for op in ops)
    like = ["%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in terms]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM cocreation_searchentry WHERE {where} "  # noqa: S608 - placeholders and LIKE/ILIKE only
            f"ORDER BY {in_title} DESC, similarity(title, %s) DESC, id LIMIT %s",
            [*like, *like, " ".join(terms), limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = SearchEntry.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


def _snippet(body: str, terms: list[str]) -> str:
    """About SNIPPET characters of the body around its first match (the start when none)."""
    folded = body.casefold()
    positions = [p for t in terms if (p := folded.find(t.casefold())) >= 0]
    start = max(0, min(positions) - SNIPPET // 4) if positions else 0
    piece = body[start : start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(body) else "")


def highlight(text: str, terms: list[str]) -> Segments:
    """`text` cut into (piece, matched) segments where any term occurs (case-insensitive)."""
    pattern = re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)), re.IGNORECASE)
    segments: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(text):
        if m.start() > last:
            segments.append((text[last : m.start()], False))
        segments.append((m.group(0), True))
        last = m.end()
    if last < len(text):
        segments.append((text[last:], False))
    return tuple(segments)


# The other parts, re-exported so that callers import every selector from here.
from hiroba.cocreation.selectors.moderation import post_hidden, report_queue  # noqa: E402
from hiroba.cocreation.selectors.notify import (  # noqa: E402
    follow_list,
    follows,
    notification_digest,
    notification_list,
    notification_unread,
)
from hiroba.cocreation.selectors.requests import (  # noqa: E402
    agency_inbox,
    request_of,
    request_tracker,
    request_updates,
)

__all__ = [
    "agency_inbox",
    "attachment_get",
    "attachment_list",
    "comment_of",
    "comment_threads",
    "follow_list",
    "follows",
    "highlight",
    "idea_get",
    "idea_support_counts",
    "idea_supported_by",
    "ideas_ranked",
    "not_hidden",
    "notification_digest",
    "notification_list",
    "notification_unread",
    "post_hidden",
    "problem_get",
    "problem_marked_by",
    "problems_ranked",
    "query_terms",
    "report_queue",
    "request_of",
    "request_tracker",
    "request_updates",
    "search",
    "space_get",
    "space_list",
    "staff_required",
]
