"""The public pages and the agency's platform page, through the Django test client."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client

from hiroba.demo import MUNICIPALITIES
from hiroba.tenancy import lgcode
from hiroba.tenancy.models import CurrencyArea, Municipality

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PUBLIC_PAGES = ["/", "/m/202177/", "/a/saku/", "/staff/login/", "/no-such-page/"]
H1 = "Hiroba: services shared by municipalities"
SKIP_LINK = "Skip to main content"


def _translation(locale_dir: str, msgid: str) -> str:
    entry = polib.pofile(str(LOCALE / locale_dir / "LC_MESSAGES" / "django.po")).find(msgid)
    assert entry is not None, f"{msgid!r} is missing from {locale_dir}"
    assert entry.msgstr, f"{msgid!r} is not translated in {locale_dir}: run scripts/compile_messages.py"
    return str(entry.msgstr)


def _text(response: Any) -> str:
    return str(html.unescape(response.content.decode("utf-8")))


def _h1(response: Any) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", _text(response), re.DOTALL)
    assert match, "page has no h1"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _html_lang(response: Any) -> str:
    match = re.search(r"<html lang=\"([^\"]*)\"", response.content.decode())
    assert match
    return match.group(1)


def _assert_in_layout(response: Any) -> None:
    page = response.content.decode()
    assert 'class="skip-link"' in page
    assert 'class="site-header"' in page
    assert 'id="main"' in page


# ---------------------------------------------------------------- directory pages


def test_top_page_lists_all_seven_municipalities(client: Client, demo: Any) -> None:
    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    page = _text(response)
    for code, name, _kana, _en, _prefix in MUNICIPALITIES:
        assert name in page
        assert f"/m/{code}/" in page
    assert "佐久地域" in page


def test_municipality_page_shows_the_town_and_its_currency_area(client: Client, demo: Any) -> None:
    # when
    response = client.get("/m/202177/")

    # then
    assert response.status_code == 200
    assert _h1(response) == "佐久市"
    page = _text(response)
    assert "さくし" in page
    assert "佐久地域" in page
    assert 'href="/a/saku/"' in page
    assert "佐久地域コイン(見本)" in page


def test_area_page_lists_its_member_towns(client: Client, demo: Any) -> None:
    # when
    response = client.get("/a/saku/")

    # then
    assert response.status_code == 200
    assert _h1(response) == "佐久地域"
    page = _text(response)
    for name in ["佐久市", "小諸市", "御代田町", "立科町"]:
        assert name in page
    assert "さいたま市" not in page


def test_code_with_a_wrong_check_digit_is_refused_in_both_languages(client: Client, demo: Any) -> None:
    # given
    assert lgcode.complete("20217") == "202177"

    # when
    response = client.get("/m/202178/")

    # then
    assert response.status_code == 422
    _assert_in_layout(response)
    page = _text(response)
    assert "tenancy.lg_code.check_digit" in page
    assert "地方公共団体コードの検査数字(6桁目)が正しくありません。" in page
    assert "The check digit (6th digit) of the local government code is wrong." in page


def test_code_outside_the_prefectures_is_refused_with_a_clear_code(client: Client, demo: Any) -> None:
    # when
    response = client.get("/m/999999/")

    # then
    assert response.status_code in {404, 422}
    _assert_in_layout(response)
    page = _text(response)
    assert "tenancy.lg_code.prefecture" in page
    assert "The first two digits are not a prefecture code (01-47)." in page


def test_valid_but_unregistered_code_is_not_found(client: Client, demo: Any) -> None:
    # given Chiyoda, Tokyo: a real code that has not joined Hiroba
    chiyoda = lgcode.complete("13101")
    assert not Municipality.objects.filter(lg_code=chiyoda).exists()

    # when
    response = client.get(f"/m/{chiyoda}/")

    # then
    assert response.status_code == 404
    _assert_in_layout(response)
    page = _text(response)
    assert "tenancy.municipality.unknown" in page
    assert chiyoda in page


def test_unknown_area_is_not_found(client: Client, demo: Any) -> None:
    # when
    response = client.get("/a/nowhere/")

    # then
    assert response.status_code == 404
    _assert_in_layout(response)
    page = _text(response)
    assert "tenancy.area.unknown" in page
    assert "地域通貨圏「nowhere」はありません。" in page


def test_unknown_url_is_not_found_in_the_site_layout(client: Client, db: None) -> None:
    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    _assert_in_layout(response)
    page = _text(response)
    assert "ページが見つかりません。" in page
    assert "Page not found." in page
    assert "Traceback" not in page


# ---------------------------------------------------------------- languages


def test_accept_language_en_gives_english(client: Client, demo: Any) -> None:
    # when
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})

    # then
    assert _html_lang(response) == "en"
    assert _h1(response) == H1
    page = _text(response)
    assert "Saku City" in page
    assert SKIP_LINK in page


def test_accept_language_ja_gives_japanese(client: Client, demo: Any) -> None:
    # when
    response = client.get("/", headers={"accept-language": "ja-JP,ja;q=0.9"})

    # then
    assert _html_lang(response) == "ja"
    assert _h1(response) == _translation("ja", H1)
    page = _text(response)
    assert _translation("ja", SKIP_LINK) in page
    assert "佐久市" in page
    assert "Saku City" not in page


def test_language_cookie_gives_easy_japanese(client: Client, demo: Any) -> None:
    # given
    client.cookies["hiroba_language"] = "ja-x-easy"

    # when
    response = client.get("/", headers={"accept-language": "en"})

    # then the cookie wins over the browser's language
    assert _html_lang(response) == "ja-x-easy"
    assert _h1(response) == _translation("ja_X-easy", H1)
    assert _translation("ja_X-easy", SKIP_LINK) in _text(response)
    assert _translation("ja_X-easy", H1) != _translation("ja", H1)


def test_language_form_sets_the_cookie_and_returns_to_the_page(client: Client, demo: Any) -> None:
    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/m/202177/"})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/m/202177/"
    assert client.cookies["hiroba_language"].value == "en"
    assert _h1(client.get("/m/202177/")) == "Saku City"


# ---------------------------------------------------------------- security headers and origins


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_carry_a_self_only_content_security_policy(client: Client, demo: Any, path: str) -> None:
    # when
    response = client.get(path)

    # then
    policy = response.headers["Content-Security-Policy"]
    directives = {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for name, sources in directives.items():
        for source in sources:
            allowed = {"'self'", "'none'"} | ({"data:"} if name == "img-src" else set())
            assert source in allowed or source.startswith("'nonce-"), f"{name} allows {source}"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_link_nothing_from_another_origin(client: Client, demo: Any, path: str) -> None:
    # when
    page = client.get(path).content.decode()

    # then
    external = re.findall(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)""", page, re.I)
    assert external == []
    assert "@import" not in page


