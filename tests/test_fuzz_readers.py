"""Every command that reads JSON, fed hostile bytes: documented exit code, no traceback, no planted secret.

Hostile documents are built from a valid carrier document per command (so the
bytes reach past the JSON reader): a member is spliced in as raw text (huge
integers, ``1e999``, ``NaN``/``Infinity``, lone surrogate escapes, deep nesting,
a duplicate key, NUL), then the bytes may be mangled (BOM, CRLF, invalid UTF-8,
a raw NUL, a very long line, truncation, an empty file). A secret-shaped
string is planted as a value or as a member name; it must never appear in full
in stdout, stderr or any file the command writes. Each command runs in process
through the ``cli`` fixture, so a crash fails the test as a crash. FIFOs are
covered by the readers' own tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests._support import ROOT
from tests.entitlements._support import event, request
from tests.ledger._support import BASE_EVENT

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests._support import Cli

# Built in pieces so that no whole secret is ever stored in the repository.
SECRET = "sk_" + "live_" + "4eC39HqLyjWD" + "arjtT1zdp7dc"
SECRET_ESCAPED = json.dumps(SECRET)[1:-1]
"""The secret as it appears inside a JSON string (identical: it needs no escape)."""

WINDOW = ("--window-start", "2026-10-15T00:00:00Z", "--window-end", "2026-11-14T00:00:00Z")
NOW = ("--now", "2026-11-21T00:00:00Z")
DOCUMENTED = frozenset({0, 1, 2})
"""Exit codes a command may give for any input; 3 (internal error) is a bug."""


def _fragments(max_depth: int) -> st.SearchStrategy[str]:
    """Raw JSON text for one member value, most of it hostile."""
    depth = st.integers(min_value=1, max_value=max_depth)
    return st.one_of(
        st.sampled_from(
            [
                "1" + "0" * 5000,  # past the int-string limit
                "-" + "9" * 4301,
                "1e999",
                "-1e999",
                "1" + "0" * 400 + ".5",  # beyond a double
                "NaN",
                "Infinity",
                "-Infinity",
                '"\\ud800"',  # lone surrogates
                '"\\udfff tail"',
                '"\\ud83d\\ude00"',  # a real pair: fine
                '"nul\\u0000inside"',
                '"nul\x00raw"',
                '{"a": 1, "a": 2}',  # duplicate key
                "[1, 2,]",
                "{",
                '"' + "x" * 70_000 + '"',  # a long line
                "null",
                "true",
                '""',
            ]
        ),
        depth.map(lambda n: "[" * n + "]" * n),
        depth.map(lambda n: '{"a":' * n + "1" + "}" * n),
        st.integers().map(str),
        st.text(max_size=20).map(json.dumps),
    )


@dataclass(frozen=True)
class Mangle:
    """One byte-level change applied to the finished document."""

    name: str
    apply: Callable[[bytes, int], bytes]


MANGLES = [
    Mangle("none", lambda data, _: data),
    Mangle("bom", lambda data, _: b"\xef\xbb\xbf" + data),
    Mangle("crlf", lambda data, _: data.replace(b"\n", b"\r\n") + b"\r\n"),
    Mangle(
        "invalid-utf8",
        lambda data, at: data[: at % (len(data) + 1)] + b"\xff\xc3(" + data[at % (len(data) + 1) :],
    ),
    Mangle("raw-nul", lambda data, at: data[: at % (len(data) + 1)] + b"\x00" + data[at % (len(data) + 1) :]),
    Mangle("truncated", lambda data, at: data[: at % (len(data) + 1)]),
    Mangle("empty", lambda _data, _: b""),
    Mangle("blank-lines", lambda data, _: b"\n\n" + data + b"\n \n"),
]


def _splice(carrier: dict[str, Any], members: list[tuple[str, str]]) -> str:
    """The carrier's JSON text with raw ``"name": fragment`` members inserted first."""
    body = json.dumps(carrier, ensure_ascii=False)
    inserted = "".join(f"{json.dumps(name)}: {fragment}, " for name, fragment in members)
    return "{" + inserted + body[1:] if body != "{}" else "{" + inserted.rstrip(", ") + "}"


