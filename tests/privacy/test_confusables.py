"""The skeleton view: cross-script look-alikes fold to ASCII from generated UTS #39 data."""

from __future__ import annotations

import hashlib
import importlib.util
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._support import ROOT

from saas_contracts.privacy import ScanConfig, scan
from saas_contracts.privacy._views import VIEWS, derived_views, skeleton

TABLE_PATH = ROOT / "src" / "saas_contracts" / "privacy" / "_confusables.json"
TABLE = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
TAIL = "4eC39HqLyjWDarjtT1zdp7dc"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_confusables", ROOT / "scripts" / "gen_confusables.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestTable:
    """The committed table is generated, pinned and consistent."""

    def test_marked_generated_with_pinned_source(self):
        """Provenance names the pinned package, version and wheel digest of the generator."""
        generator = _generator()
        assert "do not edit" in TABLE["generated"]
        assert TABLE["source"] == {
            "package": generator.PACKAGE,
            "version": generator.VERSION,
            "wheel": generator.WHEEL,
            "sha256": generator.WHEEL_SHA256,
        }

    def test_not_hand_edited(self):
        """The file is byte for byte what the generator renders for its map (drift check)."""
        generator = _generator()
        body = json.dumps(TABLE["map"], ensure_ascii=True, sort_keys=True, separators=(",", ":"))
        assert TABLE["map_sha256"] == hashlib.sha256(body.encode("ascii")).hexdigest()
        assert TABLE_PATH.read_text(encoding="utf-8") == generator.rendered(TABLE["map"])

    def test_map_shape(self):
        """Keys are single non-ASCII characters, values printable ASCII."""
        assert len(TABLE["map"]) > 1000
        for char, target in TABLE["map"].items():
            assert len(char) == 1
            assert not char.isascii()
            assert target.isascii()
            assert target.isprintable()

    def test_generator_table_rules(self):
        """Non-ASCII sources with ASCII targets only: same case, then shortest, l for the stroke class."""
        generator = _generator()
        data = {
            "\u0455": [{"c": "s"}, {"c": "\uff53"}],
            "s": [{"c": "\u0455"}],
            "\u217f": [{"c": "rn"}, {"c": "m"}],
            "\u0416": [{"c": "\u04dc"}],
            "\u04cf": [{"c": "I"}, {"c": "i"}, {"c": "l"}, {"c": "1"}],
            "\u0405": [{"c": "s"}, {"c": "S"}],
        }
        assert generator.table(data) == {"\u0405": "S", "\u04cf": "l", "\u0455": "s", "\u217f": "m"}


class TestSkeleton:
    """Folding keeps ASCII and case as they are."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("\u0455k_live_", "sk_live_"),  # Cyrillic dze
            ("gh\u0440_", "ghp_"),  # Cyrillic er
            ("\u0405K_LIVE_", "SK_LIVE_"),  # capital stays capital
            ("plain ascii l1O0", "plain ascii l1O0"),  # ASCII is never folded
        ],
    )
    def test_fold(self, text, expected):
        """Known look-alikes fold; ASCII and case survive."""
        assert skeleton(text) == expected

    def test_view_order(self):
        """skeleton comes right after nfkc."""
        assert VIEWS.index("skeleton") == VIEWS.index("nfkc") + 1
        assert ("skeleton", "sk_live_x") in derived_views("\u0455k_live_x")

    @pytest.mark.parametrize(
        ("value", "rule"),
        [
            ("\u0455k_live_" + TAIL, "stripe-secret-key"),
            ("\u0455k_l\u0456ve_" + TAIL, "stripe-secret-key"),
            ("gh\u0440_" + "a1B2" * 9, "github-token"),
            ("x \u0455k\u200b_live_" + TAIL, "stripe-secret-key"),  # plus a zero-width space
        ],
    )
    def test_disguised_secret_is_found(self, value, rule):
        """A secret with Cyrillic look-alikes is found through the skeleton view."""
        findings = scan({"note": value}).findings
        assert (rule, "skeleton") in {(f.rule_id, f.view) for f in findings}

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(positions=st.sets(st.integers(min_value=0, max_value=7), min_size=1))
    def test_any_mix_of_look_alikes(self, positions):
        """Replacing any of the prefix letters with a look-alike never hides the key."""
        look_alike = {
            letter: next(char for char, target in TABLE["map"].items() if target == letter)
            for letter in "slive"
        }
        prefix = "sk_live_"
        disguised = "".join(
            look_alike.get(char, char) if index in positions else char for index, char in enumerate(prefix)
        )
        assert skeleton(disguised) == prefix
        assert "stripe-secret-key" in {f.rule_id for f in scan({"note": disguised + TAIL}).findings}

    def test_views_keep_ignore_case(self):
        """An ignore_case rule still matches a wrong-case prefix written with look-alikes."""
        rule = {
            "id": "upper-live-key",
            "family": "credential",
            "description": "A live key in any case.",
            "target": "value",
            "pattern": "sk_live_[A-Za-z0-9]{16,}",
            "ignore_case": True,
            "keywords": [],
            "examples": {
                "match": [{"text": ["SK_LIVE_", TAIL[:12], TAIL[12:]]}],
                "no_match": [{"text": ["sk_live"]}],
            },
        }
        config = ScanConfig(rules=(rule,))
        findings = scan({"note": "\u0405K_LIVE_" + TAIL}, config).findings
        assert ("upper-live-key", "skeleton") in {(f.rule_id, f.view) for f in findings}
        assert "upper-live-key" in {f.rule_id for f in scan({"note": "SK_LIVE_" + TAIL}, config).findings}
