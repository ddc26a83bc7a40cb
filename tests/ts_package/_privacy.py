"""Python's privacy verdicts for the TypeScript package's ``./privacy`` tests.

:func:`reference` scans every corpus document (accept, reject, holdout, recall) and a set of
disguised variants with :func:`saas_contracts.privacy.scan`; the workerd test scans the same
documents with the TypeScript kit and compares the findings item by item.
``python -m tests.ts_package._privacy html OUT.json`` writes the HTML character reference
tables (Python's ``html.unescape`` data) the package embeds; a test keeps that file in sync.
"""

from __future__ import annotations

import base64
import html
import html.entities
import json
import random
import sys
import unicodedata
from pathlib import Path
from typing import Any
from unittest import mock

from tests._support import ROOT

from saas_contracts._fragments import join_fragments
from saas_contracts._mask import declared_names
from saas_contracts.privacy import (
    _views,
    default_rules,
    load_config,
    normalize_key,
    rules_digest,
    scan,
    scan_text,
)
from saas_contracts.privacy._rules import example_text

CORPUS = ROOT / "tests" / "privacy" / "corpus"
HTML_TABLES = ROOT / "packages" / "contracts" / "scripts" / "privacy-html-references.json"


_NAMED_CODE_POINTS = (*range(0x20, 0x7F), *range(0xFF01, 0xFF5F))


def html_tables() -> dict[str, Any]:
    """The data ``html.unescape`` decodes with (named references, numeric replacements, dropped points)."""
    # Private names of the html module: the exact tables html.unescape uses.
    charrefs: dict[int, str] = getattr(html, "_invalid_charrefs")  # noqa: B009 - private, not in the stubs
    codepoints: set[int] = getattr(html, "_invalid_codepoints")  # noqa: B009 - private, not in the stubs
    return {
        "generated": "by tests/ts_package/_privacy.py from Python's html and unicodedata: do not edit",
        "named": dict(sorted(html.entities.html5.items())),
        "invalid_charrefs": {str(key): value for key, value in sorted(charrefs.items())},
        "invalid_codepoints": sorted(codepoints),
        # The \\N{NAME} escapes the kit decodes as Python's unicode_escape codec does: printable ASCII
        # and its full-width forms (the kit has no full Unicode name table; other names stay undecoded).
        "unicode_names": {unicodedata.name(char): char for char in map(chr, _NAMED_CODE_POINTS)},
    }


def _load(path: Path) -> Any:
    return join_fragments(json.loads(path.read_text(encoding="utf-8")))


def _item(corpus: str, name: str, document: Any, *, config: bool = False) -> dict[str, Any]:
    return {"corpus": corpus, "name": name, "document": document, "config": config}


def _documents() -> list[dict[str, Any]]:
    # The development corpus is scanned with its product config, as tests/privacy/test_corpus.py does.
    items = [
        _item(kind, path.name, _load(path), config=True)
        for kind in ("accept", "reject")
        for path in sorted((CORPUS / kind).glob("*.json"))
    ]
    items += [
        _item(f"holdout/{kind}", path.name, _load(path))
        for kind in ("accept", "reject")
        for path in sorted((CORPUS / "holdout" / kind).glob("*.json"))
    ]

    def add(corpus: str, name: str, document: Any) -> None:
        items.append(_item(corpus, name, document))

    for path in sorted((CORPUS / "recall" / "dev").glob("*.json")):
        for index, sample in enumerate(_load(path)["samples"]):
            add("recall/dev", f"{path.stem}#{index}", {"notes": sample["text"]})
    for path in sorted((CORPUS / "recall" / "clean").glob("*.json")):
        document = _load(path)
        if path.name == "lines.json":
            for index, sample in enumerate(document["samples"]):
                add("recall/clean", f"lines#{index}", {"notes": sample["text"]})
        else:
            add("recall/clean", path.name, document)
    for name, document in _disguised():
        add("disguised", name, document)
    for index, document in enumerate(_fuzz()):
        add("fuzz", f"fuzz#{index}", document)
    return items


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


_CYRILLIC = dict(zip("aeopcsi", "\u0430\u0435\u043e\u0440\u0441\u0455\u0456", strict=True))


