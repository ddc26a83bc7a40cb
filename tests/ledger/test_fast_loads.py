"""Differential test: the bulk-path parser (orjson + duplicate-key guard) agrees with the strict one."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ledger._support import BASE_EVENT, EXAMPLE_EVENTS, NOW, WINDOW, make_event

import saas_contracts.ledger._pipeline as pipeline
from saas_contracts._jsonio import loads
from saas_contracts.errors import JSONInputError
from saas_contracts.ledger import ReplayRequest, SqliteIndex, replay_lines
from saas_contracts.ledger._fast import fast_loads, fast_loads_many


def _strict(raw):
    """The strict parser's verdict: the value, or None when it rejects the line."""
    try:
        return loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, JSONInputError):
        return None


def _wide_ints_as_floats(value):
    """orjson's one documented difference: integers outside the 64-bit range come back as floats."""
    if isinstance(value, dict):
        return {key: _wide_ints_as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wide_ints_as_floats(item) for item in value]
    if type(value) is int and not -(2**63) <= value < 2**64:
        return float(value)
    return value


def _agrees(raw):
    """A value from the fast parser is the strict parser's value, types included (5 is not 5.0)."""
    fast = fast_loads(raw)
    if fast is None:
        return True
    strict = _strict(raw)
    return strict is not None and repr(fast) == repr(_wide_ints_as_floats(strict))


TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            ['"', "\\", ":", " ", "\t", "\r", "\u2028", "\x00", "\x1f", "\ud800", "é", "\U0001f600"]
        ),
    ),
    max_size=12,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
SPELLINGS = st.sampled_from(
    [
        {"separators": (",", ":")},
        {"separators": (", ", ": ")},
        {"separators": (",", " : ")},
        {"separators": (",", "\t:")},
        {"separators": (",", ":"), "ensure_ascii": False},
    ]
)


def _with_duplicate(text, key, value):
    """Insert ``key`` again right after the opening brace of the first object."""
    cut = text.index("{") + 1
    closing = "" if text[cut] == "}" else ","
    return text[:cut] + json.dumps(key) + ":" + json.dumps(value) + closing + text[cut:]


class TestFastLoads:
    """orjson behind the guard returns exactly the strict value, or defers."""

    def test_valid_event_takes_the_fast_path(self):
        raw = json.dumps(BASE_EVENT, separators=(",", ":")).encode()
        assert fast_loads(raw) == BASE_EVENT

    def test_lines_other_than_orjsons_own_bytes_take_the_counting_guard(self):
        """Spaced keys, a 5.0 spelling or escaped text are not orjson's bytes: the counting guard decides."""
        for raw in (
            json.dumps(BASE_EVENT).encode(),
            json.dumps(make_event(quantity=5.0), separators=(",", ":")).encode(),
            json.dumps(BASE_EVENT, separators=(",", ":")).replace('"pro"', '"\\u0070ro"').encode(),
        ):
            assert fast_loads(raw) == loads(raw.decode())

    def test_example_stream_agrees(self):
        for raw in EXAMPLE_EVENTS.read_bytes().splitlines():
            assert _agrees(raw)

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"a":1,"a":2}',
            b'{"a":1,"a" :1}',
            b'{"a" :1,"b":2,"a":3}',
            b'{"a":1,"\\u0061":2}',
            b'{"plan":{"plan_key":"x","plan_key":"y"}}',
            b'{"plan":{"features":{"f":"1","f":"2"}}}',
            b'{"attributes":{"k":"v","k":"v"}}',
            b'{"x":{"y":1,"y":2}}',
            b'{"x":[{"y":1,"y":2}]}',
            b'{"a":1,\t"a"\t:2}',
            b'{"a":1,\r"a"\r:2}',
        ],
    )
    def test_duplicate_keys_defer_to_the_strict_parser(self, raw):
        assert fast_loads(raw) is None
        assert _strict(raw) is None

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"a":NaN}',
            b'{"a":Infinity}',
            b'{"a":-Infinity}',
            b'{"a":"\x01"}',
            b'{"a":"\xff"}',
            b'{"a":1}x',
            b"\xef\xbb\xbf{}",
            b'{"a":1,}',
            b"{'a':1}",
            b'{"a":01}',
            b"\x0c{}",
            b"[]",
            b'"text"',
            b"",
        ],
    )
    def test_what_the_strict_parser_rejects_never_passes(self, raw):
        assert fast_loads(raw) is None

    @pytest.mark.slow  # ~3 s: 400 generated objects through both parsers
    @settings(max_examples=400, deadline=None)
    @given(st.dictionaries(TEXT, VALUES, max_size=6), SPELLINGS)
    def test_generated_objects(self, value, spelling):
        assert _agrees(json.dumps(value, **spelling).encode("utf-8", "surrogatepass"))

    @pytest.mark.slow  # ~1-4 s: 300 generated objects with injected duplicate keys
    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(TEXT, VALUES, min_size=1, max_size=5), st.data())
    def test_generated_duplicates_never_pass(self, value, data):
        key = data.draw(st.sampled_from(sorted(value)))
        text = _with_duplicate(json.dumps(value, separators=(",", ":")), key, data.draw(VALUES))
        raw = text.encode("utf-8", "surrogatepass")
        assert fast_loads(raw) is None
        assert _strict(raw) is None

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=40), st.integers(0, 400))
    def test_mutated_event_bytes(self, noise, where):
        raw = json.dumps(make_event(attributes={"tier": "a", "region": "b"})).encode()
        where %= len(raw)
        assert _agrees(raw[:where] + noise + raw[where:])


