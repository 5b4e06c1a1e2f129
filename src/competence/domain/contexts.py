"""The PMO contexts (DESIGN.md §3), in a module of their own so that the command line can offer
them as choices without loading the framework's classes."""

from __future__ import annotations

CONTEXTS: tuple[str, ...] = ("project", "programme", "portfolio")
