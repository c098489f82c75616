"""Run a workflow app: blocking, streaming (resumable), a stream collected into the blocking result, run detail,
logs, and the human-input pause/resume flow.

Run with DIFY_BASE_URL (e.g. http://localhost/v1) and DIFY_API_KEY (the workflow app's key) set; the app's Start
node is assumed to take one text input called ``text`` (set WORKFLOW_INPUT to use another name):
    python examples/workflow_example.py
"""

from __future__ import annotations

import asyncio
import os

from dify_oapi import Client
from dify_oapi.api.workflow.v1.model.event import (
    HumanInputRequiredEvent,
    NodeFinishedEvent,
    TextChunkEvent,
    WorkflowFinishedEvent,
)
from dify_oapi.api.workflow.v1.model.human_input import GetHumanInputFormRequest, SubmitHumanInputFormRequest
from dify_oapi.api.workflow.v1.model.log import ListWorkflowLogsRequest
from dify_oapi.api.workflow.v1.model.workflow_run import GetWorkflowRunRequest, RunWorkflowRequest

USER = "example-user"
INPUT = os.environ.get("WORKFLOW_INPUT", "text")


def main() -> None:
    with Client(default_user=USER) as client:  # DIFY_BASE_URL / DIFY_API_KEY from the environment
        workflow = client.workflow.v1.workflow
        # Blocking: wait for the result.
        result = workflow.run(RunWorkflowRequest.builder().inputs({INPUT: "Hello"}).user(USER).build())
        print("blocking:", result.status, result.outputs)

        # Streaming; continues through the events endpoint if the connection drops after workflow_started.
        for event in workflow.stream_resumable(RunWorkflowRequest.builder().inputs({INPUT: "Hello, stream"})):
            if isinstance(event, TextChunkEvent):
                print(event.data.text, end="", flush=True)
            elif isinstance(event, NodeFinishedEvent):
                print(f"\n[{event.data.title}: {event.data.status}]")
            elif isinstance(event, HumanInputRequiredEvent) and event.data.form_token:
                # The run pauses here; answer the form, then follow the resumed run.
                form = client.workflow.v1.human_input.get(GetHumanInputFormRequest(form_token=event.data.form_token))
                action = form.user_actions[0].id
                client.workflow.v1.human_input.submit(
                    SubmitHumanInputFormRequest.builder().form_token(event.data.form_token).action(action)
                )
                for resumed in workflow.resume(event.workflow_run_id or ""):
                    if isinstance(resumed, WorkflowFinishedEvent):
                        print("resumed run finished:", resumed.data.status)
            elif isinstance(event, WorkflowFinishedEvent):
                print("finished:", event.data.status, event.data.outputs)

        # The blocking result, streamed underneath (no gateway timeout on long runs).
        result = workflow.run_via_stream(RunWorkflowRequest.builder().inputs({INPUT: "via stream"}))
        detail = workflow.get(GetWorkflowRunRequest(workflow_run_id=result.workflow_run_id or ""))
        print("run detail:", detail.status, detail.inputs.get(INPUT), detail.elapsed_time)

        for entry in client.workflow.v1.log.iter(ListWorkflowLogsRequest.builder().limit(20).build()):
            print("log:", entry.workflow_run.id, entry.workflow_run.status)


async def amain() -> None:
    async with Client(default_user=USER) as client:
        result = await client.workflow.v1.workflow.arun_via_stream(
            RunWorkflowRequest.builder().inputs({INPUT: "async"})
        )
        print("async:", result.status, result.outputs)


if __name__ == "__main__":
    main()
    asyncio.run(amain())
