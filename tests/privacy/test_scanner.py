"""scan() and assert_public_safe(): keys and values, pointers, allowlists, determinism, masking."""

from __future__ import annotations

import json
import random

import pytest

from saas_contracts import ContractError, PrivacyViolationError
from saas_contracts.privacy import (
    Finding,
    PublicSafetyError,
    ScanReport,
    assert_public_safe,
    default_rules,
    scan,
    scan_text,
)

# Built from pieces so this file holds no contiguous credential.
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GITHUB = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
SHA = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "ab" * 32
REF = "ws_ref_" + "abcdefghijklmnopqrstuvwxyz"


def ids(report: ScanReport) -> list[str]:
    return sorted(finding.rule_id for finding in report.findings)


class TestKeysAndValues:
    """Both member names and string values are scanned, at any depth."""

    def test_value(self):
        """A secret value is found with its pointer."""
        report = scan({"a": {"b": [1, STRIPE]}})
        assert [(f.rule_id, f.pointer, f.target) for f in report.findings] == [
            ("stripe-secret-key", "/a/b/1", "value"),
        ]

    def test_key(self):
        """A secret used as a member name is found, and masked in the pointer."""
        report = scan({"headers": {STRIPE: True}})
        (finding,) = report.findings
        assert finding.target == "key"
        assert STRIPE not in finding.pointer
        assert finding.pointer.startswith("/headers/sk_l")

    def test_nested_under_secret_key_masks_every_pointer(self):
        """A finding below a flagged member name never shows that name."""
        report = scan({STRIPE: {"x": GITHUB}})
        assert len(report.findings) == 2
        assert all(STRIPE not in finding.pointer for finding in report.findings)

    def test_root_string(self):
        """A bare JSON string is a document too (pointer '')."""
        (finding,) = scan(GITHUB).findings
        assert finding.pointer == ""

    def test_deep_nesting(self):
        """The walk is iterative: very deep documents do not hit the recursion limit."""
        document: object = {"email": "jane" + "@example.com"}
        for _ in range(5000):
            document = {"n": [document]}
        report = scan(document)
        assert ids(report) == ["email-address"]
        assert report.findings[0].pointer.count("/n/0") == 5000

    def test_pointer_escapes(self):
        """Pointers follow RFC 6901 (~0, ~1): a key with '/' or '~' is masked, its preview escaped."""
        (finding,) = scan({"a/b~c" + "d" * 20: GITHUB}).findings
        assert finding.pointer == "/a~1b~0…(25 chars)"

    @pytest.mark.parametrize("value", [None, True, 1.5, 0, [], {}, "", "plain words"])
    def test_scalars_are_clean(self, value):
        """Plain values and empty containers are clean."""
        assert scan(value).clean

    def test_numbers_under_id_keys(self):
        """A raw numeric id is a finding, in objects and in arrays under an id-named member."""
        report = scan({"user_id": 1234567, "customer_ids": [42, 43], "count": 1234567})
        assert [(f.rule_id, f.pointer) for f in report.findings] == [
            ("id-named-field", "/customer_ids/0"),
            ("id-named-field", "/customer_ids/1"),
            ("id-named-field", "/user_id"),
        ]


class TestAllowlist:
    """Exact grammar plus key scope; documents cannot exempt themselves."""

    def test_redacted_refs_pass_everywhere(self):
        """Redacted references pass under any member, id-named ones included."""
        assert scan({"workspace_id": REF, "api_key": REF, "refs": [REF], REF: 1}).clean

    @pytest.mark.parametrize("key", ["commit", "commit_sha", "sha", "git_sha", "headSha", "release_commit"])
    def test_commit_sha_under_commit_keys(self, key):
        """A 40-hex SHA passes under members that name a commit."""
        assert scan({key: SHA}).clean

    @pytest.mark.parametrize("key", ["digest", "sha256", "fingerprint", "rules_digest", "payload_digest"])
    def test_digest_under_digest_keys(self, key):
        """A 64-hex digest (bare or sha256:-prefixed) passes under members that name a digest."""
        assert scan({key: DIGEST}).clean
        assert scan({key: "sha256:" + DIGEST}).clean

    def test_sha_under_api_key_is_a_secret(self):
        """The same 40 hex digits under api_key are a secret."""
        assert ids(scan({"api_key": SHA})) == ["bare-hex-token", "secret-named-field"]

    def test_sha_under_unrelated_key(self):
        """Outside a commit-named member a bare 40-hex value is an opaque token."""
        assert ids(scan({"note": SHA})) == ["bare-hex-token"]

    def test_allow_is_never_by_substring(self):
        """A redacted ref followed by a secret is not exempt."""
        assert "stripe-secret-key" in ids(scan({"workspace": REF + " " + STRIPE}))

    def test_document_cannot_exempt_itself(self):
        """Allow-like members in the artifact are ignored."""
        document = {"privacy": {"allow": ["stripe-secret-key"], "ignore": True}, "x": STRIPE}
        assert ids(scan(document)) == ["stripe-secret-key"]

    def test_exempt_values_keep_pointers_exact(self):
        """Exempt values are skipped, and the pointers of the findings around them stay exact."""
        document = {
            "commit_sha": SHA,
            "a": GITHUB,
            "commits": [SHA, GITHUB, [SHA, GITHUB]],
            "z": {"sha": SHA, "b": GITHUB},
        }
        assert [f.pointer for f in scan(document).findings] == ["/a", "/commits/1", "/commits/2/1", "/z/b"]

    def test_commit_sha_array(self):
        """Array items inherit the member name of their array for key scope."""
        assert scan({"commits": [SHA, SHA]}).clean


