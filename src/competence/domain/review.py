"""The two-way review, per competence: how the assessor's rating differs from the self rating,
and the person's answer to it (they accept it, or reply)."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

Levels = tuple[int | None, int | None]
"""(knowledge, application); None is not rated."""

REPLY_LIMIT = 2000
"""The most characters of one reply."""


def difference(own: Levels | None, theirs: Levels | None) -> tuple[int | None, int | None]:
    """The assessor's rating minus the self rating, per axis (None where either is not rated)."""
    if own is None or theirs is None:
        return (None, None)
    k = None if own[0] is None or theirs[0] is None else theirs[0] - own[0]
    a = None if own[1] is None or theirs[1] is None else theirs[1] - own[1]
    return (k, a)


def differs(own: Levels | None, theirs: Levels | None) -> bool:
    """The assessor rated the competence other than the person did, on either axis (a rating
    given on one side and not on the other differs too)."""
    if theirs is None:
        return False
    return (own or (None, None)) != theirs


@dataclass(frozen=True)
class Answer:
    """The person's answer on one competence: accepted, or a reply (some text)."""

    accepted: bool
    reply: str = ""


ACCEPTED = Answer(True)


def answers(
    asked: Set[int],
    given: Mapping[int, Answer],
    names: Mapping[int, str],
    differing: Set[int] = frozenset(),
) -> dict[int, Answer]:
    """The person's answers on every competence the assessor rated (``asked``): those given,
    and the rest accepted. Where the assessor rated it differently (``differing``), the person
    answers it explicitly. Raises ValueError listing every problem: a competence that differs
    and has no answer, an answer on a competence the assessor did not rate, a reply with no
    text, or one longer than :data:`REPLY_LIMIT`."""
    problems = [
        f"{names.get(n, str(n))}: your assessor rated it differently: accept their rating or reply"
        for n in sorted((differing & asked) - set(given))
    ]
    for number, answer in sorted(given.items()):
        name = names.get(number, str(number))
        if number not in asked:
            problems.append(f"{name}: the assessor did not rate it, so there is nothing to answer")
        elif not answer.accepted and not answer.reply.strip():
            problems.append(f"{name}: say what you reply, or accept the assessor's rating")
        elif len(answer.reply.strip()) > REPLY_LIMIT:
            problems.append(f"{name}: a reply has at most {REPLY_LIMIT} characters")
    if problems:
        raise ValueError(problems)
    return {
        n: Answer(False, given[n].reply.strip())
        if n in given and not given[n].accepted
        else ACCEPTED
        for n in sorted(asked)
    }
