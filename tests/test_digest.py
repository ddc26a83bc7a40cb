import hashlib

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._digest import canonical_bytes, canonical_digest, sha256_digest

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


class TestCanonicalDigest:
    """Digests are sha256 over RFC 8785 bytes, blind to key order and number spelling."""

    def test_known_value(self):
        # JCS of {"b":1,"a":[true,null]} is {"a":[true,null],"b":1}.
        expected = "sha256:" + hashlib.sha256(b'{"a":[true,null],"b":1}').hexdigest()
        assert canonical_digest({"b": 1, "a": [True, None]}) == expected

    def test_number_spelling_does_not_matter(self):
        assert canonical_digest({"q": 5}) == canonical_digest({"q": 5.0})

    @given(_JSON)
    def test_matches_the_reference_encoder(self, value):
        assert canonical_bytes(value) == rfc8785.dumps(value)
        assert canonical_digest(value) == sha256_digest(rfc8785.dumps(value))

    @given(st.dictionaries(st.text(), st.integers(-(2**53) + 1, 2**53 - 1), max_size=6))
    def test_key_order_does_not_matter(self, mapping):
        reordered = dict(reversed(list(mapping.items())))
        assert canonical_digest(mapping) == canonical_digest(reordered)

    @given(
        st.dictionaries(
            st.text(st.characters(max_codepoint=127), max_size=6),
            st.text() | st.integers(-(2**53) + 1, 2**53 - 1),
            max_size=8,
        )
    )
    def test_flat_objects_take_the_fast_path_with_the_same_bytes(self, value):
        # ASCII keys with string or safe-integer values are spelled by json.dumps; the bytes must not move.
        try:
            expected = rfc8785.dumps(value)
        except ValueError:  # a lone surrogate: the reference refuses it (and so does the fast path)
            return
        assert canonical_bytes(value) == expected

    def test_flat_fast_path_spells_every_code_point_as_the_reference(self):
        # Every BMP code point and every 97th beyond (lone surrogates are refused by both): RFC 8785 escaping.
        points = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 97)]
        for start in range(0, len(points), 8192):
            value = {f"k{index}": chr(cp) for index, cp in enumerate(points[start : start + 8192])}
            assert canonical_bytes(value) == rfc8785.dumps(value)
