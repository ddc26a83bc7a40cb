"""What the TypeScript ``./privacy`` kit embeds and is compared on (the comparison itself runs in vitest)."""

from __future__ import annotations

import json

from tests.ts_package._privacy import HTML_TABLES, _disguises, html_tables

from saas_contracts.privacy import scan


class TestEmbeddedTables:
    """The HTML reference tables the kit decodes with are Python's html.unescape tables."""

    def test_html_tables_are_current(self):
        """Regenerate: ``python -m tests.ts_package._privacy html <that file>``."""
        assert json.loads(HTML_TABLES.read_text(encoding="utf-8")) == html_tables()


class TestDisguisedVariants:
    """The disguised variants the kits are compared on are seen by Python through a normalized view."""

    def test_each_disguise_hides_the_secret_from_the_raw_view(self):
        """A disguise the raw view already sees would not test the views."""
        secret = "sk_li" + "ve_4eC39HqLyjWDarjtT1zdp7dc"
        for name, text in _disguises(secret).items():
            views = {f.view for f in scan({"notes": text}).findings if f.rule_id == "stripe-secret-key"}
            assert views, name
            # Whitespace around the secret, or JSON text holding it: the raw view matches too.
            if name not in {"trailing-newline", "leading-space", "embedded-json", "embedded-json-escaped"}:
                assert views != {"raw"}, name
