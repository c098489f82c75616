"""The SSE decoder at every chunk boundary: real transcripts and synthetic edge cases."""

from __future__ import annotations

import pytest

from dify_oapi.core._sse import ServerSentEvent, SSEDecoder
from tests.support import TRANSCRIPTS


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    out: list[ServerSentEvent] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.flush())
    return out


def every_split(data: bytes) -> list[list[bytes]]:
    return [[data[:i], data[i:]] for i in range(len(data) + 1)]


def sse_files() -> list[str]:
    return sorted(p.name for p in TRANSCRIPTS.glob("*.sse") if p.read_bytes().startswith((b"event:", b"data:")))


@pytest.mark.parametrize("name", sse_files())
def test_transcript_streams_decode_the_same_at_every_boundary(name: str) -> None:
    data = (TRANSCRIPTS / name).read_bytes()
    whole = decode([data])
    assert whole, "a recorded stream has events"
    if data.startswith(b"event: ping"):
        assert whole[0].event == "ping"
    for chunks in every_split(data):
        assert decode(chunks) == whole
    assert decode([bytes([b]) for b in data]) == whole  # one byte at a time


def test_there_are_recorded_streams() -> None:
    assert len(sse_files()) >= 4


SYNTH = (
    b"\xef\xbb\xbfevent: ping\r\n\r\n"
    b'data: {"event": "message", "answer": "a"}\r\n\r\n'
    b": a comment\n"
    b"data: line one\rdata: line two\r\r"
    b"id: 7\nretry: 1500\nevent: custom\ndata:no-space\n\n"
    b'data: {"event": "message_end"}\n\n'
)
EXPECTED = [
    ServerSentEvent("ping", ""),
    ServerSentEvent("message", '{"event": "message", "answer": "a"}'),
    ServerSentEvent("message", "line one\nline two"),
    ServerSentEvent("custom", "no-space", "7", 1500),
    ServerSentEvent("message", '{"event": "message_end"}', "7", 1500),  # id and retry persist
]


def test_synthetic_stream_with_bom_cr_lf_crlf_comments_and_multiline_data() -> None:
    assert decode([SYNTH]) == EXPECTED


def test_synthetic_stream_at_every_boundary_and_in_three_pieces() -> None:
    for chunks in every_split(SYNTH):
        assert decode(chunks) == EXPECTED
    for i in range(1, len(SYNTH), 7):
        for j in range(i, len(SYNTH), 11):
            assert decode([SYNTH[:i], SYNTH[i:j], SYNTH[j:]]) == EXPECTED


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    assert decode([b"data: x\r", b"\n\r", b"\ndata: y\r\n\r\n"]) == [
        ServerSentEvent("message", "x"),
        ServerSentEvent("message", "y"),
    ]


def test_unterminated_last_frame_is_not_dispatched() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"event": "message"') == []
    assert decoder.pending
    assert decoder.flush() == []


def test_invalid_utf8_raises() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode([b"data: \xff\xfe\n\n"])


def test_multibyte_characters_split_across_chunks() -> None:
    data = "data: Grüße 你好\n\n".encode()
    for chunks in every_split(data):
        assert decode(chunks) == [ServerSentEvent("message", "Grüße 你好")]


@pytest.mark.parametrize(
    "value",
    [
        "١٢٣",  # Arabic-Indic digits: int() accepts them, the SSE spec does not
        "²",  # str.isdigit() is True, int() raises ValueError
        "1" * 5000,  # past int()'s digit limit: ValueError
        "12a",
        "-5",
        " 5",
        "",
        "\uff11\uff12",  # full-width digits
    ],
)
def test_invalid_retry_values_are_ignored(value: str) -> None:
    data = f"retry: 10\n\nretry: {value}\ndata: x\n\n".encode()
    for chunks in every_split(data):
        assert decode(chunks) == [ServerSentEvent("message", "x", None, 10)]


def test_hostile_fields_never_raise() -> None:
    data = b"id: a\x00b\nretry\nevent\ndata\n: x\nfoo: bar\n\x0b: y\nid\ndata: z\n\n"
    for chunks in every_split(data):
        assert decode(chunks) == [ServerSentEvent("message", "\nz", "")]


