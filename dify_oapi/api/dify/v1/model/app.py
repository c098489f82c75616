"""Applications: what every app type answers about itself (info, parameters, meta, WebApp site settings)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .....core.builder import Builder
from .....core.model import Request, Response

__all__ = [
    "AppInfo",
    "AppMeta",
    "AppParameters",
    "AppSite",
    "FeatureToggle",
    "FileUploadSettings",
    "GetAppInfoRequest",
    "GetAppInfoRequestBuilder",
    "GetAppMetaRequest",
    "GetAppMetaRequestBuilder",
    "GetAppParametersRequest",
    "GetAppParametersRequestBuilder",
    "GetAppSiteRequest",
    "GetAppSiteRequestBuilder",
    "ImageUploadSettings",
    "SystemParameters",
    "TextToSpeechSettings",
    "ToolIcon",
    "UserInputControl",
]


# ---- requests (none of them takes a parameter) ----------------------------------------------------------------


class GetAppInfoRequest(Request):
    """``GET /info`` takes no parameters."""

    @staticmethod
    def builder() -> GetAppInfoRequestBuilder:
        return GetAppInfoRequestBuilder()


class GetAppInfoRequestBuilder(Builder[GetAppInfoRequest]):
    pass


class GetAppParametersRequest(Request):
    """``GET /parameters`` takes no parameters."""

    @staticmethod
    def builder() -> GetAppParametersRequestBuilder:
        return GetAppParametersRequestBuilder()


class GetAppParametersRequestBuilder(Builder[GetAppParametersRequest]):
    pass


class GetAppMetaRequest(Request):
    """``GET /meta`` takes no parameters."""

    @staticmethod
    def builder() -> GetAppMetaRequestBuilder:
        return GetAppMetaRequestBuilder()


class GetAppMetaRequestBuilder(Builder[GetAppMetaRequest]):
    pass


class GetAppSiteRequest(Request):
    """``GET /site`` takes no parameters."""

    @staticmethod
    def builder() -> GetAppSiteRequestBuilder:
        return GetAppSiteRequestBuilder()


class GetAppSiteRequestBuilder(Builder[GetAppSiteRequest]):
    pass


# ---- answers --------------------------------------------------------------------------------------------------


class AppInfo(Response):
    """Basic information of the application. ``mode``: ``completion``, ``chat``, ``agent-chat``,
    ``advanced-chat`` (chatflow), ``workflow`` or ``agent``."""

    name: str = ""
    description: str | None = None
    tags: list[str] = []
    mode: str | None = None
    author_name: str | None = None


class FeatureToggle(Response):
    """A feature of the app that is on or off (``speech_to_text``, ``annotation_reply``...)."""

    enabled: bool = False


class TextToSpeechSettings(FeatureToggle):
    """Text-to-speech settings: the default ``voice`` and ``language``; ``auto_play`` (``enabled``/``disabled``)."""

    voice: str | None = None
    language: str | None = None
    auto_play: str | None = Field(default=None, alias="autoPlay")


class UserInputControl(Response):
    """One control of the app's input form. ``type``: ``text-input``, ``paragraph``, ``select``, ``number``,
    ``file``, ``file-list``... (open: new control types are kept, with their extra fields)."""

    variable: str = ""
    label: str | None = None
    type: str | None = None
    required: bool = False
    default: Any = None
    max_length: int | None = None
    options: list[str] = []
    allowed_file_types: list[str] | None = None
    allowed_file_extensions: list[str] | None = None
    allowed_file_upload_methods: list[str] | None = None


class ImageUploadSettings(Response):
    """Image upload settings (the documented, older shape of ``file_upload``)."""

    enabled: bool | None = None
    number_limits: int | None = None
    detail: str | None = None
    transfer_methods: list[str] = []


class FileUploadSettings(Response):
    """Which files the app accepts. Dify 1.x sends ``enabled`` / ``allowed_file_types`` / ``number_limits``...;
    the documented shape nests an ``image`` object. Both are read."""

    enabled: bool | None = None
    allowed_file_types: list[str] = []
    allowed_file_extensions: list[str] = []
    allowed_file_upload_methods: list[str] = []
    number_limits: int | None = None
    file_upload_config: dict[str, Any] | None = Field(default=None, alias="fileUploadConfig")
    image: ImageUploadSettings | None = None


class SystemParameters(Response):
    """Server limits: file sizes in MB, files per workflow run."""

    file_size_limit: int | None = None
    image_file_size_limit: int | None = None
    audio_file_size_limit: int | None = None
    video_file_size_limit: int | None = None
    workflow_file_upload_limit: int | None = None


class AppParameters(Response):
    """The app's features and its input form (``GET /parameters``).

    ``user_input_form`` is kept as the server sends it, a list of one-key objects (``{"text-input": {...}}``);
    :attr:`input_controls` gives the controls themselves, each with its ``type``.
    """

    opening_statement: str | None = None
    suggested_questions: list[str] = []
    suggested_questions_after_answer: FeatureToggle | None = None
    speech_to_text: FeatureToggle | None = None
    text_to_speech: TextToSpeechSettings | None = None
    retriever_resource: FeatureToggle | None = None
    annotation_reply: FeatureToggle | None = None
    more_like_this: FeatureToggle | None = None
    sensitive_word_avoidance: FeatureToggle | None = None
    user_input_form: list[dict[str, UserInputControl]] = []
    file_upload: FileUploadSettings | None = None
    system_parameters: SystemParameters | None = None

    @property
    def input_controls(self) -> list[UserInputControl]:
        """Every control of ``user_input_form`` in order; ``type`` is the control's key when the server omits it."""
        controls: list[UserInputControl] = []
        for item in self.user_input_form:
            for kind, control in item.items():
                controls.append(control if control.type else control.model_copy(update={"type": kind}))
        return controls


class ToolIcon(Response):
    """An emoji tool icon."""

    background: str | None = None
    content: str | None = None


class AppMeta(Response):
    """``tool_icons``: per tool name, an icon URL or an emoji :class:`ToolIcon`."""

    tool_icons: dict[str, str | ToolIcon] = {}


class AppSite(Response):
    """The WebApp settings of the app (``GET /site``)."""

    title: str | None = None
    chat_color_theme: str | None = None
    chat_color_theme_inverted: bool | None = None
    icon_type: str | None = None
    icon: str | None = None
    icon_background: str | None = None
    icon_url: str | None = None
    description: str | None = None
    copyright: str | None = None
    privacy_policy: str | None = None
    input_placeholder: str | None = None
    custom_disclaimer: str | None = None
    default_language: str | None = None
    show_workflow_steps: bool | None = None
    use_icon_as_answer_icon: bool | None = None
