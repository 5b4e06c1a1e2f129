"""Reading JSON a piece at a time gives what reading it whole gives, wherever the pieces end."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competence.errors import InputError
from competence.formats.json_stream import JsonStream, indented, write_list

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(min_value=-1e15, max_value=1e15).filter(lambda x: x == 0 or abs(x) >= 1e-4)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def read(stream: JsonStream) -> dict[str, Any]:
    """A document ``{"key": value, ..., "rows": [value, ...]}``, read the streaming way."""
    document: dict[str, Any] = {}
    for key in stream.members(""):
        if key == "rows":
            document[key] = [stream.value(f"rows[{i}]") for i in stream.elements("rows")]
        else:
            document[key] = stream.value(key)
    stream.end()
    return document


@given(
    header=st.dictionaries(st.sampled_from(["a", "b", "count"]), values, max_size=3),
    rows=st.lists(values, max_size=6),
    indent=st.sampled_from([None, 0, 2]),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_any_layout_and_any_piece_size_read_back_the_same(
    header: dict[str, Any], rows: list[Any], indent: int | None, chunk: int
) -> None:
    document = {**header, "rows": rows}
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    assert read(JsonStream(io.StringIO(text), "f", chunk=chunk)) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"rows": [1, 2', "f, rows: expected ',', found the end of the file"),
        ('{"rows": [1 2]}', "f, rows: expected ',', found '2'"),
        ('{"rows": [1, tru]}', "f, rows[1]: not valid JSON: Expecting value"),
        ('{"a": 1} x', "f: unexpected text after the end of the document"),
        ("[]", "f: expected '{', found '['"),
        ('{"a" 1}', "f: expected ':', found '1'"),
        ("{1: 2}", "f: expected a key, found 1"),
    ],
)
def test_a_broken_document_is_refused_with_its_place(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read(JsonStream(io.StringIO(text), "f", chunk=3))
    assert str(caught.value).startswith(message)


def test_a_value_nested_deeper_than_the_decoder_goes_is_refused_with_its_place() -> None:
    """A backup's value is decoded by the standard library, which recurses once a level: a
    value nested 100,000 deep is an error naming its place, never a RecursionError."""
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError) as caught:
        read(JsonStream(io.StringIO('{"rows": [' + deep + "]}"), "f"))
    assert str(caught.value).startswith("f, rows[0]: nesting too deep to read")


def read_batches(text: str, size: int, chunk: int) -> list[list[Any]]:
    stream = JsonStream(io.StringIO(text), "f", chunk=chunk)
    found = []
    for key in stream.members(""):
        assert key == "rows"
        found = list(stream.batches("rows", size))
    stream.end()
    return found


def row_lines(rows: list[Any], broken: list[bool]) -> str:
    """Rows a line each as a backup writes them; a row marked broken over several lines."""
    lines = [
        json.dumps(row, indent=1, ensure_ascii=False) if cut else json.dumps(row)
        for row, cut in zip(rows, broken, strict=False)
    ]
    return '{"rows": [\n' + ",\n".join(lines) + "\n]}\n"


@given(
    rows=st.lists(values, max_size=12),
    broken=st.lists(st.booleans(), min_size=12, max_size=12),
    size=st.integers(min_value=1, max_value=5),
    chunk=st.integers(min_value=1, max_value=64),
)
def test_batches_are_the_rows_in_order_whatever_the_lines_and_the_pieces(
    rows: list[Any], broken: list[bool], size: int, chunk: int
) -> None:
    """Lines that each hold a row and its comma are read many at a time; a row over several
    lines, a number beyond 64 bits (which orjson refuses) or a row at the end of the buffer
    are read as before: the batches are the rows, ``size`` at a time, in order."""
    text = row_lines(rows, broken)
    expected = json.loads(text)["rows"]
    batches = read_batches(text, size, chunk)
    assert [row for batch in batches for row in batch] == expected
    assert all(len(batch) == size for batch in batches[:-1])
    assert not batches or 0 < len(batches[-1]) <= size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"rows": [\n[1],\n,\n[2]\n]}', "f, rows[1]: not valid JSON: Expecting value"),
        ('{"rows": [\n[1],\n[2],\n]}', "f, rows[2]: not valid JSON: Expecting value"),
        ('{"rows": [\n[1],\n[2,\n]}', "f, rows[1]: not valid JSON"),
        ('{"rows": [\n[1],\n[2],,\n[3]\n]}', "f, rows[2]: not valid JSON: Expecting value"),
        ('{"rows": [\n[1],\n[2]]},\n[3],\n', "f: unexpected text after the end"),
    ],
)
def test_rows_a_line_each_with_a_comma_too_many_or_too_few_are_refused_with_their_place(
    text: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_batches(text, 2, 1 << 16)
    assert str(caught.value).startswith(message)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(min_value=-1e15, max_value=1e15).filter(lambda x: x == 0 or abs(x) >= 1e-4)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_indented_is_the_standard_encoders_text(value: Any) -> None:
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@given(st.lists(JSON_VALUES, max_size=4))
def test_a_list_written_item_by_item_is_the_standard_encoders_text(items: list[Any]) -> None:
    out = io.StringIO()
    write_list(iter(items), out)
    assert out.getvalue() == json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def test_indented_keeps_non_text_keys_as_the_standard_encoder_does() -> None:
    value = {1: [True, None], 2.5: {}, None: (), "big": 1 << 70}
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=False)
