"""The rules file: schema-valid, portable, fragment-stored, and every example holds."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.privacy._support import CORPUS, RULES_PATH

from saas_contracts._validation import validate
from saas_contracts.errors import SchemaDefinitionError
from saas_contracts.privacy import ScanConfig, default_rules, load_config, normalize_key, scan
from saas_contracts.privacy._rules import (
    compile_python,
    deny_term_rule,
    example_text,
    iter_examples,
    lint_pattern,
)

RULES = default_rules()
DOCUMENT = json.loads(RULES_PATH.read_text(encoding="utf-8"))
EXAMPLES = [
    pytest.param(rule, label, example, id=f"{rule.id}-{label}-{index}")
    for rule in RULES
    for label, index, example in iter_examples(rule)
]
ALLOW_EXAMPLES = [
    pytest.param(entry, label, example, id=f"{entry.id}-{label}-{index}")
    for entry in RULES.allow
    for label, index, example in iter_examples(entry)
]
# Token shapes that push-protection scanners recognize on sight.
PUSH_PROTECTED = {
    "stripe-secret-key",
    "stripe-publishable-key",
    "stripe-webhook-secret",
    "paddle-api-key",
    "paddle-notification-secret",
    "lemonsqueezy-api-key",
    "cloudflare-api-token",
    "github-token",
    "aws-access-key-id",
    "google-credential",
    "openai-api-key",
    "anthropic-api-key",
    "slack-token",
    "slack-webhook-url",
    "replicate-api-token",
    "jwt",
    "pem-private-key",
}
REQUIRED_FAMILIES = {
    "credential",
    "raw_id",
    "storage",
    "private_url",
    "execution_id",
    "gateway_metadata",
    "webhook_payload",
    "image_bytes",
}


def _document_for(rule: Any, example: Any) -> Any:
    text = example_text(example)
    if rule.target == "structure":
        return json.loads(text)
    if rule.target == "field":
        return {example["key"]: text}
    if rule.target == "key":
        return {text: 1}
    return {"note": text}


class TestRulesFile:
    """The packaged rules document itself."""

    def test_validates_against_its_schema(self):
        """rules.json satisfies privacy/v1/rules (loaded through the packaged SchemaCatalog)."""
        assert validate(DOCUMENT, "privacy/v1/rules") == ()

    def test_schema_rejects_a_broken_rule(self):
        """The schema is not a rubber stamp: a field rule without key_pattern is invalid."""
        broken = json.loads(json.dumps(DOCUMENT))
        field_rule = next(rule for rule in broken["rules"] if rule["target"] == "field")
        del field_rule["key_pattern"]
        assert validate(broken, "privacy/v1/rules")

    def test_every_family_has_rules(self):
        """Each family the issue lists has at least one rule."""
        assert {rule.family for rule in RULES} >= REQUIRED_FAMILIES

    def test_ids_are_unique(self):
        """Rule ids identify findings and SARIF rules: no duplicates."""
        ids = [rule.id for rule in RULES] + [entry.id for entry in RULES.allow]
        assert len(ids) == len(set(ids))

    def test_digest_is_stable_and_canonical(self):
        """The digest is sha256 over RFC 8785 bytes: key order in the file does not matter."""
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", RULES.digest)
        assert scan({}).rules_digest == RULES.digest

    def test_allow_patterns_are_anchored(self):
        """Allowlisting is by exact grammar: every allow pattern is ^...$."""
        for entry in RULES.allow:
            for pattern in filter(None, (entry.pattern, entry.key_pattern)):
                assert pattern.startswith("^")
                assert pattern.endswith("$")


class TestExamples:
    """Every rule's examples are tests, on every engine."""

    @pytest.mark.parametrize(("rule", "label", "example"), EXAMPLES)
    def test_rule_verdict(self, rule, label, example):
        """RE2 gives the labelled verdict on the raw example."""
        assert rule.example_verdict(example, RULES.allow) is (label == "match")

    @pytest.mark.parametrize(("rule", "example"), [(p.values[0], p.values[2]) for p in EXAMPLES])
    def test_python_re_agrees_with_re2(self, rule, example):
        """Python's re reads every pattern like RE2 does."""
        text = example_text(example)
        patterns = [(rule.pattern, text)] if rule.pattern else []
        if rule.key_pattern:
            patterns.append((rule.key_pattern, normalize_key(example.get("key", ""))))
        for pattern, subject in patterns:
            ignore_case = rule.ignore_case and pattern is rule.pattern
            python = compile_python(pattern, ignore_case=ignore_case).search(subject) is not None
            engine = rule.regex if pattern is rule.pattern else rule.key_regex
            assert python == (engine.search(subject) is not None)

    @pytest.mark.parametrize(("rule", "label", "example"), EXAMPLES)
    def test_scan_reports_the_rule(self, rule, label, example):
        """Scanning the example as a document reports the rule exactly when it should."""
        ids = {finding.rule_id for finding in scan(_document_for(rule, example)).findings}
        assert (rule.id in ids) is (label == "match")

    @pytest.mark.parametrize(("rule", "label", "example"), EXAMPLES)
    def test_keywords_are_implied(self, rule, label, example):
        """A true positive always contains one of the rule's prefilter keywords."""
        if label == "match" and rule.keywords and rule.target in {"value", "key"}:
            lowered = example_text(example).lower()
            assert any(keyword in lowered for keyword in rule.keywords)

    @pytest.mark.parametrize(("entry", "label", "example"), ALLOW_EXAMPLES)
    def test_allow_entry_verdict(self, entry, label, example):
        """Allow entries allow exactly their grammar under their key scope."""
        assert entry.example_verdict(example) is (label == "match")