def _disguises(secret: str) -> dict[str, str]:
    """One secret spelled so that only a normalized view shows it."""
    half = len(secret) // 2
    return {
        "zero-width": secret[:3] + "\u200b" + secret[3:half] + "\u2060" + secret[half:],
        "fullwidth": _fullwidth(secret),
        "confusable": "".join(_CYRILLIC.get(c, c) for c in secret[:8]) + secret[8:],
        "wrapped": secret[:half] + "\n    " + secret[half:],
        "wrapped-backslash": secret[:half] + "\\\n" + secret[half:],
        "json-escape": "".join(f"\\u{ord(c):04x}" for c in secret[:6]) + secret[6:],
        "x-escape": "".join(f"\\x{ord(c):02x}" for c in secret[:4]) + secret[4:],
        "js-brace-escape": f"\\u{{{ord(secret[0]):x}}}" + secret[1:],
        "html-decimal": "".join(f"&#{ord(c)};" for c in secret[:5]) + secret[5:],
        "html-hex": "".join(f"&#x{ord(c):x};" for c in secret[:5]) + secret[5:],
        "percent": "".join(f"%{ord(c):02X}" for c in secret),
        "double-percent": "".join(f"%25{ord(c):02X}" for c in secret[:4]) + secret[4:],
        "base64": base64.b64encode(("KEY=" + secret).encode()).decode(),
        "base64url": base64.urlsafe_b64encode(("token: " + secret).encode()).decode().rstrip("="),
        "hex": ("KEY=" + secret).encode().hex(),
        "trailing-newline": secret + "\n",
        "leading-space": "  " + secret,
        "embedded-json": json.dumps({"api_key": secret}),
        "embedded-json-escaped": json.dumps(json.dumps({"note": secret})),
    }


def _disguised() -> list[tuple[str, Any]]:
    secrets = {
        "stripe": ["sk_li", "ve_4eC39HqLyjWDarjtT1zdp7dc"],
        "github": ["ghp_", "16C7e42F292c6912E7710c838347Ae178B4a"],
        "slack": ["xoxb-", "263594206564-2343594206564-FGqddMF8t08v8N7Oq4i57vs1"],
        "aws": ["AKIA", "IOSFODNN7EXAMPLQ"],
        "email": ["jane.doe", "@example-corp.io"],
    }
    out: list[tuple[str, Any]] = []
    for label, parts in secrets.items():
        secret = "".join(parts)
        for disguise, text in _disguises(secret).items():
            out.append((f"{label}/{disguise}/value", {"notes": text}))
            out.append((f"{label}/{disguise}/field", {"config": {"api_key": text, "items": [text]}}))
            out.append((f"{label}/{disguise}/key", {text: "x"}))
    # Padding of every decoder kind before the secret: the shared budget, not a count, bounds the work.
    stripe = "".join(secrets["stripe"])
    padding = {
        "base64-runs": " ".join(["QWxhZGRpbjpvcGVuIHNlc2FtZQ=="] * 400),
        "html-refs": "&amp;" * 3000,
        "percent": "%41" * 3000,
        "escapes": "\\u0041" * 3000,
    }
    for kind, pad in padding.items():
        out.append((f"padding/{kind}", {"notes": [pad, _disguises(stripe)["base64"], pad + stripe]}))
    out.append(("budget/exhausted", {"notes": ["&amp;\\u0041%41" * 40000] * 8 + [stripe]}))
    return out


# Shrunken work budgets (base units, units per character): the budget runs out at many points,
# and both kits must stop at the same view and report the same text as undecidable.
BUDGET_UNITS = ((0, 1), (0, 3), (0, 8), (4096, 2))
BUDGET_CORPORA = frozenset({"reject", "holdout/reject", "disguised", "fuzz"})


def _budget_cases(documents: list[dict[str, Any]], config: Any) -> list[dict[str, Any]]:
    cases = []
    for base, per_char in BUDGET_UNITS:
        with mock.patch.object(_views, "_BASE_UNITS", base), mock.patch.object(_views, "_PER_CHAR", per_char):
            for index, item in enumerate(documents):
                if item["corpus"] in BUDGET_CORPORA:
                    report = scan(item["document"], config if item["config"] else None)
                    found = [finding.to_json() for finding in report.findings]
                    cases.append({"document": index, "base": base, "per_char": per_char, "findings": found})
    return cases


# Pieces the seeded fuzz documents are made of: secret fragments and the edge cases of every
# decoder (malformed and octal escapes, \\N{...}, partial and numeric HTML references, invalid
# percent UTF-8, Python-only whitespace and line breaks, look-alikes, invisible characters).
_PIECES = (
    "sk_li", "ve_4eC39HqLyjWDarjtT1zdp7dc", "ghp_", "16C7e42F292c6912E7710c838347Ae178B4a", "AKIA",
    "IOSFODNN7EXAMPLQ", "jane.doe", "@example-corp.io", "Bearer ", "token=", "https://", "user:pa55w0rd",
    "@db.internal", "eyJhbGciOiJIUzI1NiJ9",
    r"\x4", r"\u12", r"\101", r"\N{LATIN SMALL LETTER S}", r"\u{1F600}", r"\ud83d\ude00", r"\/", r"\q", "\\",
    "&amp", "&ampx;", "&#128;", "&#xD800;", "&notit;", "&#0;", "&#x110000;", "&LT", "&#115;&#107;",
    "%e2%82", "%ZZ", "%", "%25", "%73%6B", "%C3%A9",
    "\r\n", "\u2028", "\x1c", "\x85", "\t", "  ", "\n    ", "\u3000",
    "\uff53\uff4b", "\u0455\u043a", "\u200b", "\u00ad", "\ufeff", "e\u0301", "\u2126", "\U0001d42c",
    "{", "}", "[", "]", '"', "c2tfbGl2ZV9", "736b5f6c6976655f", "QUJDREVGR0hJSktMTU5PUA==",
    "0123456789abcdef01234567",
)  # fmt: skip


