"""Co-creation search (issue 8): Japanese full-text search through its trigram index beside a scan without one.

Figures, on a fresh SQLite file in a temporary directory and on PostgreSQL when one answers on 127.0.0.1:5432 (a
throw-away database, hiroba_bench_search, dropped afterwards):
  insert    N search entries (default 20,000) of generated Japanese counter text, written with `bulk_create` in one
            transaction: entries/s. On SQLite the migration's triggers fill the FTS5 trigram table in the same
            statements (its document count must equal N); on PostgreSQL the GIN trigram index is kept up to date.
  search    median and 95th-percentile latency of `hiroba.cocreation.selectors.search(q=…)` (limit 20, hits
            highlighted, as the page and the API call it), up to QUERIES queries of each kind: one term of three
            characters or more (the index), two such terms, a rare term (in one entry of 2,000), and a term of two
            characters (窓口: no trigram, so search takes its substring path);
  baseline  the same 3+-character queries through that substring path (`_substring`: icontains over title or body,
            at most 500 candidates ranked in Python by occurrences; same limit and highlighting), which is what
            search does without the index. The ratio is the baseline's median over the index's.
  plans     on PostgreSQL, the database's lc_ctype, how many trigrams pg_trgm makes of a term (only of what the
            locale calls letters), and whether the plans of a common and of the rare term use the trigram index.
Each kind of query stops early once it has run BUDGET seconds (and at least MIN_QUERIES queries), so that a slow
backend keeps the whole run near two minutes at N = 20,000 on 2 cores; the number of queries run is printed.

`python -m bench.cocreation_search`; part of `make bench`. HIROBA_BENCH_SEARCH_N (default 20000) sets N.
"""

from __future__ import annotations

import itertools
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.pg import throwaway_database

if TYPE_CHECKING:
    from hiroba.cocreation.selectors import Hit

DB_NAME = "hiroba_bench_search"
N = int(os.environ.get("HIROBA_BENCH_SEARCH_N", "20000"))
LIMIT = 20  # search()'s default, what the page and the API ask for
QUERIES = 200  # per kind of query, at most
MIN_QUERIES = 20
BUDGET = 5.0  # seconds per kind of query, after which it stops once it has MIN_QUERIES
RARE_EVERY = 2000  # one entry in RARE_EVERY mentions RARE

# Words of a municipal counter, the most frequent first: they are drawn with Zipf-like weights (1/rank).
WORDS = (
    "窓口", "申請書", "予約", "マイナンバーカード", "転入届", "住民票", "待ち時間", "職員", "本人確認", "受付",
    "暗証番号", "電子証明書", "代理人", "高齢者", "委任状", "手数料", "転出届", "印鑑登録", "健康ポイント",
    "地域通貨", "番号札", "オンライン申請", "コンビニ交付", "戸籍謄本", "国民健康保険", "児童手当", "子育て支援",
    "住所変更", "繁忙期", "郵送", "来庁者", "混雑状況", "案内表示", "記入例", "介護保険", "保育園", "外国人住民",
    "通訳", "障害者手帳", "臨時窓口", "土日開庁", "署名用", "利用者証明用", "再発行", "有効期限", "更新手続き",
    "市民課", "税務課", "福祉課", "健診", "ポイント付与", "加盟店", "チャージ", "スマートフォン", "操作方法",
    "説明資料", "電話予約", "引っ越し", "証明書交付", "庁舎",
)  # fmt: skip
CUMULATIVE = tuple(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))
# Everyday words of the counter, drawn uniformly around them (no query term is in this list or made of it).
GENERIC = (
    "手続き", "説明", "確認", "対応", "案内", "相談", "書類", "時間", "方法", "内容", "担当者", "住民", "市役所",
    "利用", "改善", "検討", "必要書類", "画面", "入力", "発行", "提出", "記入", "家族", "平日", "午前中", "混雑",
    "問い合わせ", "掲示", "手順", "控え",
)  # fmt: skip
PARTICLES = ("の", "を", "が", "に", "で", "と", "は", "へ", "や", "から", "まで", "について", "による", "に関する")
TITLE_LINKS = (
    "の", "と", "における", "について", "を改善したい", "の課題", "に関する", "で", "の手順", "が分かりにくい",
)  # fmt: skip
ENDINGS = (
    "します。", "できません。", "が必要です。", "を確認しました。", "に時間がかかります。", "がわかりにくいです。",
    "を改善したいです。", "について相談がありました。", "を見直します。", "を案内しています。", "が増えています。",
    "を求められました。", "の説明が足りません。", "を試しています。",
)  # fmt: skip
RARE = "点字ブロック"  # never produced by the generator: only the entries that are given it contain it

