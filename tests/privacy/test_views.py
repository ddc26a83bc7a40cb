"""The normalized views, one function at a time."""

from __future__ import annotations

import base64

import pytest

from saas_contracts.privacy._views import (
    clean,
    decode_base64_runs,
    decode_hex_runs,
    derived_views,
    percent_decode,
    unescape,
    unescape_html,
    unwrap,
)


class TestClean:
    """NFKC plus removal of invisible characters."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("plain", "plain"),
            ("a\u200bb\u200cc\u200dd\u2060e\ufefff", "abcdef"),
            ("\uff53\uff4b\uff3f", "sk_"),
            ("soft\u00adhyphen", "softhyphen"),
            ("bidi\u202eevil\u202c", "bidievil"),
            ("x\ufe0fy\u034fz", "xyz"),
        ],
    )
    def test_clean(self, text, expected):
        """Format characters vanish and compatibility forms fold."""
        assert clean(text) == expected


class TestDecoders:
    """Each decoder is bounded and returns readable text only."""

    def test_unwrap(self):
        """Line breaks and the whitespace or backslash around them disappear."""
        assert unwrap("abc \\\n   def\r\nghi") == "abcdefghi"
        assert unwrap("one line") == "one line"

    def test_unescape(self):
        """\\u, \\u{...}, \\x and simple escapes decode; surrogate pairs join."""
        assert unescape("\\u0061\\x62\\u{63}\\n\\ud83d\\ude00") == "abc\n\U0001f600"

    def test_unescape_html(self):
        """Numeric, hex and named HTML character references decode; text without & is unchanged."""
        assert unescape_html("&#115;k&#x5f;a&amp;b&lt;") == "sk_a&b<"
        assert unescape_html("no references") == "no references"

    def test_unescape_html_reads_the_whole_text(self):
        """Every reference decodes, however far in (a prefix bound let padding hide a secret)."""
        decoded = unescape_html("&#97;" * 300_000)
        assert decoded == "a" * 300_000

    def test_html_references_get_the_unescaped_view(self):
        """A text with HTML references gets an unescaped view."""
        assert ("unescaped", "<code>sk_") in derived_views("<code>&#115;k_")

    def test_percent_decode_rounds(self):
        """Double encoding decodes; the rounds are bounded."""
        assert percent_decode("%2541") == "A"
        assert percent_decode("%25252525252541").startswith("%")

    def test_base64_runs(self):
        """Readable base64 decodes; binary and one-case words do not."""
        readable = base64.b64encode(b"hello secret world").decode()
        assert decode_base64_runs(f"x {readable} y") == "hello secret world"
        assert decode_base64_runs(base64.b64encode(bytes(range(200))).decode()) == ""
        assert decode_base64_runs("internationalizationreadiness") == ""

    def test_hex_runs(self):
        """Readable hex decodes; a SHA does not."""
        assert decode_hex_runs(b"secret payload!!".hex()) == "secret payload!!"
        assert decode_hex_runs("0123456789abcdef0123456789abcdef01234567") == ""

    def test_derived_views_order_and_dedupe(self):
        """Views come in the fixed order and identical texts are not repeated."""
        views = derived_views("a\u200b%41")
        assert [name for name, _ in views] == ["nfkc", "percent"]
        assert derived_views("plain text") == []