class TestViews:
    """Disguised secrets are found, and the finding says which view matched."""

    @pytest.mark.parametrize(
        ("text", "view"),
        [
            (STRIPE[:6] + "\u200b" + STRIPE[6:], "nfkc"),
            ("".join(chr(ord(c) + 0xFEE0) for c in STRIPE), "nfkc"),
            (STRIPE[:10] + "\n    " + STRIPE[10:], "unwrapped"),
            ("\\u0073\\u006b" + STRIPE[2:], "unescaped"),
            ("".join(f"%{ord(c):02X}" for c in STRIPE), "percent"),
            ("%25" + "73" + STRIPE[1:], "percent"),
            (__import__("base64").b64encode(("KEY=" + STRIPE).encode()).decode(), "base64"),
            (("KEY=" + STRIPE).encode().hex(), "hex"),
        ],
    )
    def test_disguise(self, text, view):
        """Each disguise is seen through one view."""
        findings = [f for f in scan({"note": text}).findings if f.rule_id == "stripe-secret-key"]
        assert [f.view for f in findings] == [view]

    def test_embedded_json_structure(self):
        """A webhook payload embedded as a JSON string is recognized by structure."""
        payload = json.dumps({"object": "event", "type": "invoice.paid", "data": {"object": {"amount": 1}}})
        (finding,) = scan({"raw_body": payload}).findings
        assert (finding.rule_id, finding.view, finding.pointer) == (
            "stripe-webhook-event",
            "json",
            "/raw_body",
        )

    def test_embedded_json_recursion_is_bounded(self):
        """JSON nested in strings deeper than the bound is not parsed forever."""
        text = GITHUB
        for _ in range(10):
            text = json.dumps({"x": text})
        scan({"deep": text})  # terminates; the raw view still sees through escaping at some depth

    def test_raw_wins_over_views(self):
        """When the raw text matches, the view is raw."""
        (finding,) = scan({"note": STRIPE + " %41"}).findings
        assert finding.view == "raw"


class TestReport:
    """Reports are deterministic and public-safe."""

    def test_order_is_deterministic(self):
        """Member order does not change the report."""
        items = [(f"k{i}", GITHUB) for i in range(20)] + [("e", "a" + "@b.example"), ("s", STRIPE)]
        shuffled = items[:]
        random.Random(4).shuffle(shuffled)  # noqa: S311 - a reproducible order, not cryptography
        assert scan(dict(items)) == scan(dict(shuffled))

    def test_to_json_never_holds_the_secret(self):
        """No output field contains the secret in full."""
        report = scan({"a": STRIPE, STRIPE: GITHUB, "b": [GITHUB]})
        text = json.dumps(report.to_json())
        assert STRIPE not in text
        assert GITHUB not in text
        assert report.to_json()["clean"] is False

    def test_finding_fields(self):
        """Findings expose rule id, family, pointer, target, view, masked preview, line."""
        (finding,) = scan({"k": GITHUB}).findings
        assert isinstance(finding, Finding)
        assert finding.to_json() == {
            "rule_id": "github-token",
            "family": "credential",
            "pointer": "/k",
            "target": "value",
            "view": "raw",
            "preview": "ghp_…(40 chars)",
            "line": None,
        }

    def test_rules_digest(self):
        """The report names the rules it was produced with."""
        assert scan({}).rules_digest == default_rules().digest


class TestAssertPublicSafe:
    """The raising variant."""

    def test_clean_returns_report(self):
        """A clean artifact returns its report."""
        assert assert_public_safe({"plan": "pro", "count": 3}).clean

    def test_raises_with_findings(self):
        """A dirty artifact raises PublicSafetyError, a PrivacyViolationError and ContractError."""
        with pytest.raises(PublicSafetyError) as caught:
            assert_public_safe({"token": STRIPE})
        error = caught.value
        assert isinstance(error, PrivacyViolationError)
        assert isinstance(error, ContractError)
        assert {f.rule_id for f in error.findings} == {"secret-named-field", "stripe-secret-key"}
        assert STRIPE not in str(error)
        assert "/token" in str(error)


class TestLoneSurrogates:
    """A Python string holding a lone surrogate (no UTF-8 spelling) is scanned, not a crash."""

    def test_value_and_escaped_view(self):
        assert scan({"note": "a\ud800b"}).clean
        assert scan_text("schema 'x#/\\ud800'").clean  # the unescaped view decodes to a surrogate
        assert not scan({"note": f"\udfff {STRIPE}"}).clean


class TestLoneSurrogatesUnderSecretNames:
    """A lone surrogate under a member with field rules never crashes the scanner (RE2 reads UTF-8 only)."""

    @pytest.mark.parametrize("member", ["api_key", "password", "commit_sha", "notes"])
    def test_scan_answers(self, member):
        """The value is scanned, not raised on."""
        scan({member: "abc\ud800def"})

    def test_secret_beside_a_surrogate_is_still_found(self):
        """The surrogate is read as U+FFFD, so a secret next to it is still found."""
        assert not scan({"api_key": STRIPE + "\udc00"}).clean
