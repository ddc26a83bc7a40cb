import io
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests._support import fifo_feeding

from saas_contracts import InputFileError
from saas_contracts._jsonio import (
    Document,
    dumps_pretty,
    ensure_readable,
    iter_lines,
    iter_stream_lines,
    load_json_file,
    loads,
    read_documents,
)
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

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            ('{"a": 1, "a": 2}', "the key /a appears twice"),
            ('{"d": {"x": [1, {"c": 1, "c": 2}]}, "e": 1}', "the key /d/x/1/c appears twice"),
            ('[{}, [{"k": {"z": 1, "z": 1.5}}]]', "the key /1/0/k/z appears twice"),
            ('[{"a": 1, "a": 2}, oops]', r"unique keys\)\Z"),  # broken after the repeat: no pointer
        ],
    )
    def test_duplicate_key_pointer(self, text, where):
        """A whole document's refusal names the repeated key by its JSON Pointer."""
        with pytest.raises(JSONInputError, match=where):
            loads(text, locate_duplicates=True)

    @pytest.mark.parametrize(
        ("text", "holder", "line"),
        [
            ('{"a": 1,\n "a": 2}', "/", 2),
            ('{\n "d": {"x": [1, {"c": 1,\n\n "c": 2}]},\n "e": 1}', "/d/x/1", 4),
            ('{"p": {"c": 1}, "q": {"s": "\\"c\\":", "c": 1,\n"c": 2}}', "/q", 2),  # an earlier "c" elsewhere
            ('[{}, [{"k": {"z": 1, "z": 1.5}}]]', "/1/0/k", 1),
        ],
    )
    def test_duplicate_key_names_its_object_and_line(self, text, holder, line):
        """The refusal names the object holding the repeated key and the line of its second occurrence."""
        with pytest.raises(JSONInputError) as caught:
            loads(text, locate_duplicates=True)
        assert str(caught.value).endswith(f"appears twice in the object at {holder} (line {line})")

    def test_load_json_file_names_file_line_and_object(self, tmp_path):
        """A nested duplicate in a file: the file, the object holding the key and the line."""
        path = tmp_path / "schema.json"
        path.write_text(
            '{"properties": {\n  "x": {"maxLength": 3,\n        "maxLength": 4}}}\n', encoding="utf-8"
        )
        with pytest.raises(InputFileError) as caught:
            load_json_file(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: duplicate object key")
        assert message.endswith(
            "the key /properties/x/maxLength appears twice in the object at /properties/x (line 3)"
        )

    def test_lines_keep_the_plain_duplicate_reason(self):
        """Without locate_duplicates (JSON Lines events) the reason is parseStrict's, word for word."""
        with pytest.raises(JSONInputError, match=r"unique keys\)\Z"):
            loads('{"d": {"c": 1, "c": 2}}')

    def test_duplicate_key_pointer_masks_secrets(self):
        """A secret used as the repeated key is masked in the pointer."""
        lookalike = "sk_live_abcdefghijklmnop"
        with pytest.raises(JSONInputError, match="appears twice") as caught:
            loads(f'{{"{lookalike}": 1, "{lookalike}": 2}}', locate_duplicates=True)
        assert lookalike not in str(caught.value)

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


def _whole_buffer_reading(source: str, data: bytes) -> list[Document]:
    """The reader before streaming: split the whole buffer, decode every non-blank line."""
    documents = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                documents.append(
                    Document(source=source, line=number, error=f"not UTF-8 (byte {error.start})")
                )
                continue
            try:
                documents.append(Document(source=source, line=number, value=loads(text)))
            except JSONInputError as error:
                documents.append(Document(source=source, line=number, error=str(error)))
    return documents


class _Exploding(io.BytesIO):
    """A stream of ``good`` lines that fails the test if read any further."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.lines = iter([b'{"n": %d}\n' % number for number in range(good)])

    def readline(self, size: int | None = -1) -> bytes:  # noqa: ARG002 - io's signature
        line = next(self.lines, None)
        if line is None:
            pytest.fail("the reader went past the lines it was asked for")
        return line


LINE_PIECES = st.sampled_from(
    [b'{"a": 1}', b"[1, 2]", b"  ", b"", b"\r", b"{broken", b"\xff\xfe", b"\xef\xbb\xbf", b'"x"', b"\t7 "]
)


class TestStreamingReader:
    """JSON Lines are read one line at a time, with the verdicts of whole-buffer reading."""

    @given(st.lists(LINE_PIECES, max_size=12), st.sampled_from([b"\n", b"\r\n"]), st.booleans())
    def test_same_documents_as_whole_buffer_reading(self, pieces, ending, final_newline):
        """BOM on line 1, CRLF, blank lines and a missing final newline read exactly as before."""
        data = ending.join(pieces) + (ending if final_newline and pieces else b"")
        assert list(iter_lines("x.jsonl", data)) == _whole_buffer_reading("x.jsonl", data)

    def test_consumes_its_source_lazily(self):
        """The first documents come out before the rest of the stream is read."""
        first = list(itertools.islice(iter_stream_lines("s.jsonl", _Exploding(good=3)), 3))
        assert [document.value for document in first] == [{"n": 0}, {"n": 1}, {"n": 2}]

    def test_too_long_line_is_an_error_with_its_number(self, monkeypatch):
        """A line over the limit is skipped without being held; the lines after it are read."""
        monkeypatch.setattr("saas_contracts._jsonio.MAX_DOCUMENT_BYTES", 16)
        monkeypatch.setattr("saas_contracts._jsonio._SKIP_CHUNK", 4)
        data = b'[1]\n"' + b"y" * 100 + b'"\n[3]\n"' + b"z" * 40
        documents = list(iter_lines("big.jsonl", data))
        assert [(d.line, d.value, d.error is None) for d in documents] == [
            (1, [1], True),
            (2, None, False),
            (3, [3], True),
            (4, None, False),
        ]
        assert documents[1].error == "line longer than 16 bytes (the most one JSON Lines document may hold)"

    def test_line_of_exactly_the_limit_is_read(self, monkeypatch):
        """The limit counts the line's bytes without its newline."""
        monkeypatch.setattr("saas_contracts._jsonio.MAX_DOCUMENT_BYTES", 8)
        (document,) = iter_lines("x.jsonl", b'"123456"\n')
        assert document.value == "123456"

    def test_json_document_over_the_limit_is_refused(self, tmp_path, monkeypatch):
        """A .json file is read whole, so a document over the limit raises before anything is yielded."""
        monkeypatch.setattr("saas_contracts._jsonio.MAX_DOCUMENT_BYTES", 16)
        path = tmp_path / "big.json"
        path.write_text("[" + "1," * 20 + "1]", encoding="utf-8")
        with pytest.raises(InputFileError, match=r"big\.json: a \.json document is read whole .* 16 bytes"):
            list(read_documents(str(path)))
        with pytest.raises(InputFileError, match="16 bytes"):
            load_json_file(path)


class TestStreams:
    """A FIFO is read as a stream; without a known suffix it takes the format of '-'."""

    def test_fifo_without_suffix_reads_like_stdin(self, tmp_path):
        """JSON Lines where '-' means JSON Lines, one document where '-' means one."""
        with fifo_feeding(tmp_path / "fd63", b"[1]\n[2]\n"):
            lines = list(read_documents(str(tmp_path / "fd63"), default_lines=True))
        assert [document.value for document in lines] == [[1], [2]]
        with fifo_feeding(tmp_path / "fd64", b"[1,\n2]\n"):
            (whole,) = read_documents(str(tmp_path / "fd64"))
        assert whole.value == [1, 2]

    def test_fifo_passes_the_readability_check_without_being_opened(self, tmp_path):
        """ensure_readable only looks (opening would wait for the writer)."""
        with fifo_feeding(tmp_path / "in.jsonl", b"", patience=0.2) as writer:
            ensure_readable(str(tmp_path / "in.jsonl"))
        assert not writer.written

    def test_regular_file_without_suffix_is_still_refused(self, tmp_path):
        """Only streams take stdin's format; a regular file needs its suffix."""
        path = tmp_path / "events"
        path.write_text("[1]\n", encoding="utf-8")
        with pytest.raises(InputFileError, match="unsupported file type"):
            ensure_readable(str(path))

    def test_directory_is_refused(self, tmp_path):
        """A directory named like a file is not read."""
        folder = tmp_path / "dir.jsonl"
        folder.mkdir()
        with pytest.raises(InputFileError, match="is a directory"):
            ensure_readable(str(folder))


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

    @pytest.mark.slow  # about 1-2 s alone on 2 cores
    @given(st.recursive(st.none() | st.integers() | st.text(), lambda kids: st.dictionaries(st.text(), kids)))
    def test_round_trips_through_the_strict_parser(self, value):
        """Property: the output parses back to the same value."""
        assert loads(dumps_pretty(value, final_newline=True)) == value
