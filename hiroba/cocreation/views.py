"""Co-creation pages (staff of municipalities and the agency). Thin: selectors read, services write."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hiroba.cocreation import selectors
from hiroba.core.audit import Actor


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    selectors.staff_required(actor=Actor.from_request(request))
    q = request.GET.get("q", "")
    terms = selectors.query_terms(q)
    hits = selectors.search(q=q) if terms else []
    return render(request, "cocreation/search.html", {"q": q, "hits": hits, "searched": bool(terms)})