def _lines_only(chunks: list[bytes]) -> list[ServerSentEvent]:
    """The full line parser alone (the fast path bypassed): the reference the fast path must match."""
    decoder = SSEDecoder()
    out: list[ServerSentEvent] = []
    for chunk in chunks:
        if decoder.error is not None:
            raise decoder.error
        out.extend(decoder._feed_lines(chunk) if chunk else [])
    return out


def test_fast_path_matches_the_full_parser_on_random_streams() -> None:
    import random

    rng = random.Random(14)
    pieces = [b"data: {\"event\": \"message\"}", b"data: x", b"data:y", b"event: ping", b": c", b"id: 3", b"retry: 9",
              b"data: \xc3\xa9", b"data", b"", b"\n", b"\r", b"\r\n", b"\n\n", b"\xef\xbb\xbf", b"foo: bar"]  # fmt: skip
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) + rng.choice([b"\n", b"\n\n", b"\n\n", b"\r\n"]) for _ in range(8))
        cuts = sorted(rng.sample(range(len(data) + 1), min(3, len(data) + 1)))
        chunks = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert decode(chunks) == _lines_only(chunks), data


def test_fast_path_keeps_events_before_invalid_utf8() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: \xff\n\ndata: b\n\n") == [ServerSentEvent("message", "a")]
    with pytest.raises(UnicodeDecodeError):
        decoder.feed(b"data: c\n\n")


def _split_as_streams_take_it(decoder: SSEDecoder, chunk: bytes) -> list[ServerSentEvent]:
    """``split``'s events and texts, taken as a stream takes them; every text lies in what split says it covers
    (what the stream's once-per-chunk key check searches)."""
    events, head, datas, covered = decoder.split(chunk)
    got = list(events)
    assert head.encode() in covered and all(data.encode() in covered for data in datas)
    if head:
        got += decoder.frames(head)
    for data in datas:
        if "\n" not in data:
            got.append(ServerSentEvent("message", data, decoder._id, decoder._retry))
        else:
            got += decoder.frames("data: " + data)
    return got


def test_split_gives_the_full_parsers_events_in_texts_that_lie_in_what_it_covers() -> None:
    """``split`` (the streams' fast path) on random streams cut into many small chunks: its events and texts, taken
    as the stream takes them, are the full parser's."""
    import random

    rng = random.Random(1414)
    pieces = [b'data: {"event": "message"}', b"data: x", b"data:y", b"event: ping", b": c", b"id: 3", b"retry: 9",
              b"data: \xc3\xa9\xe4\xbd\xa0", b"data", b"", b"\n", b"\r\n", b"\n\n", b"foo: bar", b"data: KEY",
              b"data: ", b"data: data: x", b"xdata: y", b" data: z"]  # fmt: skip
    for _ in range(2000):
        data = b"".join(rng.choice(pieces) + rng.choice([b"\n", b"\n\n", b"\n\n", b"\n\n\n"]) for _ in range(10))
        if rng.random() < 0.2:
            data = data.replace(b"\n", b"\r\n", 1)
        cuts = sorted(rng.sample(range(len(data) + 1), rng.randint(1, 12)))
        chunks = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        decoder = SSEDecoder()
        got: list[ServerSentEvent] = []
        for chunk in chunks:
            got += _split_as_streams_take_it(decoder, chunk)
        assert got == _lines_only(chunks), (data, cuts)


def test_a_frame_cut_between_chunks_is_covered_whole() -> None:
    decoder = SSEDecoder()
    assert decoder.split(b"data: KE") == ([], "", [], b"")
    events, head, datas, covered = decoder.split(b'Y\n\ndata: {"a": 1}\n\nevent: x\ndata: 2\n\ndata: ne')
    assert events == [] and head == "" and datas == ["KEY", '{"a": 1}\n\nevent: x\ndata: 2'] and b"KEY" in covered
    assert decoder.frames("data: " + datas[1])[-1] == ServerSentEvent("x", "2")
    assert decoder.feed(b"xt\n\n") == [ServerSentEvent("message", "next")]
    assert decoder.split(b": c\n\ndata: a\n\n")[1:3] == (": c", ["a"])  # frames before the first data frame
