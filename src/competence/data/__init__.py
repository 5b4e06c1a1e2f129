"""The APM framework and role profiles as data files, validated against their schemas on load.

Nothing is read at import time: call :func:`load_catalogue`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from competence.domain.framework import (
    AXES,
    CONTEXTS,
    ORGANISATION,
    Attribution,
    BuildsOn,
    Catalogue,
    Competence,
    Framework,
    Level,
    Profile,
    Requirement,
    slugify,
)
from competence.errors import DataError

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator


def _yaml_load(text: str) -> Any:
    """YAML text parsed with libyaml's safe loader where PyYAML has it (the same documents,
    parsed ten times as fast). PyYAML is loaded on first use: the command line's start does
    without it."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


APM_DIR = "apm"
APM_FILES = ("framework.yaml", "pmo-officer.yaml", "pmo-specialist.yaml")
APM_JSON = "apm.json"
"""The APM files as one JSON document, ``{file name: its content}``: what :func:`load_catalogue`
reads, at a hundredth of the cost of PyYAML. The YAML files are the source; after changing one,
run ``python -c "from competence.data import write_apm_json; write_apm_json()"``
(tests/unit/test_startup.py checks that the two agree)."""


def _here() -> Path:
    """The folder of the package's data files (a wheel installs them as files). Not
    importlib.resources, whose readers load zipfile and tempfile at every start."""
    return Path(__file__).resolve().parent