@st.composite
def hostile_documents(draw: st.DrawFn, carrier: dict[str, Any], *, plant: str, max_depth: int) -> bytes:
    """One hostile document (or JSON Lines stream) around ``carrier`` with the secret planted."""
    fragments = draw(st.lists(_fragments(max_depth), min_size=0, max_size=3))
    members = [(f"hostile_{index}", fragment) for index, fragment in enumerate(fragments)]
    planted = ("note", json.dumps(SECRET)) if plant == "value" else (SECRET, draw(_fragments(max_depth)))
    members.insert(draw(st.integers(0, len(members))), planted)
    nested = draw(st.booleans())
    if nested:  # also plant inside a nested object, where most readers look deeper
        inner = {"inner": 1}
        members.append(("nested", _splice(inner, [planted])))
    text = _splice(carrier, members)
    lines = [text]
    if draw(st.booleans()):  # a JSON Lines stream: a clean carrier line around the hostile one
        lines = [json.dumps(carrier), text, json.dumps(carrier)]
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
    mangle = draw(st.sampled_from(MANGLES))
    return mangle.apply(data, draw(st.integers(0, 1 << 16)))


@dataclass(frozen=True)
class Reader:
    """One command that reads a JSON file: how to call it on a path, and its carrier document."""

    name: str
    suffix: str
    carrier: dict[str, Any]
    args: Callable[[Path, Path], list[str]]
    """Command-line arguments for the input file and a scratch folder."""


def _diff_args(path: Path, scratch: Path) -> list[str]:
    old, new = scratch / "old", scratch / "new"
    old.mkdir()
    new.mkdir()
    (old / "a.json").write_text(json.dumps(SCHEMA_CARRIER), encoding="utf-8")
    (new / "a.json").write_bytes(path.read_bytes())
    return ["diff", str(old), str(new), "-o", "json"]


SCHEMA_CARRIER: dict[str, Any] = {
    "type": "object",
    "properties": {"count": {"type": "integer", "minimum": 0}, "label": {"type": "string"}},
    "required": ["count"],
}
FIXTURE = json.loads((ROOT / "fixtures" / "usage-event-ledger.core-fixture.json").read_text(encoding="utf-8"))

READERS = [
    Reader(
        "validate",
        ".jsonl",
        BASE_EVENT,
        lambda path, _: ["validate", "-s", "usage-ledger/v1/event", str(path), "-o", "json"],
    ),
    Reader("scan", ".jsonl", BASE_EVENT, lambda path, _: ["scan", str(path), "-q"]),
    Reader(
        "ledger-replay",
        ".jsonl",
        BASE_EVENT,
        lambda path, _: ["ledger", "replay", str(path), *WINDOW, *NOW, "--dry-run", "--jobs", "1"],
    ),
    Reader(
        "ledger-summarize",
        ".jsonl",
        BASE_EVENT,
        lambda path, _: ["ledger", "summarize", str(path), *WINDOW, *NOW, "--jobs", "1", "-o", "json"],
    ),
    Reader(
        "entitlements-decide",
        ".jsonl",
        request([], "2026-02-02T00:00:00Z"),
        lambda path, _: ["entitlements", "decide", str(path), "-o", "json"],
    ),
    Reader(
        "entitlements-apply",
        ".jsonl",
        event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro", period_end="2026-02-01T00:00:00Z"),
        lambda path, scratch: ["entitlements", "apply", str(path), "--state", str(scratch / "state.json")],
    ),
    Reader(
        "fixtures-check", ".json", FIXTURE, lambda path, _: ["fixtures", "check", str(path), "-o", "json"]
    ),
    Reader("diff", ".json", SCHEMA_CARRIER, _diff_args),
]
_BY_NAME = {reader.name: reader for reader in READERS}


