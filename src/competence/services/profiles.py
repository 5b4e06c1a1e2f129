"""Role profiles as versioned data: APM's, seeded from the data files and read-only, and the
organisation's own, tailored from a copy or written from blank. Publishing a profile makes its
next version; earlier versions stay, and each assessment keeps the version it is judged against.

The rules of a profile (its schema, the framework's competences, a base that exists, an
organisation's profile never taking an APM slug) are checked in one place,
:func:`competence.data.check_profile_document`, whether the profile comes from a file, the web
editor or the API.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from competence.data import (
    build_catalogue,
    check_profile_document,
    is_profile_file,
    load_catalogue,
    profile_document,
    tailored_problems,
    with_profile_file,
)
from competence.domain.analysis import forget_verdicts
from competence.domain.errors import DataError
from competence.domain.framework import APM, ORGANISATION, Catalogue, Framework, Profile
from competence.errors import InputError
from competence.services import frameworks
from competence.services.catalogue import framework_data
from competence.store import audit, scope
from competence.store.models import Assessment, FrameworkVersion, ProfileVersion

BUILTIN = "builtin"


def _checksum(document: Any) -> str:
    return hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def current_framework(catalogue: Catalogue | None = None) -> FrameworkVersion:
    """The stored version of the built-in framework, recorded (with APM's profiles) on first
    use. The data files of a released framework version never change: a different checksum is
    an error."""
    cat = catalogue or load_catalogue()
    document = {"framework": framework_data(cat)}
    checksum = _checksum(document["framework"])
    fw = cat.framework
    with transaction.atomic():
        stored, created = FrameworkVersion.objects.get_or_create(
            framework_id=fw.id,
            version=fw.version,
            defaults={
                "title": fw.title,
                "source": BUILTIN,
                "document": document,
                "checksum": checksum,
                "loaded_at": timezone.now(),
            },
        )
        if created:
            seed_apm(stored, cat)
        elif stored.checksum != checksum:
            raise InputError(
                f"framework {fw.id} {fw.version}: the data files changed without a new version; "
                "give the framework a new version number"
            )
    return stored


def _meaning(document: dict[str, Any]) -> Any:
    """What a profile asks: its requirements and its rule's parameters (not its wording)."""
    rule = dict(document.get("rule") or {})
    rule.pop("statement", None)
    return (document["requirements"], rule)


def seed_apm(
    stored: FrameworkVersion | None = None, catalogue: Catalogue | None = None
) -> list[ProfileVersion]:
    """Record APM's profiles from the data files: a profile not yet stored becomes version 1; one
    whose requirements or rule changed gets the next version; a change of wording alone is
    written into the latest version. Returns the versions made."""
    cat = catalogue or load_catalogue()
    framework = stored or current_framework(cat)
    made = []
    for profile in cat.profiles.values():
        latest = ProfileVersion.objects.filter(profile_id=profile.id).order_by("-number").first()
        document = profile_document(profile)
        if latest is not None and _meaning(latest.document) == _meaning(document):
            if latest.document != {**document, "version": latest.number}:
                latest.document = {**document, "version": latest.number}
                latest.name = profile.name
                latest.save(update_fields=["document", "name"])
            continue
        number = 1 if latest is None else latest.number + 1
        with _CACHE_LOCK:
            _CACHE.clear()
        made.append(
            ProfileVersion.objects.create(
                framework=framework,
                profile_id=profile.id,
                number=number,
                name=profile.name,
                owner=APM,
                document={**document, "version": number},
                published_at=timezone.now(),
                published_by="APM",
            )
        )
    return made


def _framework(row: ProfileVersion) -> Framework:
    """The framework a profile version is over (the built-in one, or an imported one)."""
    return frameworks.framework_of(row.framework)


_PROFILES: OrderedDict[tuple[Any, ...], Profile] = OrderedDict()
_PINNED: OrderedDict[tuple[Any, ...], tuple[Catalogue, Profile]] = OrderedDict()
_PROFILES_KEPT = 256


def _key(row: ProfileVersion) -> tuple[Any, ...]:
    return (
        row.pk,
        row.number,
        row.owner,
        row.framework_id,
        json.dumps(row.document, sort_keys=True),
    )


def generation() -> tuple[Any, ...]:
    """Which profile versions are stored (the newest id and the count): read once per request."""

    def read() -> tuple[Any, ...]:
        found = ProfileVersion.objects.aggregate(top=Max("id"), count=Count("id"))
        return (found["top"], found["count"])

    return scope.once("profile-versions", read)


def _keep(kept: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    with _CACHE_LOCK:
        kept[key] = value
        while len(kept) > _PROFILES_KEPT:
            kept.popitem(last=False)


def _profile(row: ProfileVersion) -> Profile:
    """A stored version as a checked profile: checked once per document (its schema and the
    framework's competences), then kept; the key holds the document itself, so a version whose
    document is rewritten (APM's wording, :func:`seed_apm`) is checked again."""
    key = _key(row)
    with _CACHE_LOCK:
        found = _PROFILES.get(key)
    if found is not None:
        return found
    profile = check_profile_document(row.document, _framework(row), f"{row}")
    profile = replace(profile, version=row.number, owner=row.owner)
    _keep(_PROFILES, key, profile)
    return profile


_CACHE: dict[tuple[Any, ...], dict[str, Catalogue]] = {}
_CACHE_LOCK = threading.Lock()


def _latest_rows() -> list[ProfileVersion]:
    latest = ProfileVersion.objects.values("profile_id").annotate(top=Max("number"))
    wanted = {(r["profile_id"], r["top"]) for r in latest}
    rows = ProfileVersion.objects.filter(profile_id__in=[p for p, _ in wanted]).select_related(
        "framework"
    )
    return sorted(
        (r for r in rows if (r.profile_id, r.number) in wanted),
        key=lambda r: (r.owner != APM, r.profile_id),
    )


def catalogues() -> dict[str, Catalogue]:
    """Every framework that has profiles, by id, each with the latest version of every profile
    over it (APM's first); the built-in framework always. Kept until a profile version is
    published (one small query tells)."""
    builtin = load_catalogue()
    key = generation()
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    rows = _latest_rows()
    if not rows:  # nothing recorded yet: the data files
        return {builtin.framework.id: builtin}
    over: dict[str, tuple[Framework, list[Profile]]] = {
        builtin.framework.id: (builtin.framework, [])
    }
    for row in rows:
        framework = _framework(row)
        over.setdefault(framework.id, (framework, []))[1].append(_profile(row))
    made = {fid: build_catalogue(fw, found_) for fid, (fw, found_) in over.items()}
    with _CACHE_LOCK:
        _CACHE.clear()
        _CACHE[key] = made
    forget_verdicts()  # those of the catalogues before: a version was published
    return made


def catalogue(framework_id: str | None = None) -> Catalogue:
    """The built-in framework (or the framework ``framework_id``) with the latest version of
    every profile over it, APM's first."""
    found = catalogues()
    if framework_id is None:
        return found[load_catalogue().framework.id]
    if framework_id not in found:
        raise InputError(f"framework {framework_id!r} has no profiles")
    return found[framework_id]


def catalogue_for(profile_id: str | None) -> Catalogue:
    """The catalogue holding a profile: that of the framework it is over. For a profile that is
    not stored, the built-in framework's (whose :meth:`Catalogue.profile` names the choices)."""
    for cat in catalogues().values():
        if profile_id in cat.profiles:
            return cat
    return catalogue()


def resolve(profile: str | None) -> tuple[Catalogue, str | None]:
    """The catalogue for a ``--profile`` value and the profile's id, with the stored profiles:
    a stored profile's slug (over any framework), or a profile file, added to the profiles of
    the framework it names."""
    if profile is not None and is_profile_file(profile):
        cat, _ = _over(read_file(profile), Path(profile).name)
        return with_profile_file(profile, cat)
    return catalogue_for(profile), profile


def known_profiles() -> list[str]:
    """Every stored profile's slug, over any framework: the built-in framework's first."""
    return [p for cat in catalogues().values() for p in cat.profiles]


def frameworks_by_profile() -> dict[str, tuple[Framework, int]]:
    """Each profile's framework, and the id of its stored framework version, by slug: what a
    person with that profile is rated on."""
    return {row.profile_id: (_framework(row), row.framework_id) for row in _latest_rows()}


def latest_version_ids() -> dict[str, int]:
    """Each profile's latest version, by slug: what a new assessment is judged against."""
    return {row.profile_id: row.pk for row in _latest_rows()}


def version(slug: str, number: int | None = None) -> ProfileVersion:
    """A profile's version (the latest by default)."""
    if not ProfileVersion.objects.exists():
        current_framework()  # a new database: APM's profiles are recorded on first use
    rows = ProfileVersion.objects.filter(profile_id=slug).order_by("-number")
    row = rows.filter(number=number).first() if number is not None else rows.first()
    if row is None:
        what = f"{slug} version {number}" if number is not None else slug
        known = ", ".join(sorted(set(ProfileVersion.objects.values_list("profile_id", flat=True))))
        raise InputError(f"unknown profile {what!r}: choose one of {known}")
    return row


def judged_against(assessment: Assessment) -> tuple[Catalogue, Profile]:
    """The catalogue and the profile version an assessment is judged against: the version it
    records (pinned), with the base profiles as they were when it was published."""
    current = catalogue()
    row = assessment.profile_version
    if row is None:
        return current, current.profile(assessment.profile)
    return pinned(row, current)


def pinned(row: ProfileVersion, current: Catalogue | None = None) -> tuple[Catalogue, Profile]:
    """A profile version with its base profiles as they were published at that time: built once
    per version and set of stored versions (any version published builds it again)."""
    key = (*_key(row), generation())
    with _CACHE_LOCK:
        found = _PINNED.get(key)
    if found is not None:
        return found
    made = _pinned(row, current)
    _keep(_PINNED, key, made)
    return made


def _pinned(row: ProfileVersion, current: Catalogue | None) -> tuple[Catalogue, Profile]:
    profile = _profile(row)
    current = current if current and profile.id in current.profiles else catalogue_for(profile.id)
    chosen = {profile.id: profile}
    base = profile.rule.base_profile if profile.rule else None
    while base is not None and base not in chosen:
        older = (
            ProfileVersion.objects.filter(profile_id=base, published_at__lte=row.published_at)
            .order_by("-number")
            .first()
            if row.published_at
            else None
        )
        base_profile = _profile(older) if older else current.profile(base)
        chosen[base] = base_profile
        base = base_profile.rule.base_profile if base_profile.rule else None
    others = [p for p in current.profiles.values() if p.id not in chosen]
    return build_catalogue(_framework(row), [*others, *chosen.values()]), profile


def judging_counts(
    slugs: dict[str, int], recorded: dict[tuple[int, str], int]
) -> tuple[dict[int, int], dict[int, tuple[Catalogue, Profile]], dict[str, int]]:
    """Which profile versions people counted together are judged against: ``slugs``, how many
    have each profile; ``recorded``, how many of those (by version id and profile) have a
    counting assessment that records its version. Returns how many are judged against each
    profile version (the others against their profile's latest), each of those versions with
    its catalogue, read once, and each profile's latest version, by slug."""
    if not generation()[1]:
        current_framework()  # a new database: APM's profiles are recorded on first use
    latest = latest_version_ids()
    counts: dict[int, int] = {}
    rest = dict(slugs)
    for (version_id, slug), count in recorded.items():
        counts[version_id] = counts.get(version_id, 0) + count
        rest[slug] = rest.get(slug, 0) - count
    for slug, count in rest.items():
        found = latest.get(slug)
        if found is not None and count > 0:
            counts[found] = counts.get(found, 0) + count
    current = catalogue()
    rows = ProfileVersion.objects.filter(pk__in=set(counts))
    return counts, {row.pk: pinned(row, current) for row in rows}, latest


def listing() -> list[dict[str, Any]]:
    """Every profile's latest version: slug, name, version, owner, rule kind, what it builds on."""
    return [
        {
            "id": p.id,
            "name": p.name,
            "version": p.version,
            "owner": p.owner,
            "read_only": p.read_only,
            "rule": p.rule_kind,
            "builds_on": p.rule.base_profile if p.rule else None,
            "description": p.description,
            "framework": p.framework,
        }
        for cat in catalogues().values()
        for p in cat.profiles.values()
    ]


def versions(slug: str) -> list[dict[str, Any]]:
    """Every version of one profile, oldest first."""
    rows = list(ProfileVersion.objects.filter(profile_id=slug).order_by("number"))
    if not rows:
        version(slug)  # the message naming the profiles there are
    return [
        {
            "version": r.number,
            "name": r.name,
            "owner": r.owner,
            "published_at": r.published_at.isoformat() if r.published_at else None,
            "published_by": r.published_by,
        }
        for r in rows
    ]


def history() -> dict[str, list[dict[str, Any]]]:
    """Every version of every profile, oldest first, by slug (as :func:`versions`; one query)."""
    if not ProfileVersion.objects.exists():
        current_framework()  # a new database: APM's profiles are recorded on first use
    out: dict[str, list[dict[str, Any]]] = {}
    rows = ProfileVersion.objects.order_by("profile_id", "number").values(
        "profile_id", "number", "name", "owner", "published_at", "published_by"
    )
    for r in rows:
        out.setdefault(r["profile_id"], []).append(
            {
                "version": r["number"],
                "name": r["name"],
                "owner": r["owner"],
                "published_at": r["published_at"].isoformat() if r["published_at"] else None,
                "published_by": r["published_by"],
            }
        )
    return out


def export(slug: str, number: int | None = None) -> dict[str, Any]:
    """A profile version as its file holds it, its keys in the file's order."""
    row = version(slug, number)
    document = {**row.document, "version": row.number, "owner": row.owner}
    ordered: dict[str, Any] = _ordered_like(document, profile_document(_profile(row)))
    return ordered


def _ordered_like(value: Any, like: Any) -> Any:
    """``value`` with the keys of its mappings in the order of ``like``'s (keys ``like`` lacks
    after them): a stored document comes back from PostgreSQL's jsonb with its keys in an order
    of jsonb's own."""
    if isinstance(value, dict) and isinstance(like, dict):
        keys = [k for k in like if k in value] + [k for k in value if k not in like]
        return {k: _ordered_like(value[k], like.get(k)) for k in keys}
    if isinstance(value, list) and isinstance(like, list) and like:
        return [_ordered_like(v, like[min(i, len(like) - 1)]) for i, v in enumerate(value)]
    return value


def _over(document: Any, source: str) -> tuple[Catalogue, FrameworkVersion | None]:
    """The catalogue of the framework a profile document names, and its stored version (None
    for the built-in framework, recorded on first use)."""
    builtin = load_catalogue().framework.id
    wanted = document.get("framework") if isinstance(document, dict) else None
    if not isinstance(wanted, str) or wanted == builtin:
        return catalogue(), None
    stored = frameworks.latest(wanted)
    if stored is None:
        known = ", ".join([builtin, *(f.framework_id for f in frameworks.imported())])
        raise DataError(f"{source}: framework: no framework {wanted!r}: choose one of {known}")
    cat = catalogues().get(wanted) or build_catalogue(frameworks.framework_of(stored), [])
    return cat, stored


def check(document: Any, source: str) -> Profile:
    """An organisation's profile document, checked: every bad field named, nothing written."""
    current, _ = _over(document, source)
    profile = check_profile_document(document, current.framework, source)
    problems = tailored_problems(profile, current, source)
    if profile.rule and profile.rule.base_profile not in current.profiles:
        problems.append(f"{source}: rule.base_profile: no profile {profile.rule.base_profile!r}")
    if problems:
        raise DataError(problems)
    return profile


NEW = "new"
"""``publish(..., of=NEW)``: the document must be a profile that does not exist yet."""


@transaction.atomic
def publish(document: Any, source: str = "profile", of: str | None = None) -> ProfileVersion:
    """Publish an organisation's profile: its next version (version 1 when it is new). With
    ``of=NEW`` the profile must be new (the editor's and the API's "create"); with ``of`` a
    slug, the document must be that profile (their "update": it must exist)."""
    profile = check(document, source)
    _, stored = _over(document, source)
    latest = ProfileVersion.objects.filter(profile_id=profile.id).order_by("-number").first()
    if of == NEW and latest is not None:
        raise DataError(
            f"{source}: id: {profile.id!r} exists already: publish its next version from its own "
            "page, or give this profile another id"
        )
    if of not in (None, NEW) and profile.id != of:
        raise DataError(f"{source}: id: {profile.id!r} is not the profile {of!r} being edited")
    if latest is not None and latest.framework.framework_id != profile.framework:
        raise DataError(
            f"{source}: framework: {profile.id} is over framework {latest.framework.framework_id}; "
            "a new version keeps its framework (give a profile over another framework its own id)"
        )
    number = 1 if latest is None else latest.number + 1
    actor = audit.current_actor()
    row = ProfileVersion.objects.create(
        framework=stored or current_framework(),
        profile_id=profile.id,
        number=number,
        name=profile.name,
        owner=ORGANISATION,
        document={**profile_document(profile), "version": number, "owner": ORGANISATION},
        published_at=timezone.now(),
        published_by=actor,
    )
    audit.record(
        "publish",
        "ProfileVersion",
        object_id=str(row.pk),
        summary=f"profile {profile.id} v{number} ({profile.name})",
        new={"profile": profile.id, "version": number},
    )
    return row


def read_file(path: str | Path) -> Any:
    """A profile file's document (YAML or JSON)."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML or JSON: {exc}") from None


def import_file(path: str | Path, dry_run: bool = False) -> dict[str, Any]:
    """Check a profile file and publish it as the profile's next version (not with
    ``dry_run``); say what it is."""
    document = read_file(path)
    profile = check(document, Path(path).name)
    if dry_run:
        latest = ProfileVersion.objects.filter(profile_id=profile.id).order_by("-number").first()
        number = 1 if latest is None else latest.number + 1
    else:
        number = publish(document, Path(path).name).number
    return {
        "id": profile.id,
        "name": profile.name,
        "version": number,
        "requirements": len(profile.requirements),
        "rule": profile.rule_kind,
        "dry_run": dry_run,
    }
