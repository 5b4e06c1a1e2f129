"""A large JSON document read a piece at a time, in bounded memory.

The outer objects and arrays are walked by hand (:meth:`JsonStream.members`,
:meth:`JsonStream.elements`); every value inside them (a key, a row, a list) is decoded by the
standard library's decoder. Memory holds one value and a buffer, never the whole document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from competence.errors import InputError
from competence.formats.limits import MAX_JSON_DEPTH

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_GOES_ON = re.compile(r"[0-9.eE+\-]*\Z")  # what may still follow a number in the buffer
CHUNK = 1 << 16
_NOTHING = object()
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
"""Nineteen digits in a row (found in the text's bytes with every digit made a 0): a whole
number that may not fit in 64 bits, which orjson reads as a float (2**64 as
1.8446744073709552e+19); such text goes to the standard decoder, which keeps it whole. (The
digits may as well be in a text or a float: read the same by either.)"""


def _fast(text: str) -> Any:
    """``text`` read by orjson, which refuses what the standard decoder may read otherwise: a
    number of 19 digits or more, NaN and the rest (:class:`orjson.JSONDecodeError`)."""
    if _LONG_NUMBER in text.encode("utf-8", "surrogatepass").translate(_DIGITS):
        raise orjson.JSONDecodeError("a number too long for orjson", text, 0)
    return orjson.loads(text)


_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def check_depth(text: str, name: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON text whose lists and objects nest deeper than ``limit``, naming the line,
    before anything decodes it (the standard decoder recurses once a level)."""
    depth = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(f"{name}, line {line}: nesting deeper than {limit} levels")
        elif token in "]}":
            depth -= 1


def loads(text: str, name: str, limit: int = MAX_JSON_DEPTH) -> Any:
    """A whole JSON document, its nesting checked first; errors name the file and the line."""
    check_depth(text, name, limit)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name}, line {exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None


def shown(value: Any) -> str:
    """A value as JSON text, cut short for a message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


class JsonStream:
    """Reads the JSON text of ``stream``; errors name ``name`` and the place in the document."""

    def __init__(self, stream: IO[str], name: str, chunk: int = CHUNK) -> None:
        self.stream = stream
        self.name = name
        self.chunk = chunk
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder()
        self.no_line_before = 0  # the buffer holds no end of line before this

    def error(self, where: str, reason: str) -> InputError:
        return InputError(f"{self.name}, {where}: {reason}" if where else f"{self.name}: {reason}")

    def _more(self) -> bool:
        """Read on (at least as much again as is waiting, so a long value costs few retries)."""
        if self.eof:
            return False
        data = self.stream.read(max(self.chunk, len(self.buffer) - self.pos))
        if not data:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + data
        self.no_line_before = max(0, self.no_line_before - self.pos)
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        if self.pos < len(self.buffer) and self.buffer[self.pos] not in " \t\n\r":
            return self.buffer[self.pos]
        while True:
            match = _SPACE.match(self.buffer, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def take(self, char: str, where: str) -> None:
        found = self.peek()
        if found != char:
            what = repr(found) if found else "the end of the file"
            raise self.error(where, f"expected {char!r}, found {what}")
        self.pos += 1

    def value(self, where: str) -> Any:
        """The next JSON value, whole."""
        self.peek()
        found = self._line_value()
        if found is not _NOTHING:
            return found
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise self.error(where, f"not valid JSON: {exc.msg}") from None
            except RecursionError:  # the standard decoder recurses once a level
                raise self.error(where, "nesting too deep to read") from None
            # A number has no end mark: "1" may be the start of "1.5e3" in the next piece.
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and _NUMBER_GOES_ON.match(self.buffer, end) and self._more():
                continue
            self.pos = end
            return value

    def _line_value(self) -> Any:
        """The rest of the line, when it is one whole JSON value (with the comma that may follow
        it): a backup writes a row a line, and orjson reads one at several times the standard
        decoder's speed. A JSON value has no proper prefix that is a value too (a number ends
        where the line does), so it is the value the standard decoder would read; anything
        else (a value over several lines, or what orjson refuses and the standard decoder
        takes, such as NaN) gives ``_NOTHING``, and the standard decoder reads it."""
        if self.pos < self.no_line_before:
            return _NOTHING
        end = self.buffer.find("\n", self.pos)
        if end < 0:
            self.no_line_before = len(self.buffer)  # until more is read
            return _NOTHING
        segment = self.buffer[self.pos : end].rstrip(" \t\r")
        if segment.endswith(","):
            segment = segment[:-1]
        try:
            value = _fast(segment)
        except orjson.JSONDecodeError:
            return _NOTHING
        self.pos += len(segment)
        return value

    def batches(self, where: str, size: int) -> Iterator[list[Any]]:
        """The elements of a JSON array, whole, ``size`` at a time (the last batch may be
        smaller). Elements that stand on lines of their own, each followed by its comma (how a
        backup writes its rows), are read every such line the buffer holds at a time; any other
        by :meth:`value`."""
        self.take("[", where)
        if self.peek() == "]":
            self.pos += 1
            return
        batch: list[Any] = []
        index = 0
        while True:
            if not self._lines(batch):
                batch.append(self.value(f"{where}[{index + len(batch)}]"))
                found = self.peek()
                if found == "]":
                    self.pos += 1
                    while len(batch) > size:
                        index += size
                        yield batch[:size]
                        del batch[:size]
                    yield batch
                    return
                if found == ",":
                    self.pos += 1
                else:
                    self.take(",", where)  # says what it found instead
            while len(batch) >= size:
                index += size
                yield batch[:size]
                del batch[:size]

    def _lines(self, batch: list[Any]) -> bool:
        """Add to ``batch`` the next elements that are each followed by a comma and the end of
        a line: every such line the buffer holds, read by orjson as one list. Text cut at the
        end of a line after a comma is a run of whole elements when it reads as one list (a
        string holds no end of line, so a cut inside a nested list, or text past the array's
        end, does not read as one list); otherwise the lines are read one at a time. Return
        whether any was added."""
        while self.buffer.rfind("\n", self.pos) < 0:
            if not self._more():
                return False
        buffer, pos = self.buffer, self.pos
        last = buffer.rfind("\n", pos)
        for end in (last, buffer.rfind("\n", pos, last)):
            text = buffer[pos:end].rstrip() if end >= pos else ""
            if text.endswith(","):
                try:
                    found = _fast("[" + text[:-1] + "]")
                except orjson.JSONDecodeError:
                    break
                if found:
                    batch.extend(found)
                    self.pos = end + 1
                    return True
                break
        return self._one_line_at_a_time(batch)

    def _one_line_at_a_time(self, batch: list[Any]) -> bool:
        """Add to ``batch`` the next elements that are each a whole line with the comma after
        it; stop before the first that is not. Return whether any was added."""
        buffer, pos = self.buffer, self.pos
        added = False
        while True:
            end = buffer.find("\n", pos)
            if end < 0:
                break
            text = buffer[pos:end].strip()
            if not text:  # the end of the line before
                pos = end + 1
                continue
            if not text.endswith(","):
                break
            try:
                batch.append(_fast(text[:-1]))
            except orjson.JSONDecodeError:
                break
            added = True
            pos = end + 1
        self.pos = pos
        return added

    def members(self, where: str) -> Iterator[str]:
        """The keys of a JSON object, in order; read each one's value before the next."""
        self.take("{", where)
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value(where)
            if not isinstance(key, str):
                raise self.error(where, f"expected a key, found {shown(key)}")
            self.take(":", where)
            yield key
            if self.peek() == "}":
                self.pos += 1
                return
            self.take(",", where)

    def elements(self, where: str) -> Iterator[int]:
        """The positions of a JSON array's elements; read each one before the next."""
        self.take("[", where)
        if self.peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            found = self.peek()
            if found == "]":
                self.pos += 1
                return
            if found == ",":
                self.pos += 1
                continue
            self.take(",", where)  # says what it found instead

    def end(self) -> None:
        """Nothing but white space may follow the document."""
        if self.peek() != "":
            raise self.error("", "unexpected text after the end of the document")


def write_list(items: Iterable[Any], out: IO[str]) -> None:
    """Write ``items`` as a JSON list, one item at a time: the same text as
    ``json.dumps(list(items), indent=2, ensure_ascii=False)`` and a new line."""
    first = True
    for item in items:
        out.write("[\n  " if first else ",\n  ")
        out.write(indented(item, "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")


def indented(value: Any, newline: str = "\n") -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, each line after the first starting
    with ``newline``: the same text, written by orjson (the standard library's encoder turns to
    its pure-Python code whenever there is an indent, at a tenth of the speed).

    The text is the standard encoder's for text, whole numbers, true, false, null, lists and
    objects, which is all the product writes this way. orjson writes a float in its shortest
    form (``1e16``, where Python writes ``1e+16``); a value orjson refuses (a key that is not
    text, a whole number beyond 64 bits) goes through the standard encoder.
    """
    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        text = json.dumps(value, indent=2, ensure_ascii=False)
    return text if newline == "\n" else text.replace("\n", newline)
