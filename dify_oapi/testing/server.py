""":class:`DifyTestServer`: a Dify-compatible Service API served in-process (uvicorn in a background thread, on
127.0.0.1 and a free port), with fault injection and a request log for tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ._apps import APP_KINDS, Apps
from ._common import Settings, Shared
from ._faults import DEFAULT_CODES, Fault, FaultKind, RecordedRequest
from ._knowledge import Knowledge

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["DifyTestServer"]

_INSTALL_HINT = (
    "the Dify test server needs the 'testing' extra (starlette, uvicorn): pip install \".[testing]\" from a checkout "
    "of dify-oapi, or its wheel with [testing] (the 'dify-oapi' name on the public index is another, older package)"
)


class DifyTestServer:
    """A Dify 1.14-compatible Service API for tests and demos, running in this process.

    >>> with DifyTestServer() as server:
    ...     client = server.client()                 # the chatflow app's key and the dataset key
    ...     answer = client.chat.v1.message.create(...)

    Three apps, one key each: ``"chat"`` (an advanced-chat app answering ``"Echo: <query>"``), ``"completion"``
    (input ``query``) and ``"workflow"`` (input ``text``, output ``text``; ``inputs.needs_approval`` pauses it at a
    human-input form); and one knowledge base key. State lives in memory and dies with the server.

    Settings: ``indexing_seconds`` (documents go waiting -> parsing -> splitting -> indexing -> completed over this
    time), ``chunk_delay`` (seconds between streamed events), ``form_ttl_seconds`` (human-input forms expire after
    it), ``stall_seconds`` (the longest a stalled stream stays open), ``pause_workflows`` (every workflow run
    pauses for human input), ``tts_enabled`` (False: text-to-audio answers 400 ``TTS is not enabled``), ``host`` and
    ``port`` (where to listen; ``port=0``: a free one).

    Faults for tests: :meth:`set_latency`, :meth:`fail_next`, :meth:`drop_stream`, :meth:`stream_error`,
    :meth:`stall_stream`, :meth:`fail_indexing`, :meth:`expire_forms`, :meth:`reset_faults`. What it received:
    :attr:`requests`.
    """

    def __init__(
        self,
        *,
        indexing_seconds: float = 0.3,
        chunk_delay: float = 0.0,
        form_ttl_seconds: float = 3600.0,
        stall_seconds: float = 30.0,
        pause_workflows: bool = False,
        tts_enabled: bool = True,
        app_keys: dict[str, str] | None = None,
        dataset_key: str = "dataset-test-key",
        log_level: str = "critical",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        keys = {kind: f"app-test-{kind}-key" for kind in APP_KINDS}
        keys.update(app_keys or {})
        unknown = set(keys) - set(APP_KINDS)
        if unknown:
            raise ValueError(f"unknown app kinds {sorted(unknown)}: use {APP_KINDS}")
        self.app_keys: dict[str, str] = keys
        self.dataset_key = dataset_key
        self.settings = Settings(
            indexing_seconds, chunk_delay, form_ttl_seconds, stall_seconds, pause_workflows, tts_enabled
        )
        self._log_level = log_level
        self._host = host
        self._want_port = port
        self._port = 0
        self._shared = Shared("http://127.0.0.1:0/v1", self.settings)
        self._lock = self._shared.lock
        self._apps = Apps(self._shared, keys)
        self._knowledge = Knowledge(self._shared)
        self._log: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._latency: list[tuple[float, str | None]] = []
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._uvicorn: Any = None
        self._asgi_app: Any = None
        self._socket: socket.socket | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving (returns once the server answers). Needs starlette and uvicorn (the ``testing`` extra)."""
        if self._thread is not None:
            return self
        try:
            import uvicorn

            from ._asgi import DifyASGIApp
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(_INSTALL_HINT) from exc
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets; without it every answer (headers, then
        # body) waited ~40 ms for the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._want_port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._port = sock.getsockname()[1]
        self._shared.base_url = self.url
        self._stopping.clear()
        self._started.clear()
        self._asgi_app = DifyASGIApp(self)
        config = uvicorn.Config(
            self._asgi_app, log_level=self._log_level, log_config=None, access_log=False, lifespan="on",
            timeout_graceful_shutdown=2, http="h11", ws="none",
        )  # fmt: skip
        server = uvicorn.Server(config)
        self._uvicorn = server
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="dify-test-server", daemon=True)
        self._thread = thread
        thread.start()
        if not self._started.wait(timeout):
            self.stop()
            raise RuntimeError(f"the Dify test server did not start within {timeout} s")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving: open streams end, the thread is joined. Idempotent."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        thread.join(timeout)
        if thread.is_alive() and self._uvicorn is not None:
            self._uvicorn.force_exit = True
            thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._thread = None
        self._uvicorn = None
        if self._asgi_app is not None:
            self._asgi_app.remove_log_filter()
            self._asgi_app = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # ---- where and who ------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the server is not started")
        return self._port

    @property
    def url(self) -> str:
        """The base URL of the Service API, ``http://<host>:<port>/v1`` (``127.0.0.1`` and a free port by default)."""
        host = "127.0.0.1" if self._host in ("", "0.0.0.0") else self._host
        return f"http://{host}:{self.port}/v1"

    def app_key(self, kind: str = "chat") -> str:
        """The API key of an app: ``"chat"`` (chatflow), ``"completion"`` or ``"workflow"``."""
        try:
            return self.app_keys[kind]
        except KeyError:
            raise ValueError(f"unknown app kind {kind!r}: use one of {APP_KINDS}") from None

    def client(self, app: str = "chat", *, max_retries: int | None = 0, **options: Any) -> Client:
        """A :class:`dify_oapi.Client` for this server: the app's key, the dataset key, no retry by default (pass
        ``max_retries``), a short retry delay; other ``Client`` options pass through."""
        from ..client import Client

        options.setdefault("retry_base_delay", 0.01)
        options.setdefault("trust_env", False)  # loopback traffic and test keys never go through HTTP_PROXY
        return Client(
            base_url=self.url, api_key=self.app_key(app), dataset_api_key=self.dataset_key, max_retries=max_retries,
            **options,
        )  # fmt: skip

    # ---- faults ---------------------------------------------------------------------------------------------------

    def set_latency(self, seconds: float, path: str | None = None) -> None:
        """Wait ``seconds`` before answering each request (to ``path`` only: exact or a glob like
        ``"/datasets/*"``, relative to ``/v1``). ``set_latency(0)`` removes every latency."""
        with self._lock:
            if seconds <= 0:
                self._latency.clear()
            else:
                self._latency.append((seconds, path))

    def fail_next(
        self,
        n: int = 1,
        status: int = 503,
        code: str | None = None,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next ``n`` requests (to ``path``, when given) with ``status`` and a Dify error body
        ``{code, message, status}``, and a ``Retry-After`` header when ``retry_after`` is given."""
        self._arm(
            "fail", n, path, status=status, code=code or DEFAULT_CODES.get(status, "error"),
            message=message or f"Injected {status}.", retry_after=retry_after,
        )  # fmt: skip

    def drop_stream(self, after_events: int = 1, *, path: str | None = None, times: int = 1) -> None:
        """Cut the connection of the next ``times`` streams after ``after_events`` data events (after the ping)."""
        self._arm("drop", times, path, after_events=after_events)

    def stream_error(
        self,
        after_events: int = 1,
        *,
        status: int = 500,
        code: str = "internal_server_error",
        message: str = "Injected stream error.",
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """Send an in-stream ``error`` event after ``after_events`` data events, then end the stream."""
        self._arm("error_event", times, path, status=status, code=code, message=message, after_events=after_events)

    def stall_stream(self, *, path: str | None = None, times: int = 1) -> None:
        """The next stream sends ``event: ping`` and then nothing (like a Dify run whose input is missing), until
        the client goes away, the server stops or ``stall_seconds`` pass."""
        self._arm("stall", times, path)

    def fail_indexing(self, name: str, error: str = "Injected indexing error.") -> None:
        """Documents created from now on whose name matches ``name`` (exact or a glob like ``"bad-*"``) stop
        indexing half-way with ``indexing_status`` ``error`` and this ``error`` text. ``reset_faults`` ends it."""
        with self._lock:
            self._knowledge.failing.append((name, error))

    def expire_forms(self) -> None:
        """Every human-input form expires now (submitting answers 412 ``human_input_form_expired``)."""
        with self._lock:
            self._apps.expire_forms()

    def reset_faults(self) -> None:
        """Remove every armed fault, latency and indexing failure."""
        with self._lock:
            self._faults.clear()
            self._latency.clear()
            self._knowledge.failing.clear()

    def _arm(self, kind: FaultKind, n: int, path: str | None, **values: Any) -> None:
        if n < 1:
            raise ValueError("n must be >= 1")
        if path is not None and path.startswith("/v1/"):
            path = path[3:]
        with self._lock:
            self._faults.append(Fault(kind, n, path, **values))

    def _take_fault(self, kinds: Iterable[str], path: str) -> Fault | None:
        """The first armed fault of these kinds for ``path`` (one use of it is consumed). Call with the lock."""
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _latency_for(self, path: str) -> float:
        return sum(seconds for seconds, p in self._latency if Fault("fail", 1, p).matches(path))

    # ---- what it received -------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """The requests to ``path`` (exact or a glob, relative to ``/v1``), optionally of one method."""
        probe = Fault("fail", 1, path)
        return [r for r in self.requests if probe.matches(r.path) and (method is None or r.method == method)]

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._log[-1] if self._log else None

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def __repr__(self) -> str:
        where = self.url if self._port else "not started"
        return f"DifyTestServer({where}, running={self.running})"