def _fuzz(count: int = 400) -> list[Any]:
    chooser = random.Random(12)  # noqa: S311 - a fixed, reproducible test corpus, not cryptography
    documents: list[Any] = []
    for _ in range(count):
        text = "".join(chooser.choice(_PIECES) for _ in range(chooser.randint(1, 12)))
        shape = chooser.randrange(6)
        if shape == 0:
            documents.append({"notes": text})
        elif shape == 1:
            documents.append({"client_secret": text, "count": chooser.choice([3, 1.5, 10**17, -0.25])})
        elif shape == 2:
            documents.append({text: "x", "items": [text.strip(), {"password": text}]})
        elif shape == 3:
            documents.append({"payload": json.dumps({"api_key": text, "nested": [text]})})
        elif shape == 4:
            documents.append([text, text.upper(), text[::-1]])
        else:
            documents.append(text)
    return documents


# Member names for normalize_key: camelCase, acronyms, separators, invisible and full-width characters.
PROBE_KEYS = (
    "apiKey",
    "X-Api-Key",
    "HTTPHeaderToken",
    "cf-aig-log-id",
    "pass\u200bword",
    "\uff50\uff41\uff53\uff53",
    "__user.id__",
)


def _probe_texts() -> list[str]:
    """Every rule and allow example text, upper-cased and case-swapped too, and Unicode case-folding traps."""
    rules = default_rules()
    texts = {
        example_text(example)
        for rule in [*rules, *rules.allow]
        for label in ("match", "no_match")
        for example in rule.examples[label]
    }
    texts |= {text.upper() for text in list(texts)} | {text.swapcase() for text in list(texts)}
    texts |= {"\u017fk_live_" + "x" * 20, "\u212aey", "A\u0130B", "sk_live_\u0130abcdefghijklmnopq"}
    return sorted(texts)


def rule_probes() -> dict[str, Any]:
    """Each value pattern (after its keyword prefilter) against every probe text: the texts RE2 matches."""
    rules = default_rules()
    texts = _probe_texts()
    matches = {
        rule.id: [index for index, text in enumerate(texts) if rule.search(text) is not None]
        for rule in rules
        if rule.pattern
    }
    keys = {key: normalize_key(key) for key in PROBE_KEYS}
    return {"texts": texts, "matches": matches, "normalized_keys": keys}


def _text_cases(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Plain texts for scan_text: each corpus as JSON Lines and as indented reports (many 64-line
    # batches, punctuation-only lines, line numbers past each batch), raw sample lines, masked previews.
    def corpus(name: str) -> list[Any]:
        return [item["document"] for item in documents if item["corpus"] == name]

    texts: dict[str, str] = {}
    for name in ("reject", "accept", "holdout/reject", "disguised", "fuzz", "recall/clean"):
        documents_here = corpus(name)
        texts[f"{name}/jsonl"] = "\n".join(json.dumps(item, ensure_ascii=False) for item in documents_here)
        texts[f"{name}/report"] = "\n".join(
            json.dumps(item, ensure_ascii=False, indent=2) for item in documents_here
        )
    texts["recall/dev/lines"] = "\n".join(document["notes"] for document in corpus("recall/dev"))
    texts["masked-previews"] = "\n".join(
        ["sk_l\u2026(32 chars)", "ghp_\u2026(40 chars) at /config/key", "\u2026(9 chars)", "  ],", "{", ""]
        * 40
    )
    cases = [{"name": name, "text": text, "config": False} for name, text in texts.items()]
    cases.append({"name": "reject/jsonl+config", "text": texts["reject/jsonl"], "config": True})
    return cases


def reference() -> dict[str, Any]:
    """The documents with Python's findings, the product config and the rules digests."""
    config_path = CORPUS / "product-config.json"
    config = load_config(config_path)
    config_document = json.loads(config_path.read_text(encoding="utf-8"))
    documents = _documents()
    for item in documents:
        report = scan(item["document"], config if item["config"] else None)
        item["findings"] = [finding.to_json() for finding in report.findings]
    text_cases = _text_cases(documents)
    for case in text_cases:
        report = scan_text(case["text"], config if case["config"] else None)
        case["findings"] = [finding.to_json() for finding in report.findings]
    return {
        "config": {key: value for key, value in config_document.items() if key != "$schema"},
        "rules_digest": rules_digest(),
        "config_rules_digest": rules_digest(config),
        "declared_names": sorted(declared_names()),
        "documents": documents,
        "budget_cases": _budget_cases(documents, config),
        "text_cases": text_cases,
        "rule_probes": rule_probes(),
    }


if __name__ == "__main__":
    if sys.argv[1] == "html":
        text = json.dumps(html_tables(), ensure_ascii=False, indent=0)
        Path(sys.argv[2]).write_text(text + "\n", encoding="utf-8")
    else:
        Path(sys.argv[1]).write_text(json.dumps(reference()) + "\n", encoding="utf-8")