# The queries, in turn. Terms of three characters or more, so that search uses the index.
ONE_TERM = ("転入届", "暗証番号", "マイナンバーカード", "健康ポイント", "地域通貨", "代理人", "高齢者", "待ち時間",
            "電子証明書", "申請書")  # fmt: skip
TWO_TERMS = ("暗証番号 代理人", "転入届 待ち時間", "マイナンバーカード 電子証明書", "健康ポイント 高齢者",
             "地域通貨 加盟店", "申請書 委任状")  # fmt: skip
SHORT = ("窓口",)  # two characters: no trigram, the substring path


def _word(rng: random.Random) -> str:
    return rng.choices(WORDS, cum_weights=CUMULATIVE)[0]


def _title_piece(rng: random.Random) -> str:
    return _word(rng) + rng.choice(TITLE_LINKS)


def _sentence(rng: random.Random) -> str:
    generic, particles = rng.choice(GENERIC), rng.choices(PARTICLES, k=2)
    return f"{generic}{particles[0]}{_word(rng)}{particles[1]}{rng.choice(GENERIC)}{rng.choice(ENDINGS)}"


def _fill(rng: random.Random, low: int, high: int, piece: Callable[[random.Random], str]) -> str:
    """Pieces until a length drawn in [low, high] is reached, cut at `high` characters."""
    target = rng.randint(low, high)
    text = ""
    while len(text) < target:
        text += piece(rng)
    return text[:high]


def _texts(n: int) -> list[tuple[str, str]]:
    """n (title, body) pairs: titles of 15-40 characters, bodies of 100-400; every RARE_EVERY-th body mentions RARE."""
    rng = random.Random(8)  # noqa: S311 (a reproducible workload)
    texts = []
    for i in range(n):
        title, body = _fill(rng, 15, 40, _title_piece), _fill(rng, 100, 400, _sentence)
        if i % RARE_EVERY == 0:
            body = f"{RARE}の{_word(rng)}{rng.choice(ENDINGS)}{body}"[:400]
        texts.append((title, body))
    return texts


def _latencies(fn: Callable[[str], list[Hit]], queries: Sequence[str]) -> list[float]:
    for q in queries[:3]:  # warm-up: the first queries read the table into the cache
        fn(q)
    times: list[float] = []
    deadline = time.perf_counter() + BUDGET
    for q in itertools.islice(itertools.cycle(queries), QUERIES):
        began = time.perf_counter()
        if not fn(q):
            raise SystemExit(f"no hit for {q!r}")
        times.append(time.perf_counter() - began)
        if len(times) >= MIN_QUERIES and time.perf_counter() > deadline:
            break
    return times