def test_browsers_find_an_icon_without_a_404(client: Client, db: None) -> None:
    # when
    page = client.get("/").content.decode()

    # then the page names its icon (a data: URL is allowed by img-src), or /favicon.ico exists
    declares_icon = re.search(r"<link[^>]+rel=\"(?:shortcut )?icon\"", page) is not None
    assert declares_icon or client.get("/favicon.ico").status_code == 200


# ---------------------------------------------------------------- the agency's platform page


def _platform_post(client: Client, form: str, **fields: str) -> Any:
    return client.post("/staff/platform/", {"form": form, **{f"{form}-{k}": v for k, v in fields.items()}})


def test_platform_refuses_a_municipality_with_a_bad_check_digit(login: Any, demo: Any) -> None:
    # given
    client = login("agency")
    nagano = lgcode.complete("20201")
    wrong = nagano[:5] + str((int(nagano[5]) + 1) % 10)
    before = Municipality.objects.count()

    # when
    response = _platform_post(
        client, "municipality", lg_code=wrong, name="長野市", name_kana="ながのし", name_en="Nagano City"
    )

    # then
    assert response.status_code == 422
    page = _text(response)
    assert "地方公共団体コードの検査数字(6桁目)が正しくありません。" in page
    assert "The check digit (6th digit) of the local government code is wrong." in page
    assert Municipality.objects.count() == before
    assert not Municipality.objects.filter(lg_code=wrong).exists()


