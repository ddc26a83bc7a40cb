"""The views' fast paths give exactly what the straightforward code they replace gives.

A TypeScript port reads the straightforward definitions (``html.unescape``,
RE2 ``finditer``, ``base64.urlsafe_b64decode``); these tests pin the faster
Python spellings to them on generated inputs.
"""

from __future__ import annotations

import base64
import binascii
import html
import html.entities
import unicodedata

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._support import budget
from tests.privacy._support import CORPUS

from saas_contracts._fragments import join_fragments
from saas_contracts._jsonio import loads
from saas_contracts.privacy import _rules, _runs, _scanner, _views, scan
from saas_contracts.privacy._rules import KeyInfo, default_rules

SETTINGS = settings(max_examples=budget(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = sorted(html.entities.html5)[:400]
REFERENCE_TEXT = st.lists(
    st.sampled_from(["&", "#", "x", "X", ";", "a", "m", "p", "0", "1", "9", "F", "\x00", " ", "\t"])
    | st.sampled_from(NAMES)
    | st.integers(min_value=0, max_value=0x110100).map(lambda n: f"&#{n};")
    | st.integers(min_value=0xD7F0, max_value=0xE010).map(lambda n: f"&#x{n:x};")
    | st.sampled_from(sorted(_views._HTML_SPECIAL_NUMBERS)).map(lambda n: f"&#{n};"),
    max_size=40,
).map("".join)
RUN_TEXT = st.text(alphabet="AaBbZz09+/_-= .\n\u00e9", max_size=400) | st.text(
    alphabet="0123456789abcdefABCDEFg ", max_size=400
)

DENSE_RUN_TEXT = st.lists(
    RUN_TEXT
    | st.text(alphabet="ab+/_-=", min_size=14, max_size=40)
    | st.text(alphabet="aA0_-", min_size=14, max_size=40)
    | st.text(alphabet="aA0+/", min_size=14, max_size=40)
    | st.text(alphabet="0123456789abcdef", min_size=22, max_size=50)
    | st.sampled_from([" ", "=", "==", "\u00e9"]),
    max_size=16,
).map("".join)


def _finditer_runs(pattern: str, text: str) -> list[str]:
    return [match.group(0) for match in re2.compile(pattern).finditer(text)]


class TestHtmlReferences:
    """Batch decoding of references equals html.unescape of each."""

    @SETTINGS
    @given(text=REFERENCE_TEXT)
    def test_each_reference_as_html_unescape(self, text):
        """Plain numbers, special numbers, names, unterminated and NUL-holding references alike."""
        items = _views._HTML_REFERENCE.findall(text)
        assert _views._html_references(items) == [html.unescape(item) for item in items]

    @SETTINGS
    @given(texts=st.lists(REFERENCE_TEXT, min_size=4, max_size=12))
    def test_many_numbers_as_html_unescape(self, texts):
        """More than 64 numbers among them (decoded as one list): each reference is html.unescape of it."""
        items = [item for text in texts for item in _views._HTML_REFERENCE.findall(text + "&#1;&#x2;" * 9)]
        assert _views._html_references(items) == [html.unescape(item) for item in items]

    @SETTINGS
    @given(text=REFERENCE_TEXT)
    def test_whole_text_as_html_unescape(self, text):
        """unescape_html of a text is html.unescape of it."""
        assert _views.unescape_html(text) == html.unescape(text)

    @SETTINGS
    @given(text=REFERENCE_TEXT, repeat=st.integers(min_value=1, max_value=80))
    def test_budget_charge_as_one_split(self, text, repeat):
        """Whichever split decodes the text, the budget pays its characters, references and spellings."""
        text *= repeat  # past the few mixed pieces the decimal split decodes on their own
        found = _views._HTML_REFERENCE.findall(text)
        budget = _views.Budget(0)
        before = budget.remaining
        assert _views.unescape_html(text, budget) == html.unescape(text)
        charged = len(text) + 2 * len(found) + 16 * len(set(found)) if "&" in text else 0
        assert before - budget.remaining == charged

    @SETTINGS
    @given(text=REFERENCE_TEXT, repeat=st.integers(min_value=1, max_value=40), by_runs=st.booleans())
    def test_decimal_splits(self, text, repeat, by_runs):
        """By runs of decimal references or one by one, from the first one on: html.unescape, same charge."""
        text *= repeat
        found = _views._HTML_REFERENCE.findall(text)
        budget = _views.Budget(0)
        before = budget.remaining
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_views, "_FEW_PIECES", 0)
            patch.setattr(_views, "_RUN_SHARE", 1 if by_runs else 1 << 40)
            assert _views.unescape_html(text, budget) == html.unescape(text)
        charged = len(text) + 2 * len(found) + 16 * len(set(found)) if "&" in text else 0
        assert before - budget.remaining == charged

    @pytest.mark.slow
    @SETTINGS
    @given(
        numbers=st.lists(st.integers(min_value=0, max_value=0x110100), min_size=65, max_size=120),
        fillers=st.lists(
            st.sampled_from(["&&&&&", "& ", "&;", "&\t", "a&", "&&", "x", "&<", "&\n"]), min_size=1
        ),
        extra=st.sampled_from(["", "&amp;", "&#x41;", "&#65", "&a", "&#;", "&"]),
    )
    def test_inert_ampersands_between_decimal_references(self, numbers, fillers, extra):
        """'&' starting no reference between numbers (decimal split, exact): html.unescape, same charge."""
        text = "".join(f"&#{n};{fillers[i % len(fillers)]}" for i, n in enumerate(numbers)) + extra
        found = _views._HTML_REFERENCE.findall(text)
        budget = _views.Budget(0)
        before = budget.remaining
        assert _views.unescape_html(text, budget) == html.unescape(text)
        assert before - budget.remaining == len(text) + 2 * len(found) + 16 * len(set(found))

    @SETTINGS
    @given(
        numbers=st.lists(st.integers(min_value=0, max_value=0x110100), min_size=65, max_size=120),
        before=st.lists(st.sampled_from(["a;", ";", "x;", "&amp;", "&#66;", ";&", "&#x41;;"]), min_size=1),
        cut=st.integers(min_value=0, max_value=6),
    )
    def test_references_each_after_a_semicolon(self, numbers, before, cut):
        """'a;&#N;' repeated (runs of one reference each), cut anywhere: html.unescape, same charge."""
        text = "".join(f"{before[i % len(before)]}&#{n};" for i, n in enumerate(numbers))
        text = text[: len(text) - cut]
        found = _views._HTML_REFERENCE.findall(text)
        budget = _views.Budget(0)
        before_units = budget.remaining
        assert _views.unescape_html(text, budget) == html.unescape(text)
        assert before_units - budget.remaining == len(text) + 2 * len(found) + 16 * len(set(found))

    def test_every_code_point(self):
        """Every decimal and hex number up to past the last code point decodes as html.unescape does."""
        items = [f"&#{n};" for n in range(0x110010)] + [f"&#x{n:X};" for n in range(0xD000, 0xE100)]
        assert _views._html_references(items) == list(map(html.unescape, items))


class TestRuns:
    """Run finding without Match objects equals RE2 finditer."""

    @SETTINGS
    @given(text=RUN_TEXT)
    def test_base64_runs(self, text):
        """Same base64 runs, same order."""
        assert _views._re2_runs(_views._BASE64_RUN, text) == _finditer_runs(_views._BASE64_RUN.pattern, text)

    @SETTINGS
    @given(text=RUN_TEXT)
    def test_hex_runs(self, text):
        """Same hex runs, same order."""
        assert _views._re2_runs(_views._HEX_RUN, text) == _finditer_runs(_views._HEX_RUN.pattern, text)

    @SETTINGS
    @given(text=DENSE_RUN_TEXT)
    def test_dense_runs(self, text):
        """Read by one sre findall from the first run on, the runs are RE2's, both patterns."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_runs, "_DENSE_RUNS", 1)
            patch.setattr(_runs, "_DENSE_GAP", 1 << 30)
            for pattern in (_views._BASE64_RUN, _views._HEX_RUN):
                assert _views._re2_runs(pattern, text) == _finditer_runs(pattern.pattern, text)

    def test_dense_runs_switch(self):
        """Long texts of many runs (the switch to findall after 64 of them) give RE2's runs."""
        pieces = [
            "aGFybWxlc3Mgd29yZHMgMQ==",
            "686172 6d6c657373203132" * 2,
            "abcdefghijklmnopq_rst",
            "abc_defghijklmnopqrst-",
            "abcdefghijklmnopqrst+_uvwxyzabcdefghij",
            "0123456789abcdef01234567",
            "\u00e9",
        ]
        for first in range(len(pieces)):
            text = " ".join(pieces[(first + index) % len(pieces)] for index in range(3000))
            for pattern in (_views._BASE64_RUN, _views._HEX_RUN):
                assert _views._re2_runs(pattern, text) == _finditer_runs(pattern.pattern, text)

    @SETTINGS
    @given(chunks=st.lists(st.binary(max_size=24) | st.text(max_size=20).map(str.encode), max_size=12))
    def test_printable_texts(self, chunks):
        """Judging whole lists keeps what judging each chunk keeps."""
        expected = [text for text in map(_views._printable_text, chunks) if text is not None]
        assert _views._printable_texts(chunks) == expected

    @SETTINGS
    @given(data=st.binary(max_size=60), cut=st.integers(min_value=0, max_value=3))
    def test_base64_decoding_as_urlsafe_b64decode(self, data, cut):
        """binascii on the standard alphabet decodes what urlsafe_b64decode of the -_ spelling decodes."""
        run = base64.b64encode(data).decode().rstrip("=")
        run = run[: max(0, len(run) - cut)]
        padded = run + "=" * (-len(run) % 4)
        try:
            expected: bytes | None = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        except (binascii.Error, ValueError):
            expected = None
        try:
            got: bytes | None = binascii.a2b_base64(padded.translate(_views._URLSAFE_TO_STANDARD).encode())
        except (binascii.Error, ValueError):
            got = None
        assert got == expected

    @SETTINGS
    @given(data=st.binary(max_size=80))
    def test_printable_count(self, data):
        """Deleting the printable bytes counts what the unprintable-character pattern finds."""
        text = data.decode("latin-1")
        if text.isascii():
            expected = len(_views._NON_PRINTABLE_ASCII.findall(text))
            assert len(data.translate(None, _views._PRINTABLE_ASCII_BYTES)) == expected


def _base64_runs_one_by_one(text: str, budget: _views.Budget) -> str:
    """The straightforward decoder: one run at a time, one budget charge per run."""
    pieces = []
    for found in _finditer_runs(_views._BASE64_RUN.pattern, text):
        if not budget.spend(16 + 2 * len(found)):
            break
        run = found.rstrip("=")
        if run.lower() == run or run.upper() == run:
            continue
        run = run[: len(run) - len(run) % 4] if len(run) % 4 == 1 else run
        try:
            data = base64.urlsafe_b64decode(run.replace("+", "-").replace("/", "_") + "=" * (-len(run) % 4))
        except (binascii.Error, ValueError):
            continue
        decoded = _views._printable_text(data)
        if decoded is not None:
            pieces.append(decoded)
    return "\n".join(pieces)


def _hex_runs_one_by_one(text: str, budget: _views.Budget) -> str:
    pieces = []
    for run in _finditer_runs(_views._HEX_RUN.pattern, text):
        if not budget.spend(16 + 2 * len(run)):
            break
        decoded = _views._printable_text(bytes.fromhex(run))
        if decoded is not None:
            pieces.append(decoded)
    return "\n".join(pieces)


RUNS_TEXT = st.lists(
    st.sampled_from(
        ["aGFybWxlc3Mgd29yZHMgMQ", "c2VjcmV0LXRva2VuLXZhbHVl==", "686172 6d6c657373203132", " ", "\n"]
    )
    | st.binary(min_size=6, max_size=30).map(lambda data: base64.urlsafe_b64encode(data).decode())
    | st.binary(min_size=12, max_size=30).map(bytes.hex)
    | RUN_TEXT,
    max_size=30,
).map(" ".join)


class TestRunDecoding:
    """Decoding whole lists of runs equals decoding them one by one, budget charges and cut-off included."""

    @SETTINGS
    @given(text=RUNS_TEXT, units=st.integers(min_value=-(1 << 20), max_value=4000))
    def test_base64(self, text, units):
        """Same text, same remaining budget, same exhaustion."""
        ours, theirs = _views.Budget(0), _views.Budget(0)
        ours.remaining = theirs.remaining = units
        ours.exhausted = theirs.exhausted = units < 0
        assert _views.decode_base64_runs(text, ours) == _base64_runs_one_by_one(text, theirs)
        assert (ours.remaining, ours.exhausted) == (theirs.remaining, theirs.exhausted)

    @SETTINGS
    @given(text=RUNS_TEXT, units=st.integers(min_value=-(1 << 20), max_value=4000))
    def test_hex(self, text, units):
        """Same text, same remaining budget, same exhaustion."""
        ours, theirs = _views.Budget(0), _views.Budget(0)
        ours.remaining = theirs.remaining = units
        ours.exhausted = theirs.exhausted = units < 0
        assert _views.decode_hex_runs(text, ours) == _hex_runs_one_by_one(text, theirs)
        assert (ours.remaining, ours.exhausted) == (theirs.remaining, theirs.exhausted)


class TestInvisible:
    """Stripping invisible characters after an RE2 presence check equals the plain substitution."""

    @SETTINGS
    @given(
        text=st.text(
            alphabet=st.sampled_from(["a", "\u00e9", "\u200b", "\ufeff", "\u2800", "\U000e0001", "\ud800"]),
            max_size=40,
        )
        | st.text(max_size=40)
    )
    def test_strip_invisible(self, text):
        """Same text out, lone surrogates included."""
        assert _views._strip_invisible(text) == _views._INVISIBLE.sub("", text)


class TestKeywordCache:
    """The lowered-text cache never changes a keyword verdict."""

    def test_long_text_keywords(self):
        """A long text and a short one give each rule the same keyword answer as lower() would."""
        rules = [rule for rule in default_rules() if rule.keywords]
        for text in ("x" * 5000 + "BEARER", "Bearer short", "y" * 5000):
            for rule in rules:
                expected = any(keyword in text.lower() for keyword in rule.keywords)
                assert rule.keyword_ok(text) is expected


def _reject_samples() -> list[tuple[str, object]]:
    samples: list[tuple[str, object]] = [
        (path.name, join_fragments(loads(path.read_text(encoding="utf-8"))))
        for path in sorted((CORPUS / "reject").glob("*.json"))
    ]
    for path in sorted((CORPUS / "recall" / "dev").glob("*.json"))[:8]:
        document = join_fragments(loads(path.read_text(encoding="utf-8")))
        samples.extend((path.name, {"notes": sample["text"]}) for sample in document["samples"])
    return samples


PAD = "x=1 & y%2 \\n \u00e9 " * 1200
"""Past 16 KiB in every view, with a line break, an escape, a percent sign and an '&' to make them."""


class TestFusedCandidates:
    """Searching a long subject's (raw or view) candidates in one regexp first never changes a finding."""

    @pytest.mark.slow
    def test_reject_corpus_and_recall_samples(self, monkeypatch):
        """Every view fused (threshold 0) finds what no view fused finds; samples inside long texts too."""
        samples = _reject_samples()
        padded = [
            (name, {"notes": PAD + doc["notes"] + PAD})
            for name, doc in samples
            if isinstance(doc, dict) and isinstance(doc.get("notes"), str)
        ][::5]
        for name, doc in samples + padded:
            monkeypatch.setattr(_scanner, "_FUSE_FROM", 1 << 40)
            expected = scan(doc).to_json()
            monkeypatch.setattr(_scanner, "_FUSE_FROM", 0)
            assert scan(doc).to_json() == expected, name
        assert any(scan(doc).findings for _, doc in padded)


KEYS = ["plan", "count", "notes", "password", "api_key", "x\u00e9", "a\nb", "sk_live_", "%41", "ws_ref_1"]
DOCUMENT = st.recursive(
    st.sampled_from(["free", "pro", "x y", "", "\\u0061", "caf\u00e9"]) | st.integers(0, 9),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=20,
)


def _all_texts(value: object) -> list[str]:  # noqa: C901 - the collector's rules, spelled out
    """Every member name and string value, in walk order (member names before their values)."""
    rules = default_rules()
    texts: list[str] = []
    stack: list[tuple[object, KeyInfo | None]] = [(value, None)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for key, child in node.items():
                texts.append(key)
                info = rules.key_info(key)
                if isinstance(child, str):
                    if not info.exempt(child):
                        texts.append(child)
                elif isinstance(child, (dict, list)):
                    stack.append((child, info))
        elif isinstance(node, list):
            for child in node:
                if isinstance(child, str):
                    if scope is None or not scope.exempt(child):
                        texts.append(child)
                elif isinstance(child, (dict, list)):
                    stack.append((child, scope))
    return texts


class TestInertNames:
    """Member names nothing can be found in are left out of the texts, but not out of the budget."""

    @SETTINGS
    @given(document=DOCUMENT)
    def test_budget_counts_every_text(self, document):
        """The budget is made from the size of every text joined, inert names included."""
        size = len("\n".join(_all_texts(document)))
        fresh = _scanner._Walk(default_rules())
        fresh._collect(document)
        joined = len("\n".join(fresh.texts))
        inert = fresh._inert_size
        assert joined + inert - (1 if inert and not fresh.texts else 0) == size

    def test_inert_names(self):
        """A plain snake_case name is inert; one a rule or a view could read is not."""
        rules = default_rules()
        assert rules.key_info("plan_label").skip == len("plan_label") + 1
        for name in ("sk_live_" + "a" * 24, "caf\u00e9", "a\nb", "%41", "\\u0061", "alice@example.org"):
            assert rules.key_info(name).skip == 0, name


def _match_examples() -> list[str]:
    texts = []
    for rule in default_rules().text_rules:
        for example in rule.examples.get("match", []):
            text = example.get("text") if isinstance(example, dict) else None
            texts.append("".join(text) if isinstance(text, list) else text)
    return sorted({text for text in texts if isinstance(text, str)})


EXAMPLES = _match_examples()
EDGE_PIECES = [" ", "\t", "\n", "\r\n", "\u3000", "\x0b", "x", "\u00e9"]
EDGES = st.lists(st.sampled_from(EDGE_PIECES), max_size=4).map("".join)
FILLER = st.sampled_from(["", "a ", "x" * 40, "\n\n", "sk_live_", "=="]).map(lambda piece: piece * 3)


class TestTrimmedCandidates:
    """The trimmed view's reduced set pass keeps every rule that matches it but not the text it trims."""

    @SETTINGS
    @given(
        example=st.sampled_from(EXAMPLES),
        before=EDGES,
        after=EDGES,
        inner=FILLER,
        place=st.sampled_from(["start", "end", "both", "middle"]),
    )
    def test_new_matches_are_candidates(self, example, before, after, inner, place):
        """Every rule matching base.strip() and not base is a candidate (base: an NFKC-clean text)."""
        body = {
            "start": example + inner,
            "end": inner + example,
            "both": example + inner + example,
            "middle": inner + example + inner,
        }[place]
        base = _views.clean(before + body + after)
        trimmed = base.strip()
        rules = default_rules()
        encoded = trimmed.encode("utf-8")
        candidates = set(rules.trimmed_candidates(encoded, trimmed))
        assert candidates <= set(rules.prefilter.Match(encoded) or ())
        for index, rule in enumerate(rules.text_rules):
            if rule.search(trimmed) is not None and rule.search(base) is None:
                assert index in candidates, (rule.id, trimmed)

    def test_reach_bounds_every_end_anchored_rule(self):
        """Packaged end-anchored rules are bounded (the window applies); what fails to parse is unbounded."""
        reach = default_rules()._end_reach()
        assert reach is not None
        assert 0 < reach <= _rules._MAX_REACH
        rules = default_rules()
        hex_rule = next(index for index, rule in enumerate(rules.text_rules) if rule.id == "bare-hex-token")
        for base in (" " + "ab" * 20 + "\n", "\n0x" + "ab" * 256 + "\t ", "ab" * 20 + " " * 9):
            trimmed = base.strip()
            assert rules.text_rules[hex_rule].search(base) is None
            assert rules.text_rules[hex_rule].search(trimmed) is not None
            assert hex_rule in rules.trimmed_candidates(trimmed.encode(), trimmed)
        assert _rules._max_width("(?:^|[^A-Z])AKIA[A-Z0-9]{16}(?:$|[^A-Z0-9])") == 22
        assert _rules._max_width("a[b-z]{2,}$") > _rules._MAX_REACH
        assert _rules._max_width(r"\Qab\E$") > _rules._MAX_REACH


class TestClean:
    """clean() skipping its second strip when NFKC changed nothing equals the full definition."""

    @SETTINGS
    @given(
        text=st.lists(
            st.sampled_from(["a", "\u00e9", "e\u0301", "\u200b", "\ufb01", "\uff41", "\u00ad", "\u2800"]),
            max_size=40,
        ).map("".join)
        | st.text(max_size=40)
    )
    def test_clean(self, text):
        """NFKC between two invisible-character strips."""
        expected = unicodedata.normalize("NFKC", _views._INVISIBLE.sub("", text))
        assert _views.clean(text) == _views._INVISIBLE.sub("", expected)
