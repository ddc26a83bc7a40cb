import pytest

from saas_contracts import InputFileError
from saas_contracts._jsonio import load_json_file, loads, read_documents
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
