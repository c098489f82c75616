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
