"""The check of a webhook signature that docs/admin.md gives a receiver, as written there."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

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
