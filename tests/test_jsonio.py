import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas_contracts import InputFileError
from saas_contracts._jsonio import dumps_pretty, load_json_file, loads, read_documents
from saas_contracts.errors import JSONInputError


class TestLoads:
    """Strict RFC 8259 parsing."""

    @pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
    def test_rejects_non_json_constants(self, text):
        """NaN and Infinity are not JSON."""
        with pytest.raises(JSONInputError, match="not valid JSON"):
            loads(text)

    def test_rejects_duplicate_keys(self):
        """Python would keep the last value silently; we refuse."""
        with pytest.raises(JSONInputError, match="duplicate object key"):
            loads('{"a": 1, "a": 2}')

    def test_error_does_not_quote_input(self):
        """Parse errors give a position, never the document text."""
        with pytest.raises(JSONInputError) as caught:
            loads('{"token": "abcdefghijklmnop" oops}')
        assert "abcdefghijklmnop" not in str(caught.value)
        assert "(line 1, column" in str(caught.value)


class TestIJSONLimits:
    """Texts valid in RFC 8259 that no consumer reads the same way are refused with a reason."""

    def test_integer_beyond_the_int_string_limit(self):
        """A 5,000-digit integer is an input error, not a ValueError from int()."""
        with pytest.raises(JSONInputError, match="integer literal of 5000 digits"):
            loads('{"a": ' + "9" * 5000 + "}")
        with pytest.raises(JSONInputError, match="integer literal of 5000 digits"):
            loads("-" + "9" * 5000)

    def test_long_integer_within_the_limit_is_read(self):
        assert loads("9" * 4000) == int("9" * 4000)

    @pytest.mark.parametrize("text", ["1e400", "-1e400", '{"a": [1.5e999]}'])
    def test_number_beyond_a_double(self, text):
        with pytest.raises(JSONInputError, match="IEEE 754"):
            loads(text)

    @pytest.mark.parametrize(
        "text", ['"\\ud800"', '{"a": ["x\\udfff"]}', '{"\\udc00": 1}', '"\\ude00\\ud83d"', '"\\uD800"']
    )
    def test_lone_surrogate_escape(self, text):
        with pytest.raises(JSONInputError, match="lone surrogate"):
            loads(text)

    @pytest.mark.parametrize("text", ['"\\ud83d\\ude00"', '"\\\\ud800"', '{"k": "\\u00e9"}'])
    def test_paired_or_escaped_backslash_is_fine(self, text):
        loads(text)

    def test_deeply_nested_surrogate_walk_has_no_recursion_limit(self):
        depth = 900
        loads("[" * depth + '"\\ud83d\\ude00"' + "]" * depth)


class TestReadDocuments:
    """Files become documents; bad lines are reported, not fatal."""

    def test_jsonl_lines_and_errors(self, tmp_path):
        """Blank lines are skipped; a broken or non-UTF-8 line is a document with an error."""
        path = tmp_path / "events.jsonl"
        path.write_bytes(b'{"a": 1}\n\n{broken\n\xff\xfe\n[2]\n')
        documents = list(read_documents(str(path)))
        assert [(d.line, d.error is None) for d in documents] == [
            (1, True),
            (3, False),
            (4, False),
            (5, True),
        ]
        assert documents[2].error == "not UTF-8 (byte 0)"
        assert documents[3].value == [2]

    def test_json_file_with_bom(self, tmp_path):
        """A UTF-8 byte order mark is tolerated."""
        path = tmp_path / "doc.json"
        path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
        (document,) = read_documents(str(path))
        assert document.value == {"a": 1}

    def test_unknown_suffix(self, tmp_path):
        """Only .json, .jsonl and .ndjson are read."""
        path = tmp_path / "doc.yaml"
        path.write_text("a: 1", encoding="utf-8")
        with pytest.raises(InputFileError, match="unsupported file type"):
            list(read_documents(str(path)))

    def test_missing_file(self, tmp_path):
        """A missing file is an InputFileError naming it."""
        with pytest.raises(InputFileError, match="no such file"):
            load_json_file(tmp_path / "nope.json")

    def test_load_json_file_reports_parse_errors(self, tmp_path):
        """load_json_file raises with the path and the reason."""
        path = tmp_path / "bad.json"
        path.write_text("[1,]", encoding="utf-8")
        with pytest.raises(InputFileError, match=r"bad\.json: invalid JSON"):
            load_json_file(path)


class TestDumpsPretty:
    """The one pretty JSON spelling: sorted keys, 2-space indent, non-ASCII kept, newline on request."""

    def test_spelling(self):
        """Keys are sorted at every depth, nesting is indented by two spaces, text stays unescaped."""
        assert dumps_pretty({"b": [1], "a": {"d": "é", "c": None}}, final_newline=False) == (
            '{\n  "a": {\n    "c": null,\n    "d": "é"\n  },\n  "b": [\n    1\n  ]\n}'
        )

    def test_final_newline_is_explicit(self):
        """File text ends in exactly one newline; echo text has none."""
        assert dumps_pretty([], final_newline=True) == "[]\n"
        assert dumps_pretty([], final_newline=False) == "[]"

    @given(st.recursive(st.none() | st.integers() | st.text(), lambda kids: st.dictionaries(st.text(), kids)))
    def test_round_trips_through_the_strict_parser(self, value):
        """Property: the output parses back to the same value."""
        assert loads(dumps_pretty(value, final_newline=True)) == value
