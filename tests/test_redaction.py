import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests._support import CASES

from saas_contracts import ContractError
from saas_contracts._validation import is_valid
from saas_contracts.redaction import RedactionError, Redactor, is_redacted_reference, redact

VECTORS = json.loads((CASES / "redaction-vectors.json").read_text(encoding="utf-8"))
KEY = bytes.fromhex(VECTORS["key_hex"])


class TestRedact:
    """The keyed hash is stable, documented and schema-valid."""

    @pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"{v['kind']}:{v['raw_id']}")
    def test_vectors(self, vector):
        """Published vectors (also reproduced in Node) hold."""
        assert redact(vector["kind"], vector["raw_id"], key=KEY) == vector["reference"]

    @given(st.from_regex(r"[a-z][a-z0-9]{1,15}", fullmatch=True), st.text(min_size=1))
    def test_output_is_a_valid_reference(self, kind, raw_id):
        """Property: any kind and raw id give a reference that the schema accepts."""
        reference = redact(kind, raw_id, key=KEY)
        assert is_redacted_reference(reference)
        assert is_valid(reference, "common/v1/common#/$defs/redacted_reference")
        assert raw_id not in reference.split("_ref_", 1)[1] or len(raw_id) < 4

    def test_key_matters(self):
        """A different key gives a different reference."""
        assert redact("ws", "workspace-0001", key=KEY) != redact("ws", "workspace-0001", key=KEY[::-1])

    def test_kind_is_bound(self):
        """The same raw id under two kinds gives two unrelated digests."""
        left = redact("ws", "id-1", key=KEY).split("_ref_")[1]
        right = redact("usr", "id-1", key=KEY).split("_ref_")[1]
        assert left != right

    @pytest.mark.parametrize(
        ("kind", "raw_id", "key", "message"),
        [
            ("ws", "x", b"short", "at least 16 bytes"),
            ("WS", "x", KEY, "kind must be"),
            ("w", "x", KEY, "kind must be"),
            ("ws", "", KEY, "non-empty"),
        ],
    )
    def test_bad_input(self, kind, raw_id, key, message):
        """Bad input raises RedactionError, a ContractError and ValueError."""
        with pytest.raises(RedactionError, match=message) as caught:
            redact(kind, raw_id, key=key)
        assert isinstance(caught.value, ContractError)
        assert isinstance(caught.value, ValueError)


class TestRedactor:
    """The holder never shows its key."""

    def test_repr_hides_key(self):
        """repr has no key material."""
        assert KEY.hex() not in repr(Redactor(KEY))
        assert "hidden" in repr(Redactor(KEY))

    def test_same_result_as_function(self):
        """Redactor.redact is redact with the held key."""
        assert Redactor(KEY).redact("ws", "a") == redact("ws", "a", key=KEY)