def test_platform_registers_a_municipality_with_a_valid_code(login: Any, demo: Any) -> None:
    # given
    client = login("agency")
    nagano = lgcode.complete("20201")

    # when
    response = _platform_post(
        client, "municipality", lg_code=nagano, name="長野市", name_kana="ながのし", name_en="Nagano City"
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/staff/platform/"
    assert Municipality.objects.get(lg_code=nagano).name == "長野市"
    assert "長野市" in _text(client.get("/"))
    assert _h1(client.get(f"/m/{nagano}/")) == "長野市"


def test_platform_refuses_to_put_a_town_in_a_second_currency_area(login: Any, demo: Any) -> None:
    # given a second area, created through the form, that Saitama joins
    client = login("agency")
    created = _platform_post(client, "area", slug="kanto", name="関東地域", name_en="Kanto", currency_name="関東コイン")
    assert created.status_code == 302
    joined = _platform_post(client, "member", area="kanto", lg_code="111007")
    assert joined.status_code == 302
    assert Municipality.objects.get(lg_code="111007").currency_area_id == CurrencyArea.objects.get(slug="kanto").pk

    # when
    response = _platform_post(client, "member", area="saku", lg_code="111007")

    # then
    assert response.status_code == 409
    page = _text(response)
    assert "tenancy.municipality.in_other_area" in page
    assert "この自治体はすでに地域通貨圏「kanto」に参加しています。" in page
    assert "This municipality already belongs to the currency area 'kanto'" in page
    assert Municipality.objects.get(lg_code="111007").currency_area_id == CurrencyArea.objects.get(slug="kanto").pk
    saku = CurrencyArea.objects.get(slug="saku")
    assert sorted(saku.municipalities.values_list("lg_code", flat=True)) == ["202088", "202177", "203238", "203246"]


def test_platform_page_is_for_the_agency_only(login: Any, demo: Any) -> None:
    # given
    client = login("saku-admin")

    # when
    response = _platform_post(client, "area", slug="rogue", name="x", name_en="x", currency_name="x")

    # then
    assert response.status_code == 403
    assert "tenancy.forbidden" in _text(response)
    assert not CurrencyArea.objects.filter(slug="rogue").exists()


# ---------------------------------------------------------------- text size and the accessibility policy


@pytest.mark.parametrize(
    ("posted", "size", "back_to"),
    [
        ({"size": "large", "next": "/m/202177/"}, "large", "/m/202177/"),
        ({"size": "huge", "next": "/m/202177/"}, "standard", "/m/202177/"),  # unknown size: the standard one
        ({"size": "largest", "next": "https://evil.example/"}, "largest", "/"),  # never back to another site
    ],
    ids=["large", "unknown-size", "foreign-next"],
)
def test_text_size_is_remembered_and_leads_back_to_the_same_site(
    client: Client, demo: Any, posted: dict[str, str], size: str, back_to: str
) -> None:
    # when
    response = client.post("/text-size/", posted)

    # then
    assert response.status_code == 302
    assert response["Location"] == back_to
    cookie = response.cookies["hiroba_text_size"]
    assert cookie.value == size
    assert cookie["httponly"]
    page = client.get("/m/202177/").content.decode()
    assert ('<html lang="ja" class="text-' + size + '">' in page) is (size != "standard")


def test_text_size_is_changed_by_post_only(client: Client) -> None:
    assert client.get("/text-size/?size=large").status_code == 405


def test_accessibility_policy_is_public_and_linked_from_every_page(client: Client, demo: Any) -> None:
    # when
    policy = client.get("/accessibility/")
    top = client.get("/")

    # then
    assert policy.status_code == 200
    assert "JIS X 8341-3:2016" in _text(policy)
    assert 'href="/accessibility/"' in _text(top)
    assert 'action="/text-size/"' in _text(top)


def test_a_refused_staff_form_lists_each_problem_in_an_error_summary_linked_to_its_field(login: Any, demo: Any) -> None:
    # given
    client = login("agency")

    # when a municipality is registered without a name
    response = _platform_post(client, "municipality", lg_code=lgcode.complete("20201"), name="", name_kana="x")

    # then the summary at the top names the field and links to it, and the field points at its message
    page = _text(response)
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert 'role="alert"' in page[page.index("<div", page.index("</h1>")) :][:200]
    assert 'href="#id_municipality-name"' in summary
    assert 'href="#id_municipality-name_en"' in summary
    field = re.search(r'<input[^>]*name="municipality-name"[^>]*>', page)
    assert field
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="id_municipality-name_error"' in field.group(0)
    assert 'id="id_municipality-name_error"' in page
