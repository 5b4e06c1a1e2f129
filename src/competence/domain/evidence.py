"""What a rating can carry besides its levels: how sure the person is, links and files.

The one home of the confidence choices, of what a valid evidence link is, and of what an evidence
file may be (its size, and its type as told by its content, never by its name). Pure: bytes and
text in, answers out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from urllib.parse import urlsplit


class Confidence(IntEnum):
    """How sure a person is of a rating: stored as its number, shown and written as its words."""

    NOT_SURE = 1
    FAIRLY_SURE = 2
    SURE = 3

    @property
    def words(self) -> str:
        return self.name.replace("_", " ").lower()


CONFIDENCE_WORDS = tuple(c.words for c in Confidence)
"""What files, forms and the API say: ``not sure``, ``fairly sure``, ``sure``."""


def parse_confidence(value: object) -> Confidence | None:
    """A confidence from its words (any case, ``-`` or ``_`` for a space), or None when empty.

    Raise ValueError with the reason otherwise.
    """
    if value is None:
        return None
    if isinstance(value, Confidence):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be one of {', '.join(CONFIDENCE_WORDS)}, got {value!r}")
    words = " ".join(value.replace("-", " ").replace("_", " ").split()).lower()
    if not words:
        return None
    for c in Confidence:
        if c.words == words:
            return c
    raise ValueError(f"must be one of {', '.join(CONFIDENCE_WORDS)}, got {value!r}")


def confidence_words(value: int | None) -> str | None:
    """The words for a stored confidence (None for none)."""
    return None if value is None else Confidence(value).words


# Links -------------------------------------------------------------------------------------

MAX_LINKS = 5
"""The most links one rating keeps."""
MAX_LINK_LENGTH = 500
"""The longest link, in characters."""


def check_link(link: str) -> str:
    """A link as kept (trimmed), or ValueError saying why it is not one."""
    link = link.strip()
    if len(link) > MAX_LINK_LENGTH:
        raise ValueError(f"a link has at most {MAX_LINK_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in link):
        raise ValueError(f"not a link (it holds a space or a control character): {link!r}")
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValueError(f"not a link: {link!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a link starts with http:// or https:// and names a host, got {link!r}")
    return link


def check_links(links: Iterable[str]) -> tuple[str, ...]:
    """Links as kept: each checked, empty ones dropped, duplicates once; at most MAX_LINKS.

    Raise ValueError naming every bad one.
    """
    kept: list[str] = []
    bad: list[str] = []
    for link in links:
        if not link.strip():
            continue
        try:
            good = check_link(link)
        except ValueError as exc:
            bad.append(str(exc))
            continue
        if good not in kept:
            kept.append(good)
    if len(kept) > MAX_LINKS:
        bad.append(f"at most {MAX_LINKS} links a rating, got {len(kept)}")
    if bad:
        raise ValueError("; ".join(bad))
    return tuple(kept)


def split_links(text: str) -> tuple[str, ...]:
    """Links written in one cell or text box: separated by spaces or new lines."""
    return check_links(text.split())


# Files -------------------------------------------------------------------------------------

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest evidence file: 5 MiB."""
MAX_FILES = 3
"""The most files one rating keeps."""
MAX_NAME_LENGTH = 200
"""The longest file name kept."""
MAX_ZIP_MEMBERS = 10_000
"""A DOCX or XLSX holding more members than this is refused unread."""


@dataclass(frozen=True)
class FileType:
    name: str  # what a person calls it
    content_type: str  # what a download says it is
    extensions: tuple[str, ...]  # the first is given to a name that ends in none of them


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG image", "image/png", (".png",))
JPEG = FileType("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
TEXT = FileType("plain text", "text/plain; charset=utf-8", (".txt", ".text", ".md", ".csv"))
DOCX = FileType(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
FILE_TYPES = (PDF, PNG, JPEG, TEXT, DOCX, XLSX)
ACCEPTED = ", ".join(t.name for t in FILE_TYPES)
"""The accepted types, in words."""


def _office(content: bytes) -> FileType | None:
    """A DOCX or XLSX: a zip file holding ``[Content_Types].xml`` and its main part."""
    import io
    import zipfile  # here, not at the top: the command line's start does without it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            infos = z.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return None
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _plain_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)


def sniff(content: bytes) -> FileType | None:
    """The type of a file as told by its content, or None when it is none we accept."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _office(content)
    if content and _plain_text(content):
        return TEXT
    return None


def check_file(name: str, content: bytes) -> FileType:
    """The type of an evidence file, or ValueError saying why it is refused."""
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(
            f"{name}: {len(content):,} bytes; a file has at most {MAX_FILE_BYTES:,} bytes "
            f"({MAX_FILE_BYTES // (1024 * 1024)} MiB)"
        )
    if not content:
        raise ValueError(f"{name}: the file is empty")
    found = sniff(content)
    if found is None:
        raise ValueError(
            f"{name}: not a file type we accept (its content is none of: {ACCEPTED}), "
            "whatever its name says"
        )
    return found


def safe_name(name: str, kind: FileType) -> str:
    """A file name to keep and to offer on download: the last part of the name given, printable,
    at most MAX_NAME_LENGTH characters, ending in an extension of its real type."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".") or "evidence"
    _, dot, ext = base.rpartition(".")
    if dot and "." + ext.lower() in kind.extensions:
        return base[-MAX_NAME_LENGTH:] if len(base) > MAX_NAME_LENGTH else base
    return base[: MAX_NAME_LENGTH - len(kind.extensions[0])] + kind.extensions[0]
