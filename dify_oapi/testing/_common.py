"""State shared by the app side and the knowledge side of the test server: settings, the clock, end users, uploaded
files, and small helpers that phrase errors the way Dify 1.14 does."""

from __future__ import annotations

import mimetypes
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ._http import ApiError, Call, Upload


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` fallback and the exact name as RFC 5987 ``filename*``: header values
    are Latin-1 on the wire, so a name like ``résumé 报告.pdf`` must be percent-encoded, never sent raw."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", name) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


__all__ = ["Settings", "Shared", "StoredFile", "field_required", "new_id", "now", "validation_error"]

TENANT_ID = "8f1c5c6e-4c1e-4e57-9c55-5a1d8f0e7a10"
ACCOUNT_ID = "4fb79d31-05da-4795-91b7-8b5bdcb84fad"


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> int:
    return int(time.time())


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 50 else text[:25] + "..." + text[-22:]


def validation_error(model: str, loc: str, message: str, kind: str, value: Any) -> ApiError:
    """A 400 ``invalid_param`` phrased like Dify's pydantic payload validation."""
    return ApiError(
        400,
        "invalid_param",
        f"1 validation error for {model}\n{loc}\n  {message} [type={kind}, input_value={_short_repr(value)}, "
        f"input_type={type(value).__name__}]\n    For further information visit https://errors.pydantic.dev/2.12/v/{kind}",
    )


def field_required(model: str, name: str, body: dict[str, Any]) -> ApiError:
    return validation_error(model, name, "Field required", "missing", body)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass
class Settings:
    indexing_seconds: float = 0.3
    chunk_delay: float = 0.0
    form_ttl_seconds: float = 3600.0
    stall_seconds: float = 30.0
    pause_workflows: bool = False
    tts_enabled: bool = True


@dataclass
class StoredFile:
    id: str
    name: str
    content: bytes
    mime_type: str
    created_by: str
    created_at: int
    used: bool = False

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""


@dataclass
class EndUser:
    id: str
    app_id: str
    user: str
    created_at: str


@dataclass
class Shared:
    """What both sides of the server use. One lock guards all state (handlers are short)."""

    base_url: str
    settings: Settings
    lock: threading.RLock = field(default_factory=threading.RLock)
    files: dict[str, StoredFile] = field(default_factory=dict[str, StoredFile])
    end_users: dict[tuple[str, str], EndUser] = field(default_factory=dict[tuple[str, str], EndUser])

    def end_user(self, app_id: str, user: str) -> EndUser:
        key = (app_id, user)
        found = self.end_users.get(key)
        if found is None:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            found = EndUser(new_id(), app_id, user, stamp)
            self.end_users[key] = found
        return found

    def end_user_by_id(self, end_user_id: str) -> EndUser | None:
        for end_user in self.end_users.values():
            if end_user.id == end_user_id:
                return end_user
        return None

    def store_file(self, upload: Upload, created_by: str) -> StoredFile:
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        stored = StoredFile(new_id(), upload.filename, upload.content, mime, created_by, now())
        self.files[stored.id] = stored
        return stored

    def file_url(self, file_id: str, *, attachment: bool = False) -> str:
        root = self.base_url.rsplit("/v1", 1)[0]
        url = f"{root}/files/{file_id}/file-preview?timestamp={now()}&nonce=test&sign=test"
        return url + ("&as_attachment=true" if attachment else "")

    def file_json(self, stored: StoredFile) -> dict[str, Any]:
        return {
            "id": stored.id,
            "name": stored.name,
            "size": len(stored.content),
            "extension": stored.extension,
            "mime_type": stored.mime_type,
            "created_by": stored.created_by,
            "created_at": stored.created_at,
            "preview_url": None,
            "source_url": self.file_url(stored.id),
            "original_url": None,
            "user_id": None,
            "tenant_id": TENANT_ID,
            "conversation_id": None,
            "file_key": None,
        }

    def take_upload(self, call: Call) -> Upload:
        """The single ``file`` part of a multipart upload (Dify's errors when it is missing or doubled)."""
        uploads = call.files.get("file") or []
        if not uploads:
            raise ApiError(400, "no_file_uploaded", "Please upload your file.")
        if len(uploads) > 1 or sum(len(v) for v in call.files.values()) > 1:
            raise ApiError(400, "too_many_files", "Only one file is allowed.")
        if not uploads[0].filename:
            raise ApiError(400, "filename_not_exists_error", "The specified filename does not exist.")
        return uploads[0]
