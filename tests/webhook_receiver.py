"""A webhook receiver for the tests, which checks each signature with the procedure docs/admin.md
gives (its Python example, run as it is written there)."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from competence.domain import webhooks as rules
from tests.conftest import ROOT


def documented_verify() -> Callable[..., bool]:
    """The ``verify`` function of docs/admin.md's example, as a receiver would copy it."""
    guide = (ROOT / "docs" / "admin.md").read_text("utf-8")
    section = guide.split("### Checking a signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "docs/admin.md has no Python example of checking a signature"
    scope: dict[str, Any] = {}
    exec(code.group(1), scope)
    verify = scope["verify"]
    assert callable(verify)
    return verify  # type: ignore[no-any-return]


@dataclass
class Received:
    event: str
    body: dict[str, Any]
    valid: bool
    headers: dict[str, str]


@dataclass
class Receiver:
    url: str
    secret: str = ""
    answers: list[int] = field(default_factory=list)
    """The status codes to answer, in turn (then 200)."""
    delay: float = 0.0
    seen: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def events(self) -> list[str]:
        return [r.event for r in self.seen]


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 in a thread of its own, checking each signature as docs/admin.md
    says; stopped at the end."""
    verify = documented_verify()
    state: dict[str, Receiver] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            me = state["receiver"]
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if me.delay:
                time.sleep(me.delay)
            me.seen.append(
                Received(
                    self.headers[rules.EVENT_HEADER],
                    json.loads(raw),
                    verify(me.secret, self.headers[rules.SIGNATURE_HEADER], raw),
                    {k.lower(): v for k, v in self.headers.items()},
                )
            )
            code = me.answers.pop(0) if me.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            me.arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["receiver"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook")
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
