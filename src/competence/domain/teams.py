"""Teams: a tree of departments and teams, each team in at most one PMO (its own, or the nearest
one above it). One definition of a team's subtree, its path and its PMO, for every caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

SEPARATOR = " / "


@dataclass(frozen=True)
class TeamNode:
    id: int
    name: str
    parent_id: int | None
    pmo_id: int | None = None


def split_path(text: str) -> tuple[str, ...]:
    """``"Department / Team"`` as its parts, each trimmed; ``()`` for an empty text."""
    return tuple(part.strip() for part in text.split("/")) if text.strip() else ()


def join_path(parts: Iterable[str]) -> str:
    return SEPARATOR.join(parts)


@dataclass(frozen=True)
class TeamTree:
    """Every team, with the questions asked of the tree answered from memory."""

    nodes: dict[int, TeamNode]
    _children: dict[int | None, list[int]] = field(init=False, repr=False, compare=False)
    _paths: dict[int, str] = field(init=False, repr=False, compare=False)

    @classmethod
    def of(cls, nodes: Iterable[TeamNode]) -> TeamTree:
        return cls({n.id: n for n in nodes})

    def __post_init__(self) -> None:
        children: dict[int | None, list[int]] = {}
        for node in self.nodes.values():
            children.setdefault(node.parent_id, []).append(node.id)
        object.__setattr__(self, "_children", children)
        object.__setattr__(self, "_paths", {})

    def ancestry(self, team_id: int) -> Iterator[TeamNode]:
        """The team, then its parent, and so on up to the top (a loop is an error)."""
        seen: set[int] = set()
        node: TeamNode | None = self.nodes[team_id]
        while node is not None:
            if node.id in seen:
                raise ValueError(f"team {team_id}: its parents form a loop")
            seen.add(node.id)
            yield node
            node = self.nodes.get(node.parent_id) if node.parent_id is not None else None

    def path(self, team_id: int) -> str:
        """``Department / Team``."""
        found = self._paths.get(team_id)
        if found is None:
            found = join_path(reversed([n.name for n in self.ancestry(team_id)]))
            self._paths[team_id] = found
        return found

    def paths(self) -> dict[int, str]:
        return {pk: self.path(pk) for pk in self.nodes}

    def find(self, text: str) -> int | None:
        """The team at a path such as ``Department / Team`` (parts trimmed), if any."""
        wanted = join_path(split_path(text))
        return next((pk for pk in self.nodes if self.path(pk) == wanted), None)

    def subtree(self, team_ids: Iterable[int]) -> set[int]:
        """The teams given and every team below them, at any depth."""
        found: set[int] = set()
        frontier = [pk for pk in team_ids if pk in self.nodes]
        while frontier:
            pk = frontier.pop()
            if pk in found:
                continue
            found.add(pk)
            frontier.extend(self._children.get(pk, ()))
        return found

    def moves_under_itself(self, team_id: int, parent_id: int | None) -> bool:
        """Whether putting the team under ``parent_id`` would make a loop: the parent is the
        team itself or a team below it."""
        return parent_id is not None and parent_id in self.subtree([team_id])

    def pmo_of(self, team_id: int) -> int | None:
        """The team's PMO: its own, else the nearest team above it that has one."""
        return next((n.pmo_id for n in self.ancestry(team_id) if n.pmo_id is not None), None)

    def in_pmos(self, pmo_ids: Iterable[int]) -> set[int]:
        """The teams whose PMO (see :meth:`pmo_of`) is one of these."""
        wanted = set(pmo_ids)
        if not wanted:
            return set()
        return {pk for pk in self.nodes if self.pmo_of(pk) in wanted}

    def above(self, team_ids: Iterable[int]) -> set[int]:
        """The teams given and every team above them."""
        return {n.id for pk in team_ids if pk in self.nodes for n in self.ancestry(pk)}
