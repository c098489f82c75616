"""client.knowledge_base.v1.model: list the workspace's models of a type; sync and async, replayed from the real
server's transcript (Dify 1.14.1), with the dataset key."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.model import ListModelsRequest, ModelProvider, ModelProviderList
from dify_oapi.core.errors import AuthenticationError
from tests.api.knowledge_base._more_support import check_sent, run
from tests.support import Recorder, make_client, transcript_response


def _model(rec: Recorder) -> object:
    return make_client(rec).knowledge_base.v1.model


async def test_list_text_embedding_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_models_text_embedding"))
    req = ListModelsRequest.builder().model_type("text-embedding").build()
    out = await run(mode, _model(recorder), "list", req)
    check_sent(recorder, "GET", "/workspaces/current/models/model-types/text-embedding")
    assert isinstance(out, ModelProviderList) and out.data == []


PROVIDER = {
    "provider": "langgenius/openai/openai",
    "label": {"en_US": "OpenAI", "zh_Hans": "OpenAI", "ja_JP": "OpenAI"},
    "icon_small": {"en_US": "https://x/icon.svg"},
    "icon_small_dark": None,
    "status": "active",
    "tenant_id": "t1",
    "models": [
        {
            "model": "rerank-v3",
            "label": {"en_US": "Rerank v3"},
            "model_type": "rerank",
            "features": None,
            "fetch_from": "predefined-model",
            "model_properties": {"context_size": 4096},
            "status": "active",
            "deprecated": False,
            "load_balancing_enabled": False,
            "has_invalid_load_balancing_configs": False,
            "new_field": 1,
        }
    ],
}


async def test_list_rerank_parses_providers(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"data": [PROVIDER]}))
    out = await run(mode, _model(recorder), "list", ListModelsRequest(model_type="rerank"))
    check_sent(recorder, "GET", "/workspaces/current/models/model-types/rerank")
    (provider,) = out.data
    assert isinstance(provider, ModelProvider)
    assert provider.provider == "langgenius/openai/openai" and provider.status == "active"
    assert provider.label is not None and provider.label.en_US == "OpenAI"
    assert provider.label.model_extra == {"ja_JP": "OpenAI"}
    assert provider.icon_small_dark is None
    (model,) = provider.models
    assert (model.model, model.model_type, model.features) == ("rerank-v3", "rerank", None)
    assert model.model_properties == {"context_size": 4096} and model.model_extra == {"new_field": 1}


async def test_wrong_key_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(401, json={"code": "unauthorized", "message": "Access token is invalid", "status": 401})
    )
    with pytest.raises(AuthenticationError):
        await run(mode, _model(recorder), "list", ListModelsRequest(model_type="llm"))
    check_sent(recorder, "GET", "/workspaces/current/models/model-types/llm")
