"""competence: assess PMO officers and specialists against the APM Competence Framework.

The Python API returns the same plain data as the command's ``--json``; see docs/python-api.md.
Its names are loaded on first use (PEP 562), so that ``competence --help`` starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from competence.api import (
        framework,
        gap,
        gap_file,
        profile,
        profile_diff,
        profiles,
        write_template,
    )
    from competence.errors import InputError

_API = ("framework", "gap", "gap_file", "profile", "profile_diff", "profiles", "write_template")

__all__ = [
    "InputError",
    "__version__",
    "framework",
    "gap",
    "gap_file",
    "profile",
    "profile_diff",
    "profiles",
    "write_template",
]


def __getattr__(name: str) -> Any:
    if name in _API:
        from competence import api

        return getattr(api, name)
    if name == "InputError":
        from competence.errors import InputError

        return InputError
    raise AttributeError(f"module 'competence' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
