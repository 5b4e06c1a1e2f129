"""Which rule of the access policy (:mod:`competence.services.policy`) a workflow step asks:
the workflow's table (:data:`competence.domain.workflow.STEPS`) says who takes each step, and
this says which rule that is. Free of Django, so that the command line can ask before it opens
the database."""

from __future__ import annotations

from competence.domain import workflow

STEP_RULES: dict[str, str] = {workflow.PERSON: "person.own", workflow.REVIEWER: "person.review"}
"""The rule of whoever takes a step (the step's ``by``)."""


def step_rule(step: str, kind: str) -> str:
    """The rule of a workflow step (a name of :data:`workflow.STEPS`, or ``agree``) on an
    assessment of ``kind``: submitting one's own self-assessment and answering the assessor's
    ratings are the person's (``person.own``); the rest is their reviewer's
    (``person.review``)."""
    by = workflow.AGREE_BY if step == "agree" else workflow.STEPS[step].by(kind)
    return STEP_RULES[by]
