"""competence: assess PMO officers and specialists against the APM Competence Framework.

The Python API returns the same plain data as the command's ``--json``; see docs/python-api.md.
"""

__version__ = "0.1.0"

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