class TestFastLoadsMany:
    """The block parser is fast_loads line by line, whatever mix of lines a block holds."""

    def _same(self, lines):
        many = fast_loads_many(lines)
        assert repr(many) == repr([fast_loads(raw) for raw in lines])

    def test_example_stream_and_every_kind_of_line(self):
        lines = EXAMPLE_EVENTS.read_bytes().splitlines()[:300]
        lines += [
            b"",
            b"   ",
            b'{"a":1,"a":2}',
            b"\xef\xbb\xbf{}",
            b"[]",
            b"null",
            b"5",
            b'{"a":NaN}',
            b'"x"',
        ]
        lines += [json.dumps(BASE_EVENT).encode(), b'{"a":"\\ud800"}', b"[" * 300 + b"]" * 300]
        self._same(lines)
        self._same(lines[::-1])
        self._same([])

    def test_too_deep_for_orjsons_encoder(self):
        deep = b'{"a":' * 300 + b"1" + b"}" * 300
        self._same([json.dumps(BASE_EVENT, separators=(",", ":")).encode(), deep, b'{"a" :1}'])

    @pytest.mark.slow  # ~1-3 s: 60 generated blocks through both
    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.dictionaries(TEXT, VALUES, max_size=4), SPELLINGS, st.binary(max_size=6))))
    def test_generated_blocks(self, items):
        self._same(
            [
                json.dumps(value, **spelling).encode("utf-8", "surrogatepass") + noise
                for value, spelling, noise in items
            ]
        )


class TestWideIntegers:
    """Integers outside 64 bits are the fast parser's one difference; the schema rejects all of them."""

    @pytest.mark.parametrize("quantity", ["18446744073709551616", "-9223372036854775809", "1" + "0" * 30])
    def test_same_verdict_and_message(self, monkeypatch, quantity):
        text = json.dumps(make_event(quantity=0)).replace('"quantity": 0', f'"quantity": {quantity}')
        parsed = fast_loads(text.encode())
        assert parsed is not None
        assert isinstance(parsed["quantity"], float)
        request = ReplayRequest(window_start=WINDOW[0], window_end=WINDOW[1])
        fast = replay_lines([text], request, now=NOW)
        monkeypatch.setattr(pipeline, "fast_loads", lambda _raw: None)
        monkeypatch.setattr(pipeline, "fast_loads_many", lambda lines: [None] * len(lines))
        strict = replay_lines([text], request, now=NOW)
        assert fast.counts["invalid"] == 1
        assert fast.to_json() == strict.to_json()


class TestReplayDifferential:
    """A replay gives the same report with and without the fast parser."""

    def _lines(self):
        lines = []
        for number in range(240):
            event = make_event(idempotency_key=f"key-{number % 200:08d}", quantity=number % 5)
            text = json.dumps(event, separators=(",", ":") if number % 2 else (", ", ": "))
            if number % 17 == 0:
                text = _with_duplicate(text, "quantity", 7)
            if number % 19 == 0:
                text = text.replace('"plan_key":', '"plan_key":"x","plan_key":', 1)
            if number % 23 == 0:
                text = text.replace('"quantity"', '"quantity" ', 1)
            if number % 29 == 0:
                text = text.replace('"source":', '"sour\\u0063e":', 1)
            if number % 31 == 0:
                text = text.replace(f'"quantity":{number % 5}', f'"quantity":{number % 5}.0', 1)
            lines.append(text)
        return lines

    def test_same_report(self, monkeypatch, tmp_path):
        request = ReplayRequest(window_start=WINDOW[0], window_end=WINDOW[1])
        lines = self._lines()
        fast = replay_lines(lines, request, now=NOW, index=SqliteIndex(tmp_path / "fast.sqlite"))
        monkeypatch.setattr(pipeline, "fast_loads", lambda _raw: None)
        monkeypatch.setattr(pipeline, "fast_loads_many", lambda lines: [None] * len(lines))
        strict = replay_lines(lines, request, now=NOW, index=SqliteIndex(tmp_path / "strict.sqlite"))
        assert fast.to_json() == strict.to_json()
        assert strict.counts["invalid"] > 0
        assert strict.counts["duplicate"] > 0
