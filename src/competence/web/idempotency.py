"""The ``Idempotency-Key`` header on the API's imports and workflow steps
(:mod:`competence.services.idempotency` keeps the keys and their answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.errors import ValidationError

from competence.errors import InputError
from competence.services import idempotency

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"

PARAMETER: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "description": "Send the request again with the same key (a UUID, say) and the same "
            "body to get the answer it had, without it being done twice (for 24 hours, per "
            f"user; a replayed answer has `{REPLAYED}: true`). The same key with another "
            "request is refused (422).",
            "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
        }
    ]
}
"""The header in an operation's OpenAPI description (its ``openapi_extra``)."""


def _parts(request: HttpRequest) -> Iterator[bytes]:
    yield (request.method or "").encode()
    yield request.path.encode()
    yield request.META.get("QUERY_STRING", "").encode()
    if request.content_type == "multipart/form-data":  # the files as stored, never read whole
        for name, values in sorted(request.POST.lists()):
            yield name.encode()
            yield from (v.encode() for v in values)
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                yield name.encode()
                yield (upload.name or "").encode()
                yield from upload.chunks()
    else:
        yield request.body


def once(request: HttpRequest, do: Callable[[], Any], status: int = 200) -> Any:
    """``do()``, unless this user sent this request with this key before: then the answer it
    had (its status, type and body). Without the header, ``do()`` as it is. ``do()`` gives the
    data of a ``status`` answer, or a response of its own."""
    from competence.web.api import api

    raw = request.headers.get(HEADER)
    user_id = getattr(request.user, "pk", None)
    if raw is None or user_id is None:
        return do()
    try:
        key = idempotency.check_key(raw)
        request_digest = idempotency.digest(_parts(request))
        found = idempotency.stored(user_id, key, request_digest)
    except InputError as exc:
        raise ValidationError(
            [{"loc": ["header", HEADER], "msg": p} for p in exc.problems]
        ) from None
    if found is not None:
        replayed = HttpResponse(found.body, status=found.status, content_type=found.content_type)
        replayed[REPLAYED] = "true"
        return replayed
    answer = do()
    response = (
        answer
        if isinstance(answer, HttpResponse)
        else api.create_response(request, answer, status=status)
    )
    idempotency.keep(
        user_id,
        key,
        request_digest,
        idempotency.Answer(response.status_code, response["Content-Type"], response.content),
    )
    return response
