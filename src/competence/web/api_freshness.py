"""Freshness in the API: the due and overdue list (the twin of the ``/due`` page).

Registered on :data:`competence.web.api.api`, whose error handlers answer for these routes too.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from competence.services import freshness
from competence.web.api import PageIn, paged

router: Router = Router(tags=["freshness"])


@router.get(
    "/due",
    summary="Who is due or overdue among the people you may see (assessors: their assessees; "
    "PMO leads: their PMOs' people; admins: everyone), why and since when, overdue first "
    "(paginated: `?page=N&page_size=M`)",
)
def get_due(request: HttpRequest, chosen: Query[PageIn]) -> dict[str, Any]:
    return paged(freshness.due_list(request.user), chosen)
