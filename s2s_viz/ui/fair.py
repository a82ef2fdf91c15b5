"""Fair sharing of one server: no visitor can fill the queue for the others.

Gradio's queue holds every waiting request of every visitor, up to one bound for all: a visitor who sent many
trainings filled it, and every endpoint of every visitor then answered "Queue is full" (their Stop too). Here each
request is counted against its visitor before it joins the queue: at most ``S2S_VIZ_PENDING_PER_VISITOR`` (32: a
page opening fires a dozen at once) waiting or running per visitor, at most one training waiting or running per
visitor, and at most ``S2S_VIZ_QUEUE_SIZE`` (256) in all; a Stop is never refused. Nothing already queued is lost.
Within a line, visitors take turns: one visitor's backlog does not hold up another visitor's single request.

A refused request still joins (Gradio's answer to a request it does not take loses the reason on the way to the
page and to ``gradio_client``), but in a line of its own that nothing waits in, where its function answers at once
with the refusal, in the reader's language, as every other refusal is answered.
"""

from __future__ import annotations

import os

import gradio as gr

from .visitors import REFUSALS, visitor_from

TRAININGS = {"train", "forcing-experiment"}  # the concurrency ids of the Train tab's trainings and the experiment
REFUSED = "s2s-refused"  # the line a refused request is moved to: no limit, so it is answered at once


def share_the_queue_fairly(demo: gr.Blocks, never_refused: set[str]) -> None:
    """Count each request against its visitor as it joins ``demo``'s queue (``never_refused``: API names, such as
    the stop of a training, that always get through)."""
    queue = demo._queue
    most_in_all = int(os.environ.get("S2S_VIZ_QUEUE_SIZE", "256"))
    most_each = int(os.environ.get("S2S_VIZ_PENDING_PER_VISITOR", "32"))
    queue.max_size = None  # counted here instead, where a Stop can be let through
    joining = queue.push

    async def push(body, request, username):
        from gradio import route_utils

        try:
            fn = route_utils.get_fn(demo, None, body)
        except Exception:  # noqa: BLE001 - an unknown endpoint: Gradio's own answer
            return await joining(body, request, username)
        refusal = None
        if fn.api_name not in never_refused:
            refusal = _refusal(queue, fn, visitor_from(request, body.session_hash), most_each, most_in_all)
        joined, event_id, state = await joining(body, request, username)
        if refusal and joined:
            _answer_at_once(queue, event_id, refusal)
        elif joined and fn.concurrency_id in queue.event_queue_per_concurrency_id:
            _take_turns(queue.event_queue_per_concurrency_id[fn.concurrency_id])
        return joined, event_id, state

    queue.push = push


def _take_turns(line) -> None:
    """Visitors take turns in a line: each one's first waiting request before anyone's second, and so on (in the
    order they came, within a turn), so one visitor's backlog does not hold up another's single request. (No await
    here: the line is not touched by anything else meanwhile.)"""
    turns: dict[str | None, int] = {}
    ranked = []
    for arrival, event in enumerate(line.queue):
        visitor = visitor_from(event.request, event.session_hash)
        turns[visitor] = turns.get(visitor, -1) + 1
        ranked.append((turns[visitor], arrival, event))
    line.queue[:] = [event for _, _, event in sorted(ranked, key=lambda item: item[:2])]


def _answer_at_once(queue, event_id: str, refusal: str) -> None:
    from gradio.queueing import EventQueue

    event = queue.event_ids_to_events.get(event_id)
    line = queue.event_queue_per_concurrency_id.get(getattr(event, "concurrency_id", None))
    if event is None or line is None or event not in line.queue:
        return  # already answered (a cached result)
    REFUSALS[event_id] = refusal
    line.queue.remove(event)
    event.concurrency_id = REFUSED
    queue.event_queue_per_concurrency_id.setdefault(REFUSED, EventQueue(REFUSED, None)).queue.append(event)


def _refusal(queue, fn, visitor: str | None, most_each: int, most_in_all: int) -> str | None:
    waiting = [event for events in queue.event_queue_per_concurrency_id.values() for event in events.queue]
    running = [event for job in queue.active_jobs if job for event in job]
    waiting, running = ([e for e in events if e.concurrency_id != REFUSED] for events in (waiting, running))
    if len(waiting) >= most_in_all:
        return "the server is busy with the whole class's requests: try again in a moment"
    if visitor is None:
        return None
    mine = [event for event in waiting + running if visitor_from(event.request, event.session_hash) == visitor]
    if fn.concurrency_id in TRAININGS and any(event.fn.concurrency_id in TRAININGS for event in mine):
        return "you already have a training waiting or running: stop it, or wait for it to end, before the next"
    if len(mine) >= most_each:
        return f"you have {len(mine)} requests waiting already: wait for them to finish"
    return None