def _cases() -> list[Any]:
    return [
        pytest.param(reader.name, plant, id=f"{reader.name}-{plant}")
        for reader in READERS
        for plant in ("value", "name")
    ]


def _run(cli: Cli, reader: Reader, data: bytes, scratch: Path) -> None:
    """Run ``reader`` on ``data`` in a fresh folder and check exit code, traceback and secret."""
    for child in sorted(scratch.rglob("*"), reverse=True):
        child.unlink() if not child.is_dir() or child.is_symlink() else child.rmdir()
    path = scratch / f"input{reader.suffix}"
    path.write_bytes(data)
    result = cli(*reader.args(path, scratch))
    assert result.exit_code in DOCUMENTED, (result.exit_code, result.stderr[-500:])
    assert "Traceback" not in result.output
    assert "internal error" not in result.stderr
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr
    for written in scratch.rglob("*"):
        if written.is_file() and written != path and written.parent.name != "new":
            assert SECRET.encode() not in written.read_bytes(), written.name


_BASE = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
_FAST = settings(_BASE, phases=[Phase.explicit, Phase.generate])  # no shrinking: keep the loop fast
_SLOW = settings(_BASE, max_examples=60)


@pytest.mark.parametrize(("name", "plant"), _cases())
def test_hostile_input_fast(cli: Cli, tmp_path: Path, name: str, plant: str) -> None:
    """A handful of hostile documents per command: exit 0, 1 or 2, no traceback, no planted secret."""
    reader = _BY_NAME[name]

    @_FAST
    @given(data=hostile_documents(reader.carrier, plant=plant, max_depth=2000))
    def check(data: bytes) -> None:
        _run(cli, reader, data, tmp_path)

    check()


@pytest.mark.slow  # 60 examples per command and plant, nesting up to 100,000: 20-60 s in all
@pytest.mark.parametrize(("name", "plant"), _cases())
def test_hostile_input_thorough(cli: Cli, tmp_path: Path, name: str, plant: str) -> None:
    """Many hostile documents per command, nesting up to 10^5 levels: the same promises hold."""
    reader = _BY_NAME[name]

    @_SLOW
    @given(data=hostile_documents(reader.carrier, plant=plant, max_depth=100_000))
    def check(data: bytes) -> None:
        _run(cli, reader, data, tmp_path)

    check()


class TestPlantedMemberName:
    """A valid document with a secret-shaped member name: the name never appears in full."""

    @pytest.mark.parametrize(
        "name",
        [reader.name for reader in READERS if reader.name != "diff"],
    )
    def test_valid_document_with_secret_member_name(self, cli: Cli, tmp_path: Path, name: str) -> None:
        """The cleanest carrier for the name: nothing else is wrong with the document."""
        reader = _BY_NAME[name]
        text = _splice(reader.carrier, [(SECRET, "1")])
        _run(cli, reader, (text + "\n").encode(), tmp_path)


class TestHostileSchemaName:
    """``validate --schema`` with a hostile name or fragment is a usage error (exit 2), never a crash."""

    @pytest.mark.parametrize(
        "name",
        [
            "../../etc/passwd",
            "https://evil.example/x",
            "#",
            "a" * 5000,
            "a\x00b",
            "common/v1/common#/$defs/nope",
            "common/v1/common#nope",
            "common/v1/common#/$defs/quantity/~2",
            "common/v1/common#/%ZZ",
            "common/v1/common#/$defs/quantity#/x",
            "common/v1/common#/\ud800",
        ],
        ids=repr,
    )
    def test_exit_two(self, cli: Cli, tmp_path: Path, name: str) -> None:
        """Unknown names and unresolvable fragments are reported, not raised."""
        path = tmp_path / "doc.json"
        path.write_text("{}", encoding="utf-8")
        result = cli("validate", "-s", name, str(path))
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ")
        assert "Traceback" not in result.output
