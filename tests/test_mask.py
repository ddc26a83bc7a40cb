from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._mask import is_safe_segment, mask, pointer, public_text, public_value


class TestMask:
    """Previews hint at shape without revealing the value."""

    def test_short_values_show_only_length(self):
        """Fewer than 12 characters: nothing of the value is shown."""
        assert mask("cus_123") == "…(7 chars)"

    def test_long_values_keep_a_short_head(self):
        """A long secret keeps 4 leading characters and its length."""
        secret = "sk_" + "live_" + "A" * 40
        assert mask(secret) == f"sk_l…({len(secret)} chars)"

    def test_non_strings_are_masked_through_json(self):
        """Numbers are ids too: 1234567890123 is masked like its JSON text."""
        assert mask(1234567890123) == "12…(13 chars)"

    @given(st.text(min_size=1))
    def test_never_reveals_more_than_a_sixth(self, text):
        """No preview contains a run of the value longer than max(4, len/6)."""
        preview = mask(text)
        head = preview.split("…", 1)[0]
        assert len(head) <= max(0, min(4, len(text) // 6 + 2))
        if len(text) >= 12:
            assert text not in preview


class TestPointer:
    """Pointers escape per RFC 6901 and mask keys that may be secrets."""

    def test_escapes(self):
        """`~` and `/` are no field-name characters: such keys are masked, and the preview is escaped."""
        assert pointer(["a~b", "c/d/e/f/g/h/i", 3]) == "/…(3 chars)/c~1…(13 chars)/3"

    def test_masks_secret_looking_keys(self):
        """A key that is itself a token never appears in a pointer."""
        key = "ghp_" + "0123456789abcdefABCDEF0123456789abcd"
        assert key not in pointer(["headers", key])
        assert pointer(["headers", key]).startswith("/headers/ghp_…(")

    def test_field_names_stay_readable(self):
        """Ordinary field names and indices are shown as they are."""
        assert pointer(["events", 12, "plan", "plan_key"]) == "/events/12/plan/plan_key"

    def test_digit_heavy_keys_are_masked(self):
        """Keys with many digits (raw ids used as keys) are masked."""
        assert not is_safe_segment("user_1234567")
        assert is_safe_segment("v2")


class TestPublicTextAndValue:
    """Messages and generated documents a report prints: flagged parts masked, the rest kept."""

    SECRET = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"

    def test_clean_text_is_kept(self):
        assert public_text('allowed values: removed "gbp"') == 'allowed values: removed "gbp"'

    def test_a_flagged_quoted_literal_is_masked_alone(self):
        shown = public_text(f'allowed values: removed "{self.SECRET}", "usd"')
        assert shown == 'allowed values: removed "sk_l…(32 chars)", "usd"'
        assert public_text(f"const '{self.SECRET}' -> 'x'") == "const 'sk_l…(32 chars)' -> 'x'"

    def test_a_flagged_text_outside_quotes_is_masked_whole(self):
        text = f"token {self.SECRET} changed"
        assert public_text(text) == mask(text)

    def test_values_and_member_names(self):
        value = {"a": [self.SECRET, 1, True, None], "jane.doe@example.com": {"n": "ok"}}
        assert public_value(value) == {
            "a": ["sk_l…(32 chars)", 1, True, None],
            "ja…(20 chars)": {"n": "ok"},
        }
        assert public_value("plain") == "plain"

    def test_past_the_limit_everything_is_masked(self):
        assert public_value(["a", "b", "c"], limit=2) == ["a", "b", "…(1 chars)"]

    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers(-999, 999) | st.text(alphabet="abcxyz", max_size=6),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(alphabet="abcxyz", min_size=1, max_size=6), inner, max_size=4)
            ),
            max_leaves=20,
        )
    )
    def test_clean_values_are_returned_equal(self, value):
        """Nothing the rules leave alone changes."""
        assert public_value(value) == value