@functools.cache
def schema_validator(kind: str) -> Draft202012Validator:
    """The schema of ``kind``, loaded on first use (jsonschema costs a third of a start-up)."""
    from jsonschema import Draft202012Validator

    schema = json.loads((_here() / "schema" / f"{kind}.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def json_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or TOP_LEVEL


TOP_LEVEL = "(top level)"


def problem_field(problem: str, source: str) -> tuple[str, str]:
    """The field a problem of :func:`checked` or :func:`check_profile_document` names (its path,
    as :func:`json_path` writes it; ``""`` for the whole document) and the reason."""
    rest = problem.removeprefix(f"{source}: ")
    path, sep, reason = rest.partition(": ")
    if not sep or " " in path or path == TOP_LEVEL:
        return "", reason if sep and path == TOP_LEVEL else rest
    return path, reason


def path_parts(path: str) -> list[str | int]:
    """``requirements[3].knowledge`` as ``["requirements", 3, "knowledge"]``."""
    parts: list[str | int] = []
    for piece in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        parts.append(int(piece[0]) if piece[0] else piece[1])
    return parts


def read_document(path: Path, kind: str, validate: bool = True) -> dict[str, Any]:
    """Parse a YAML (or JSON) data file and check it against the schema of ``kind``
    (``validate=False`` for the package's own files, which a test checks against it)."""
    import yaml

    try:
        doc = _yaml_load(path.read_text("utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML: {exc}") from None
    if not validate:
        return doc  # type: ignore[no-any-return]
    return checked(doc, kind, path.name)


def checked(doc: Any, kind: str, source: str) -> dict[str, Any]:
    """``doc`` if it follows the schema of ``kind``; else every bad field, by its place."""
    if not isinstance(doc, dict):
        raise DataError(f"{source}: expected a mapping at the top level")
    errors = sorted(schema_validator(kind).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        raise DataError(f"{source}: {json_path(e.absolute_path)}: {e.message}" for e in errors)
    return doc


def framework_from(doc: dict[str, Any], source: str) -> Framework:
    problems: list[str] = []
    levels = sorted(doc["scale"]["levels"], key=lambda lv: lv["level"])
    if [lv["level"] for lv in levels] != list(range(6)):
        problems.append(f"{source}: scale.levels: must hold each level 0 to 5 once")
    seen: set[int] = set()
    for i, c in enumerate(doc["competences"]):
        if c["number"] in seen:
            problems.append(f"{source}: competences[{i}].number: {c['number']} appears twice")
        seen.add(c["number"])
        if c["slug"] != slugify(c["name"]):
            problems.append(
                f"{source}: competences[{i}].slug: {c['slug']!r} should be {slugify(c['name'])!r}"
            )
    if problems:
        raise DataError(problems)
    a = doc["attribution"]
    return Framework(
        id=doc["id"],
        title=doc["title"],
        version=doc["version"],
        attribution=Attribution(a["source"], a["owner"], a["notice"]),
        levels=tuple(
            Level(lv["level"], lv["name"], lv["knowledge"], lv["application"], lv["from_source"])
            for lv in levels
        ),
        competences=tuple(
            Competence(
                c["number"],
                c["slug"],
                c["name"],
                c["definition"],
                tuple(c.get("also_known_as", ())),
            )
            for c in doc["competences"]
        ),
    )


def _axis_problems(requirement: dict[str, Any], framework: Framework, where: str) -> list[str]:
    """A requirement sets a target on each axis its framework rates, and on no other, within
    the framework's levels."""
    problems = []
    rated = " and ".join(framework.axes)
    for axis in AXES:
        value = requirement.get(axis)
        if axis not in framework.axes:
            if value is not None:
                problems.append(
                    f"{where}.{axis}: framework {framework.id} rates {rated} only; leave {axis} out"
                )
        elif value is None:
            problems.append(f"{where}.{axis}: a target is needed (framework {framework.id} rates "
                            f"{rated})")  # fmt: skip
        elif value > framework.top_level:
            problems.append(
                f"{where}.{axis}: {value} is above the top level of framework "
                f"{framework.id} ({framework.top_level})"
            )
    return problems


def profile_from(doc: dict[str, Any], framework: Framework, source: str) -> Profile:
    problems: list[str] = []
    known = {c.number for c in framework.competences}
    if doc["framework"] != framework.id:
        problems.append(f"{source}: framework: {doc['framework']!r} is not {framework.id!r}")
    requirements: dict[int, Requirement] = {}
    for i, r in enumerate(doc["requirements"]):
        number = r["competence"]
        if number not in known:
            problems.append(f"{source}: requirements[{i}].competence: no competence {number}")
        elif number in requirements:
            problems.append(f"{source}: requirements[{i}].competence: {number} appears twice")
        problems.extend(_axis_problems(r, framework, f"{source}: requirements[{i}]"))
        requirements[number] = Requirement(
            competence=number,
            target=framework.target(r.get("knowledge", 0), r.get("application", 0)),
            contexts=frozenset(r["contexts"]),
            qualifier=r.get("qualifier"),
            definition=r.get("definition"),
        )
    rule = None
    if "rule" in doc:
        d = doc["rule"]
        for key in ("required", "specialisms", "deciding"):
            for number in d[key]:
                if number not in requirements:
                    problems.append(
                        f"{source}: rule.{key}: competence {number} has no requirement here"
                    )
        for number in d["deciding"]:
            if number not in d["specialisms"]:
                problems.append(f"{source}: rule.deciding: {number} is not in rule.specialisms")
        if d["base_profile"] == doc["id"]:
            problems.append(f"{source}: rule.base_profile: a profile cannot build on itself")
        rule = BuildsOn(
            statement=d["statement"],
            base_profile=d["base_profile"],
            required=tuple(d["required"]),
            specialisms=tuple(d["specialisms"]),
            deciding=tuple(d["deciding"]),
            at_least=d["at_least"],
        )
    if problems:
        raise DataError(problems)
    return Profile(
        id=doc["id"],
        name=doc["name"],
        framework=doc["framework"],
        description=doc.get("description", ""),
        notes=tuple(doc.get("notes", ())),
        requirements=requirements,
        rule=rule,
        version=doc.get("version", 1),
        owner=doc.get("owner", ORGANISATION),
        source=doc.get("source", ""),
        based_on=doc.get("based_on"),
    )


def profile_document(profile: Profile) -> dict[str, Any]:
    """A profile in its file's shape (the inverse of :func:`profile_from`)."""
    doc: dict[str, Any] = {
        "schema": "competence/profile/1",
        "id": profile.id,
        "name": profile.name,
        "framework": profile.framework,
        "version": profile.version,
        "owner": profile.owner,
    }
    if profile.source:
        doc["source"] = profile.source
    if profile.based_on:
        doc["based_on"] = profile.based_on
    doc["description"] = profile.description
    doc["notes"] = list(profile.notes)
    requirements = []
    for number in sorted(profile.requirements):
        r = profile.requirements[number]
        item: dict[str, Any] = {
            "competence": number,
            **r.target.as_dict(),
            "contexts": [c for c in CONTEXTS if c in r.contexts],
        }
        if r.qualifier:
            item["qualifier"] = r.qualifier
        if r.definition:
            item["definition"] = r.definition
        requirements.append(item)
    doc["requirements"] = requirements
    if profile.rule is not None:
        doc["rule"] = profile.rule.as_dict()
    return doc


def check_profile_document(doc: Any, framework: Framework, source: str) -> Profile:
    """A profile from a document (a parsed file, a form, an API body), checked against the
    schema and the framework, with one message per bad field."""
    if not isinstance(doc, dict):
        raise DataError(f"{source}: expected a mapping at the top level")
    errors = sorted(
        schema_validator("profile").iter_errors(doc), key=lambda e: list(e.absolute_path)
    )
    if errors:
        raise DataError(f"{source}: {json_path(e.absolute_path)}: {e.message}" for e in errors)
    return profile_from(doc, framework, source)


def load_framework(path: Path, validate: bool = True) -> Framework:
    return framework_from(read_document(path, "framework", validate), path.name)


def load_profile(path: Path, framework: Framework, validate: bool = True) -> Profile:
    return profile_from(read_document(path, "profile", validate), framework, path.name)


def build_catalogue(framework: Framework, profiles: Iterable[Profile]) -> Catalogue:
    """Join a framework and its profiles, checking that every base profile exists."""
    catalogue = Catalogue.of(framework, profiles)
    problems = [
        f"{p.id}: rule.base_profile: no profile {p.rule.base_profile!r}"
        for p in catalogue.profiles.values()
        if p.rule and p.rule.base_profile not in catalogue.profiles
    ]
    if problems:
        raise DataError(problems)
    return catalogue


@functools.cache
def load_catalogue() -> Catalogue:
    """The APM framework with the PMO officer and PMO specialist profiles (read once).

    The package's own files are not checked against the schema here (loading jsonschema costs
    more than the rest of ``gap``): tests/unit/test_startup.py checks them, and the rules of
    :func:`framework_from` and :func:`profile_from` still run."""
    docs = json.loads((_here() / APM_DIR / APM_JSON).read_text("utf-8"))
    framework = framework_from(docs[APM_FILES[0]], APM_FILES[0])
    profiles = [profile_from(docs[name], framework, name) for name in APM_FILES[1:]]
    return build_catalogue(framework, profiles)


def apm_documents() -> dict[str, Any]:
    """The APM files' contents, parsed from their YAML: what :data:`APM_JSON` holds."""
    folder = _here() / APM_DIR
    return {name: _yaml_load((folder / name).read_text("utf-8")) for name in APM_FILES}


def write_apm_json() -> None:
    """Write :data:`APM_JSON` from the YAML files."""
    text = json.dumps(apm_documents(), indent=1, ensure_ascii=False) + "\n"
    (_here() / APM_DIR / APM_JSON).write_text(text, "utf-8")


PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


def is_profile_file(value: str) -> bool:
    """Whether ``--profile`` names a file (a path ending in .yaml, .yml or .json) rather than
    a profile's slug."""
    return value.lower().endswith(PROFILE_SUFFIXES) or "/" in value or "\\" in value


def over_builtin(path: str | Path) -> bool:
    """Whether a profile file is over the built-in framework (or says nothing else): then it can
    be used with no database. A file that cannot be read is reported where it is read."""
    import yaml

    try:
        doc = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True
    framework = doc.get("framework") if isinstance(doc, dict) else None
    return not isinstance(framework, str) or framework == load_catalogue().framework.id


def tailored_problems(profile: Profile, catalogue: Catalogue, source: str) -> list[str]:
    """What an organisation's profile may not do: take the place of one of APM's (which are
    read-only: a tailored profile is a copy with its own slug), or claim to be APM's."""
    problems = []
    existing = catalogue.profiles.get(profile.id)
    if existing is not None and existing.read_only:
        problems.append(
            f"{source}: id: {profile.id!r} is APM's profile and read-only: give your copy its own "
            "id (for example pmo-analyst)"
        )
    if profile.read_only:
        problems.append(f"{source}: owner: only APM's own profiles are owned by apm")
    return problems


def with_profile_file(
    path: str | Path, catalogue: Catalogue | None = None
) -> tuple[Catalogue, str]:
    """The catalogue with an organisation's profile read from a file added to it (validated
    like any profile; it may build on one of the catalogue's profiles), and that profile's id."""
    cat = catalogue or load_catalogue()
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such profile file")
    profile = load_profile(path, cat.framework)
    problems = tailored_problems(profile, cat, path.name)
    if problems:
        raise DataError(problems)
    return build_catalogue(cat.framework, [*cat.profiles.values(), profile]), profile.id


def activities_for(framework: Framework) -> dict[str, dict[str, str]]:
    """The development activities for a framework's plans: for APM's framework, the sentences
    per competence as well as per kind; for any other, the sentences per kind alone (APM's
    competence numbers mean nothing there)."""
    activities = load_activities()
    if framework.id == load_catalogue().framework.id:
        return activities
    return {"kinds": activities["kinds"]}


@functools.cache
def load_activities() -> dict[str, dict[str, str]]:
    """The development activities plans suggest: ``kinds`` and per-competence sentences."""
    path = _here() / APM_DIR / "activities.yaml"
    doc = _yaml_load(path.read_text("utf-8"))
    kinds = doc.get("kinds") or {}
    missing = [
        k
        for k in ("training", "qualification", "mentoring", "on-the-job", "reading")
        if not isinstance(kinds.get(k), str)
    ]
    if missing:
        raise DataError(f"{path.name}: kinds: missing {', '.join(missing)}")
    out: dict[str, dict[str, str]] = {"kinds": dict(kinds)}
    for number, sentences in (doc.get("competences") or {}).items():
        out[str(number)] = dict(sentences)
    return out
