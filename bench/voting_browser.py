"""Ballot encryption in the browser (issue 7, the booth): hiroba/voting/static/voting/belenios.js in headless Chromium.

The issue's shape: 2 questions, 6 answers in all (choose 1 of 3, and 1 or 2 of 3), in BELENIOS-2048, RFC-3526-2048
and Ed25519. For each group a fresh page (Debian's Chromium with the test suite's launcher options) times
`ballotCreate` as the booth calls it, including the credential's PBKDF2 and the signature:
  first    the first ballot of the page: the fixed-base tables for g and the election key are built then;
  median / p90 over RUNS ballots after a warm-up ballot (tables built, JIT warm);
  phone    the median again with Chromium's CPU slowed down 4x (DevTools' "mid-tier mobile" throttling).
Every ballot timed is then checked by Hiroba's verifier (signature and proofs), so a fast but wrong ballot fails
the benchmark. No Django: the two static files are served from a temporary directory by Python's http.server.

`python -m bench.voting_browser`. HIROBA_BENCH_BROWSER_RUNS (default 10) sets the number of timed ballots.
"""

from __future__ import annotations

import functools
import math
import os
import platform
import shutil
import statistics
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conftest import CHROMIUM, CHROMIUM_ARGS  # the test suite's launcher of Debian's Chromium
from hiroba.voting.crypto.credentials import credential_generate
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.formats.archive import json_dumps, json_loads
from hiroba.voting.formats.structures import parse_election
from hiroba.voting.verifier.ballots import BallotContext, check_ballots_inline

RUNS = int(os.environ.get("HIROBA_BENCH_BROWSER_RUNS", "10"))
THROTTLE = 4
GROUPS = ["BELENIOS-2048", "RFC-3526-2048", "Ed25519"]
QUESTIONS = [
    {"answers": ["Park", "Library", "Pool"], "min": 1, "max": 1, "question": "Which project first?"},
    {"answers": ["Mon", "Wed", "Fri"], "min": 1, "max": 2, "question": "Which days (one or two)?"},
]
PLAINTEXTS = [[0, 1, 0], [1, 0, 1]]
UUID = "HirobaBenchBooth1"

ROOT = Path(__file__).resolve().parent.parent
STATIC = {
    "voting/belenios.js": ROOT / "hiroba/voting/static/voting/belenios.js",
    "vendor/noble-curves/ed25519.js": ROOT / "hiroba/core/static/vendor/noble-curves/ed25519.js",
}

TIME_BALLOTS = """async ([election, credential, plaintexts, runs]) => {
  const times = [];
  const ballots = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    const made = await window.belenios.ballotCreate(election, credential, plaintexts);
    times.push(performance.now() - began);
    ballots.push(made.ballot);
  }
  return {times, ballots};
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def _static_server() -> Iterator[str]:
    """The two static files under /static/, as Django serves them, and an empty page at /."""
    with tempfile.TemporaryDirectory(prefix="hiroba-bench-booth-") as tmp:
        for name, source in STATIC.items():
            target = Path(tmp) / "static" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        (Path(tmp) / "index.html").write_text("<!doctype html><title>booth bench</title>\n")
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=tmp))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def _election(group_name: str) -> tuple[str, BallotContext]:
    """An election.json with one trustee's key, and what the verifier needs to check its ballots."""
    group = group_by_name(group_name)
    public_key = group.to_str(group.g_pow(group.random_scalar()))
    document = {
        "version": 1, "description": "bench", "name": "bench", "group": group_name,
        "public_key": public_key, "questions": QUESTIONS, "uuid": UUID,
    }  # fmt: skip
    raw = json_dumps(document)
    election = parse_election(raw, json_loads(raw))
    context = BallotContext(
        group=group_name, public_key=public_key, uuid=UUID, fingerprint=election.fingerprint,
        questions=election.questions,
    )  # fmt: skip
    return raw.decode(), context


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _measure(browser: Any, url: str, group_name: str) -> dict[str, float]:
    election, context = _election(group_name)
    credential = credential_generate()
    page = browser.new_context().new_page()
    page.set_default_timeout(300_000)
    page.goto(url + "/")
    page.evaluate("async () => { window.belenios = await import('/static/voting/belenios.js'); }")
    args = [election, credential, PLAINTEXTS]
    first = page.evaluate(TIME_BALLOTS, [*args, 1])
    page.evaluate(TIME_BALLOTS, [*args, 1])  # warm-up
    timed = page.evaluate(TIME_BALLOTS, [*args, RUNS])
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    slow = page.evaluate(TIME_BALLOTS, [*args, max(3, RUNS // 2)])
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.context.close()
    ballots = first["ballots"] + timed["ballots"] + slow["ballots"]
    outcomes = check_ballots_inline(context, [(i, b.encode()) for i, b in enumerate(ballots)])
    bad = [o.error for o in outcomes if o.error is not None]
    if bad:
        raise SystemExit(f"{group_name}: the browser made {len(bad)} invalid ballot(s): {bad[0]}")
    return {
        "first": first["times"][0],
        "median": statistics.median(timed["times"]),
        "p90": _p90(timed["times"]),
        "phone": statistics.median(slow["times"]),
    }


def main() -> None:
    if not shutil.which(CHROMIUM):
        print(f"ballot encryption in the browser: skipped, no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright

    with _static_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        version = browser.version
        figures = {name: _measure(browser, url, name) for name in GROUPS}
        browser.close()
    print(
        f"ballot encryption in the browser (belenios.js; 2 questions, 6 answers): headless Chromium {version}, "
        f"{platform.machine()}, {os.cpu_count()} cores"
    )
    print(f"  {'group':<14} {'first ballot':>12} {f'median of {RUNS}':>12} {'p90':>8} {f'median, CPU/{THROTTLE}':>15}")
    for name, f in figures.items():
        print(f"  {name:<14} {f['first']:>9.0f} ms {f['median']:>9.0f} ms {f['p90']:>5.0f} ms {f['phone']:>12.0f} ms")
    print(
        "  first ballot: fixed-base tables built; median and p90 after a warm-up; every ballot checked by "
        f"Hiroba's verifier; at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


if __name__ == "__main__":
    main()