class TestFragments:
    """No file in the repository holds a contiguous credential."""

    @pytest.mark.parametrize(("rule", "label", "example"), EXAMPLES)
    def test_no_single_fragment_matches(self, rule, label, example):
        """A true positive only exists once its fragments are joined."""
        if label == "match" and rule.family == "credential" and rule.target == "value":
            assert all(rule.search(fragment) is None for fragment in example["text"])

    @pytest.mark.parametrize(
        "path",
        [RULES_PATH, *sorted(CORPUS.rglob("*.json"))],
        ids=lambda path: path.name,
    )
    def test_file_text_has_no_credential(self, path):
        """No provider-token rule matches a file's raw text (examples and corpus are stored spliced)."""
        text = path.read_text(encoding="utf-8")
        assert [rule.id for rule in RULES if rule.id in PUSH_PROTECTED and rule.search(text)] == []


class TestPortableSubset:
    """The lint that keeps patterns portable and linear."""

    @pytest.mark.parametrize(
        "pattern",
        [
            r"\d+",
            r"a\b",
            "a.b",
            "(?=a)b",
            r"(a)\1",
            "(?i)abc",
            "(?:ab)+",
            "(?:a|b){2,}",
            "a{1,2000}",
            "(",
            "a*",
        ],
    )
    def test_rejects_non_portable(self, pattern):
        """Constructs that differ between engines or break linearity are refused."""
        with pytest.raises(SchemaDefinitionError):
            lint_pattern(pattern, where="test")

    @pytest.mark.parametrize(
        "pattern", [r"[.]", r"\.", "a{1,1000}", "(?:ab){1,64}", r"[^ \t]{3,}", r"\x89PNG"]
    )
    def test_accepts_portable(self, pattern):
        """Escaped dots, dots in classes, bounded groups are fine."""
        lint_pattern(pattern, where="test")

    def test_every_packaged_pattern_is_in_the_subset(self):
        """Packaged rules pass the same lint extras must pass."""
        for rule in RULES:
            for pattern in filter(None, (rule.pattern, rule.key_pattern)):
                lint_pattern(pattern, where=rule.id)


class TestKeyNormalization:
    """Member names are normalized to snake_case before key patterns apply."""

    @pytest.mark.parametrize(
        ("key", "expected"),
        [
            ("apiKey", "api_key"),
            ("X-Api-Key", "x_api_key"),
            ("STRIPE_SECRET_KEY", "stripe_secret_key"),
            ("HTTPHeaderToken", "http_header_token"),
            ("cf-aig-log-id", "cf_aig_log_id"),
            ("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", "password"),
            ("pass\u200bword", "password"),
            ("__user.id__", "user_id"),
        ],
    )
    def test_normalize(self, key, expected):
        """camelCase, kebab-case, full-width and zero-width forms all normalize."""
        assert normalize_key(key) == expected


