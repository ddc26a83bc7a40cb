from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._mask import is_safe_segment, mask, pointer


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
