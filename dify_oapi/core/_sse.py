"""An incremental, byte-level Server-Sent Events decoder (WHATWG rules): CR, LF and CRLF line ends, a frame split
anywhere across chunks (a CRLF split between two chunks included), a leading BOM, multi-line ``data``, comments."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class ServerSentEvent:
    """One dispatched event (not frozen: a frozen dataclass costs three times as much to make, once per event)."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed bytes as they arrive; get complete events back. Raises ``UnicodeDecodeError`` on invalid UTF-8."""

    __slots__ = ("_buf", "_data", "_event", "_id", "_last_cr", "_retry", "_scanned", "_started", "error")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._started = False
        self._last_cr = False
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None
        self._scanned = 0
        self.error: UnicodeDecodeError | None = None
        """Set when a line was not UTF-8 after complete events of the same chunk: those are returned first, and
        the next ``feed`` raises this error."""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        events, head, datas, _ = self.split(chunk)
        if head:
            events += self.frames(head)
        for data in datas:
            if "\n" not in data:  # a plain frame: one data line
                events.append(ServerSentEvent("message", data, self._id, self._retry))
            else:
                events += self.frames("data: " + data)
        return events

    def split(self, chunk: bytes) -> tuple[list[ServerSentEvent], str, list[str], bytes]:
        """The fast path of :meth:`feed`: ``(events, head, datas, covered)``.

        ``events`` are what the full line parser made (a chunk with a CR, the end of a frame whose lines began in
        earlier chunks, the start of the stream). The chunk's further whole frames come as text, not parsed yet, cut
        before each frame that starts with ``data: ``: ``head`` the frames before the first such one (often
        ``""``), ``datas`` the text of each such frame after its ``data: ``, and, when it has a line end, the lines
        and frames that follow it up to the next. The caller takes a ``datas`` text without a line end as a plain
        frame (a ``message`` event of the current ``id`` and ``retry``, that text its data), gives ``head`` (when
        not empty) and any other text (with its ``data: `` again) to :meth:`frames`, in order, before the next
        ``split``. ``covered`` holds all these texts (the chunk, with the start of its first frame when that came in
        earlier chunks): what a once-per-chunk check of them looks at."""
        if self.error is not None:
            raise self.error
        if not chunk:
            return [], "", [], b""
        if not self._started and not self._buf and len(chunk) >= 3:  # a BOM, if any, is whole in this chunk
            if chunk[:3] == _BOM:
                chunk = chunk[3:]
            self._started = True
            if not chunk:
                return [], "", [], b""
        if not self._started or self._last_cr or b"\r" in chunk:
            return self._feed_lines(chunk), "", [], b""
        events: list[ServerSentEvent] = []
        try:
            if self._data or self._event:  # lines of a frame came already: the line parser ends it
                end = chunk.find(b"\n\n")
                if end < 0:
                    return self._feed_lines(chunk), "", [], b""
                events = self._feed_lines(chunk[: end + 2])  # a frame boundary: the buffer is empty now
                chunk = chunk[end + 2 :]
                if self.error is not None or not chunk:
                    return events, "", [], b""
            buf = self._buf
            if buf:  # the start of the next frame (no blank line in it), not parsed yet or its last line not whole
                if chunk.find(b"\n\n") < 0:  # (a blank line begun in the buffer: the line parser sees it)
                    return events + self._feed_lines(chunk), "", [], b""
                chunk = bytes(buf) + chunk
                buf.clear()
            cut = chunk.rfind(b"\n\n")
            if cut < 0:
                if b"\n" in chunk:
                    return events + self._feed_lines(chunk), "", [], b""
                buf += chunk  # the start of a line: buffered as the line parser buffers it (searched once)
                self._scanned = len(buf)
                return events, "", [], b""
            self._scanned = 0  # the rest is kept as it came (lines and all), parsed with its frame
            try:
                text = chunk[:cut].decode("utf-8")  # whole frames: no character is cut at their end
            except UnicodeDecodeError:
                self._feed_frame_bytes(chunk[:cut], events)  # finds the bad line, the events before it first
                if self.error is None:
                    buf += chunk[cut + 2 :]
                return events, "", [], b""
            if cut + 2 < len(chunk):
                buf += chunk[cut + 2 :]
        except UnicodeDecodeError as exc:
            self.error = exc  # nothing lost: the events completed before the bad line go out first
            if not events:
                raise
            return events, "", [], b""
        datas = ("\n\n" + text).split("\n\ndata: ")  # (a frame at the very start too)
        head = datas[0]
        del datas[0]
        return events, head[2:] if head else head, datas, chunk

    def frames(self, text: str) -> list[ServerSentEvent]:
        """The events of whole frames, line by line: the ``head`` of :meth:`split`, or a text of its ``datas`` with
        its ``data: `` again (the last blank line left out)."""
        events: list[ServerSentEvent] = []
        for line in text.split("\n"):
            if line:
                self._field(line)
            elif (event := self._dispatch()) is not None:
                events.append(event)
        if (event := self._dispatch()) is not None:
            events.append(event)
        return events

    def _feed_frame_bytes(self, frames: bytes, events: list[ServerSentEvent]) -> None:
        """Whole frames that are not all UTF-8, one by one (the decode error is kept at the line that has it)."""
        for frame in frames.split(b"\n\n"):
            events += self._feed_lines(frame + b"\n\n")
            if self.error is not None:
                return

    def _feed_lines(self, chunk: bytes) -> list[ServerSentEvent]:
        """The full parser, line by line."""
        if self._last_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]  # the LF of a CRLF split across chunks
        self._last_cr = False
        buf = self._buf
        buf += chunk
        if not self._started:
            if len(buf) < 3 and b"\xef\xbb\xbf".startswith(bytes(buf)):
                return []
            if buf.startswith(b"\xef\xbb\xbf"):
                del buf[:3]
            self._started = True
        events: list[ServerSentEvent] = []
        start = 0
        n = len(buf)
        scanned = self._scanned  # bytes at the front already known to hold no line end: not searched again
        while start < n:
            lf = buf.find(b"\n", max(start, scanned))
            cr = buf.find(b"\r", max(start, scanned), lf if lf >= 0 else n)
            if cr >= 0:
                end, nxt = cr, cr + 1
                if nxt < n and buf[nxt] == 0x0A:
                    nxt += 1
                elif nxt == n:
                    self._last_cr = True
            elif lf >= 0:
                end, nxt = lf, lf + 1
            else:
                scanned = n
                break
            try:
                event = self._line(bytes(buf[start:end]))
            except UnicodeDecodeError as exc:
                if not events:
                    raise
                self.error = exc  # nothing lost: the events completed before the bad line go out first
                break
            if event is not None:
                events.append(event)
            start = nxt
        del buf[:start]
        self._scanned = n - start if scanned == n else 0
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of stream. A frame without its closing blank line is incomplete and dropped (as the spec says)."""
        self._buf.clear()
        self._scanned = 0
        self._data.clear()
        self._event = ""
        return []

    @property
    def buffered(self) -> int:
        """The size of the event being received (its incomplete line and its data lines so far), to bound it."""
        return len(self._buf) + sum(map(len, self._data)) if self._data else len(self._buf)

    @property
    def pending(self) -> bool:
        """True when part of an event has been received but not yet dispatched."""
        return bool(self._buf) or bool(self._data)

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        if not raw:
            return self._dispatch()
        self._field(raw.decode("utf-8"))
        return None

    def _field(self, line: str) -> None:
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\x00" not in value:
                self._id = value
        elif name == "retry" and value.isascii() and value.isdigit() and len(value) <= 18:
            self._retry = int(value)  # ASCII digits only (the spec); anything else, or absurdly long, is ignored
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data and not self._event:
            return None
        event = ServerSentEvent(self._event or "message", "\n".join(self._data), self._id, self._retry)
        self._data = []
        self._event = ""
        return event