class TestConfig:
    """Product extras: deny terms and extra rules, validated and example-checked."""

    def test_corpus_config_loads(self, corpus_meta):
        """The corpus product config is a valid privacy/v1/config document."""
        config = load_config(CORPUS / corpus_meta["config"])
        assert config.deny_terms == ("acme-render",)

    @pytest.mark.parametrize(
        "text",
        [
            "ACME Render Pro",
            "acme_render",
            "acmerender",
            "\uff41\uff43\uff4d\uff45-render",
            "see acme-render.",
        ],
    )
    def test_deny_terms_match_variants(self, text):
        """Case, separators and full-width forms of a deny term are all found."""
        config = ScanConfig(deny_terms=("acme-render",))
        assert [finding.rule_id for finding in scan({"label": text}, config).findings] == [
            "product-deny-term"
        ]

    @pytest.mark.parametrize("text", ["acmerendering", "macme-render", "render acme"])
    def test_deny_terms_are_delimited(self, text):
        """A deny term inside a longer word is not a finding."""
        assert scan({"label": text}, ScanConfig(deny_terms=("acme-render",))).clean

    def test_deny_terms_with_regex_syntax_are_literal(self):
        """Terms are escaped, so 'a.b (beta)' matches itself and not 'aXb'."""
        config = ScanConfig(deny_terms=("a.b (beta)",))
        assert not scan({"x": "a.b (beta)"}, config).clean
        assert scan({"x": "aXb (beta)"}, config).clean
        assert deny_term_rule(["a.b"])["pattern"].count("\\.") == 0  # separators become [-_ .]?

    def test_extra_rule_is_applied_and_changes_the_digest(self):
        """An extra rule adds findings and its content is part of the rules digest."""
        extra = {
            "id": "acme-internal-host",
            "family": "private_url",
            "description": "ACME's internal admin host.",
            "target": "value",
            "pattern": "admin[.]acme[.]example",
            "ignore_case": True,
            "keywords": ["admin"],
            "examples": {
                "match": [{"text": ["https://", "admin.acme", ".example/x"]}],
                "no_match": [{"text": ["admin"]}],
            },
        }
        config = ScanConfig(rules=(extra,))
        report = scan({"u": "https://ADMIN.acme.example/"}, config)
        assert [finding.rule_id for finding in report.findings] == ["acme-internal-host"]
        assert report.rules_digest != RULES.digest

    def test_extra_rule_with_wrong_example_is_refused(self, tmp_path):
        """An extra rule whose examples do not hold is a configuration error."""
        extra = {
            "id": "bad-extra",
            "family": "product",
            "description": "Examples contradict the pattern.",
            "target": "value",
            "pattern": "zzz",
            "ignore_case": False,
            "keywords": [],
            "examples": {"match": [{"text": ["aaa"]}], "no_match": [{"text": ["bbb"]}]},
        }
        path = tmp_path / "config.json"
        path.write_text(json.dumps({"rules": [extra]}), encoding="utf-8")
        with pytest.raises(SchemaDefinitionError, match="bad-extra"):
            load_config(path)

    def test_extra_rule_cannot_shadow_a_packaged_rule(self):
        """Ids are unique across packaged rules and extras."""
        extra = json.loads(json.dumps(DOCUMENT["rules"][0]))
        with pytest.raises(SchemaDefinitionError, match="already defined"):
            scan({}, ScanConfig(rules=(extra,)))

    def test_config_cannot_allow_anything(self, tmp_path):
        """The config schema has no allow list: an exemption attempt is invalid."""
        path = tmp_path / "config.json"
        path.write_text(json.dumps({"allow": [{"pattern": "^.*$"}]}), encoding="utf-8")
        with pytest.raises(SchemaDefinitionError, match="privacy/v1/config"):
            load_config(path)

    def test_non_portable_extra_pattern_is_refused(self):
        """Extras go through the same portability lint."""
        extra = {
            "id": "uses-lookahead",
            "family": "product",
            "description": "Not portable.",
            "target": "value",
            "pattern": "a(?=b)",
            "ignore_case": False,
            "keywords": [],
            "examples": {"match": [{"text": ["ab"]}], "no_match": [{"text": ["ac"]}]},
        }
        with pytest.raises(SchemaDefinitionError, match="lookaround"):
            scan({}, ScanConfig(rules=(extra,)))


class TestCheckedDigest:
    """The packaged rules load without re-validation only when their bytes are the checked ones."""

    def test_recorded_digest_is_current(self):
        """scripts/check_rules.py --check passes: the recorded digest is the file's (drift check)."""
        import subprocess  # noqa: PLC0415
        import sys  # noqa: PLC0415

        from tests._support import ROOT  # noqa: PLC0415

        result = subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(ROOT / "scripts" / "check_rules.py"), "--check"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def test_recorded_rules_digest_matches_a_full_load(self):
        """The recorded rules digest equals the one computed from the document."""
        from saas_contracts.privacy._rules import RuleSet, rules_document  # noqa: PLC0415

        assert RuleSet(rules_document(), source="x").digest == RULES.digest

    def test_other_bytes_are_validated(self, monkeypatch):
        """A rules file whose bytes differ from the checked ones is validated and linted again."""
        from saas_contracts.privacy import _rules  # noqa: PLC0415

        monkeypatch.setattr(_rules, "CHECKED_RULES_SHA256", "0" * 64)
        _rules._packaged_rules.cache_clear()
        calls: list[str] = []
        real = _rules._ensure_valid

        def spy(data: object, schema: str, source: str) -> None:
            calls.append(schema)
            real(data, schema, source)

        monkeypatch.setattr(_rules, "_ensure_valid", spy)
        try:
            document, checked = _rules._packaged_rules()
        finally:
            _rules._packaged_rules.cache_clear()
        assert not checked
        assert calls == [_rules.RULES_SCHEMA]
        assert document == _rules.rules_document()