def _ms(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    return statistics.median(times) * 1000, statistics.quantiles(times, n=20, method="inclusive")[18] * 1000


def _insert(vendor: str) -> None:
    """N entries in one bulk_create transaction (the text is generated beforehand, untimed); the index checked."""
    from django.db import connection, transaction

    from hiroba.cocreation.models import SearchEntry, SearchKind

    kinds = SearchKind.values
    entries = [
        SearchEntry(kind=kinds[i % len(kinds)], ref=f"bench-{i}", title=title, body=body)
        for i, (title, body) in enumerate(_texts(N))
    ]
    began = time.perf_counter()
    with transaction.atomic():
        SearchEntry.objects.bulk_create(entries, batch_size=1000)
    inserted = time.perf_counter() - began
    with connection.cursor() as cursor:
        if vendor == "sqlite":  # one docsize row per document the FTS5 index holds (a plain count reads the content)
            cursor.execute("SELECT count(*) FROM cocreation_search_fts_docsize")
            documents = cursor.fetchone()[0]
            if documents != N:
                raise SystemExit(f"the triggers did not fill the FTS table: {documents:,} documents, not {N:,}")
            indexed = f"the FTS5 table holds {documents:,} documents"
        else:
            cursor.execute("ANALYZE cocreation_searchentry")  # what autovacuum does after a bulk load
            indexed = "GIN trigram index; ANALYZE run"
    print(
        f"{vendor:<10} insert {N:,} entries (bulk_create, one transaction): {N / inserted:8,.0f} entries/s "
        f"({inserted:.1f} s; {indexed})"
    )


def _indexed(q: str) -> list[Hit]:
    from hiroba.cocreation.selectors import search

    return search(q=q, limit=LIMIT)


def _scan(q: str) -> list[Hit]:
    """What search() returns without the index: its substring path for every query, with the same highlighting."""
    from hiroba.cocreation.selectors import Hit, _snippet, _substring, highlight, query_terms

    terms = query_terms(q)
    return [
        Hit(kind=e.kind, ref=e.ref, title=highlight(e.title, terms), snippet=highlight(_snippet(e.body, terms), terms))
        for e in _substring(terms, LIMIT)
    ]


def _matches(queries: Sequence[str]) -> int:
    """How many entries one of these queries matches, on average (not timed)."""
    from hiroba.cocreation.selectors import _matching, query_terms

    return round(statistics.mean(_matching(query_terms(q)).count() for q in queries))


def _searches(vendor: str) -> None:
    from hiroba.cocreation.selectors import _matching

    rare = {e.ref for e in _matching([RARE])}
    if {h.ref for h in _indexed(RARE)} != rare or {h.ref for h in _scan(RARE)} != rare:
        raise SystemExit(f"the index and the scan disagree on {RARE}, which {len(rare)} entries contain")
    figures = (
        ("one term of 3+ chars", ONE_TERM, f"{ONE_TERM[0]} and {len(ONE_TERM) - 1} others"),
        ("two terms of 3+ chars", TWO_TERMS, f"{TWO_TERMS[0]} and {len(TWO_TERMS) - 1} others"),
        ("a rare term", (RARE,), RARE),
    )
    for label, queries, shown in figures:
        index_times, scan_times = _latencies(_indexed, queries), _latencies(_scan, queries)
        (median, p95), (scan_median, scan_p95) = _ms(index_times), _ms(scan_times)
        print(
            f"{vendor:<10} search, {label + ':':<22} {median:7.2f} ms median, {p95:7.2f} ms p95 "
            f"({len(index_times)} queries: {shown}; {_matches(queries):,} of {N:,} entries match)"
        )
        print(
            f"{vendor:<10}     substring scan (baseline): {scan_median:7.2f} ms median, {scan_p95:7.2f} ms p95 "
            f"({len(scan_times)} queries); baseline/index = {scan_median / median:.2f}"
        )
    short_times = _latencies(_indexed, SHORT)
    median, p95 = _ms(short_times)
    print(
        f"{vendor:<10} search, {'a term of 2 chars:':<22} {median:7.2f} ms median, {p95:7.2f} ms p95 "
        f"({len(short_times)} queries: {SHORT[0]}; {_matches(SHORT):,} match; the substring path itself, no index)"
    )


def _postgresql_plans(vendor: str) -> None:
    """Whether the plans use the trigram index: pg_trgm makes trigrams only of what its locale calls letters."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lc_ctype'), coalesce(array_length(show_trgm(%s), 1), 0)", [ONE_TERM[0]])
        ctype, trigrams = cursor.fetchone()
    plans = []
    for q in (ONE_TERM[0], RARE):
        with CaptureQueriesContext(connection) as captured:
            _indexed(q)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(f"{q}: {'yes' if 'cocreation_search_trgm' in plan else 'no'}")
    print(
        f"{vendor:<10}     lc_ctype {ctype}, {trigrams} trigrams in {ONE_TERM[0]}; "
        f"the plan uses cocreation_search_trgm for {', '.join(plans)}"
    )


def _run(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    _insert(vendor)
    _searches(vendor)
    if vendor == "postgresql":
        _postgresql_plans(vendor)
    print(f"{vendor:<10}     {time.perf_counter() - began:.0f} s for this database, migrations and setup included")


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else None
    if target:
        _run(target)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    module = [sys.executable, "-m", "bench.cocreation_search"]
    with tempfile.TemporaryDirectory(prefix="hiroba-bench-search-") as tmp:
        subprocess.run([*module, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"], check=True)
    with throwaway_database(DB_NAME) as url:
        if url:
            subprocess.run([*module, url], check=True)
    print(f"           at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
