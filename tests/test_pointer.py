import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_contracts._pointer import (
    escape_token,
    format_pointer,
    parse_pointer,
    resolve_pointer,
    set_pointer,
    unescape_token,
)


class TestTokens:
    """Reference tokens escape and unescape as RFC 6901 section 3 and 4 say."""

    def test_escape_order(self):
        assert escape_token("a/b~c") == "a~1b~0c"
        assert escape_token("~1") == "~01"

    def test_unescape_order(self):
        # "~01" is "~1" (the tilde escape is undone last), never "/".
        assert unescape_token("~01") == "~1"
        assert unescape_token("a~1b~0c") == "a/b~c"

    @given(st.text())
    def test_round_trip(self, token):
        assert unescape_token(escape_token(token)) == token


class TestParseAndFormat:
    """Pointers parse to tokens and format back."""

    def test_rfc_examples(self):
        doc = {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5,
               'k"l': 6, " ": 7, "m~n": 8}  # fmt: skip
        assert resolve_pointer(doc, "") == doc
        assert resolve_pointer(doc, "/foo") == ["bar", "baz"]
        assert resolve_pointer(doc, "/foo/0") == "bar"
        assert resolve_pointer(doc, "/") == 0
        assert resolve_pointer(doc, "/a~1b") == 1
        assert resolve_pointer(doc, "/m~0n") == 8
        assert resolve_pointer(doc, "/ ") == 7

    def test_relative_pointer_is_refused(self):
        with pytest.raises(ValueError, match="starts with '/'"):
            parse_pointer("foo")

    @given(st.lists(st.one_of(st.text(), st.integers(min_value=0, max_value=10**6))))
    def test_format_parse_round_trip(self, tokens):
        assert parse_pointer(format_pointer(tokens)) == [str(token) for token in tokens]


class TestResolveAndSet:
    """Reading and writing through a pointer."""

    @pytest.mark.parametrize("pointer", ["/missing", "/list/2", "/list/01", "/list/-", "/list/x", "/n/0",
                                         "/list/" + "9" * 5000])  # fmt: skip
    def test_absent_is_a_lookup_error(self, pointer):
        with pytest.raises(LookupError):
            resolve_pointer({"list": [1, 2], "n": 3}, pointer)

    def test_set_unescapes_tokens(self):
        doc: dict[str, object] = {"a/b": {"m~n": 1}}
        set_pointer(doc, "/a~1b/m~0n", 2)
        set_pointer(doc, "/a~1b/new~1key", 3)
        assert doc == {"a/b": {"m~n": 2, "new/key": 3}}

    def test_set_in_list(self):
        doc = {"list": [1, 2]}
        set_pointer(doc, "/list/1", 5)
        assert doc == {"list": [1, 5]}
        with pytest.raises(IndexError):
            set_pointer(doc, "/list/2", 5)

    def test_whole_document_cannot_be_set(self):
        with pytest.raises(ValueError, match="whole document"):
            set_pointer({}, "", 1)
