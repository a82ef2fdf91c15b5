"""A class on one server: S simulated students over Gradio's HTTP API while a training runs, then ten visitors
pressing Train at once, then thirty pressing the same *try this*.

1. students: each student is a visitor of its own (its own HTTP client, cookies and Gradio session, as one open
   page has) that acts every ``--think`` seconds (4, with +-25% jitter) for ``--seconds``: greedy translation,
   beam search of width 4, the Transformer's attention, or the teacher-forcing comparison (a seeded mix), all from
   one asyncio thread, light enough not to take the server's cores. A 50-epoch training started from the app runs
   meanwhile (cancelled after). Errors, p50 and p95 per class size (``--students 60 120``); target: 0 errors,
   p95 <= 1.0 s at 60 and <= 2.0 s at 120.
   A session's first event is timed apart (``first_request_*``): Gradio builds the session's copy of the page's
   settings then (about 0.1 s of the server's time each), as it does once per page a browser opens.
2. trainings: ten visitors (``gradio_client`` Clients) press Train at once with different settings (tiny
   trainings on ``toy:reverse``): the seconds until each sees its first line (its place in line and when it should
   start), until each has its model, and how long an owner's Stop takes to answer.
3. together: the Train tab's *try this* pressed by one visitor, then by 30 at once (``--together``): identical
   trainings share one run, so all 30 should have their models within 2x the time of the one (target).

    s2s-viz bench class [--students 60 120] [--seconds 60] [--think 4] [--trainers 10] [--together 30] [--save]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from gradio_client import Client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import percentile, start_app  # noqa: E402  (the app in a process, as bench app starts it)

from s2s_viz.bench import free_ports, write_result  # noqa: E402
from s2s_viz.training.recipes import TRY_THIS  # noqa: E402

SENTENCES = ["I am cold.", "Go away!", "We won.", "Tom is happy.", "Where is the station?", "It's raining."]
FORCING = [("Tom is wise.", "Tom est raisonnable."), ("I'm alive.", "Je suis en vie.")]
LONG_TRAINING = ("translator: LSTM seq2seq", "toy:reverse", "class-bench-long", 50, 32, 0.005, 64, 1, 1.0, 20000)


def actions(rng: random.Random, model: str):
    """One student's next request: (endpoint, data)."""
    text = rng.choice(SENTENCES)
    pick = rng.random()
    if pick < 0.4:
        return "translate", [model, text, "greedy", 4, 1.0, 0]
    if pick < 0.6:
        return "translate", [model, text, "beam", 4, 1.0, 0]
    if pick < 0.8:
        return "transformer_attention", ["transformer-char-en-fr", text, "encoder self-attention", 1, 0]
    source, reference = rng.choice(FORCING)
    return "compare_forcing", [model, source, reference]


async def one_request(http, url: str, endpoint: str, data: list, session: str) -> float:
    import json

    started = time.perf_counter()
    posted = await http.post(f"{url}gradio_api/call/{endpoint}", json={"data": data, "session_hash": session})
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    async with http.stream("GET", f"{url}gradio_api/call/{endpoint}/{event_id}") as stream:
        events = "".join([chunk async for chunk in stream.aiter_text()])
    if "event: complete" not in events:
        raise RuntimeError(json.dumps(events[-300:]))
    return time.perf_counter() - started


def students(url: str, model: str, count: int, seconds: float, think: float, seed: int) -> dict:
    import httpx

    # idle connections are dropped before the server's keep-alive (5 s) ends, as browsers do: a request on a
    # connection the server is closing would fail on the client's side, not the server's
    limits = httpx.Limits(max_connections=2, keepalive_expiry=2.0)

    async def student(index: int, until: float, firsts: list, times: list, errors: list):
        rng = random.Random(seed * 1000 + index)
        session = f"student-{seed}-{index}"  # one page open: one Gradio session, as a browser has
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:
            await asyncio.sleep(rng.uniform(0, think))  # the class does not press Enter in one instant
            while time.perf_counter() < until:
                endpoint, data = actions(rng, model)
                try:
                    seconds_taken = await one_request(http, url, endpoint, data, session)
                    if firsts[index] is None:
                        firsts[index] = seconds_taken  # the session's first event: Gradio builds the session
                    else:
                        times.append(seconds_taken)
                except Exception as error:  # noqa: BLE001 - every failure is counted and one is shown
                    errors.append(f"{endpoint}: {error!r}"[:300])
                await asyncio.sleep(think * rng.uniform(0.75, 1.25))

    async def run():
        firsts, times, errors = [None] * count, [], []
        until = time.perf_counter() + seconds
        await asyncio.gather(*(student(i, until, firsts, times, errors) for i in range(count)))
        return [first for first in firsts if first is not None], times, errors

    firsts, times, errors = asyncio.run(run())
    return {
        "students": count,
        "seconds": seconds,
        "think_s": think,
        "requests": len(firsts) + len(times) + len(errors),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "requests_per_s": round((len(firsts) + len(times) + len(errors)) / seconds, 2),
        "first_request_p50_s": round(statistics.median(firsts), 3) if firsts else None,
        "first_request_p95_s": round(percentile(firsts, 95), 3) if firsts else None,
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(percentile(times, 95), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
    }


def trainers(url: str, count: int) -> dict:
    """``count`` visitors press Train at once, each with its own settings; then one owner's Stop."""
    clients = [Client(url, verbose=False) for _ in range(count)]
    for client in clients:  # each page is open (its Gradio session made) before the class presses Train
        client.predict(api_name="/stop_training")
    started = time.monotonic()
    jobs = [
        client.submit(
            "translator: LSTM seq2seq", "toy:reverse", f"class-{i}", 1, 64, 0.005, 8 + i, 1, 1.0, 200, api_name="/train"
        )
        for i, client in enumerate(clients)
    ]
    seen, finished = [None] * count, [None] * count

    def watch(index: int) -> None:
        job = jobs[index]
        while finished[index] is None and time.monotonic() - started < 900:
            if seen[index] is None and (job.outputs() or job.done()):  # its first line: its place, or progress
                seen[index] = time.monotonic() - started
            if job.done():
                finished[index] = time.monotonic() - started
            threading.Event().wait(0.05)

    watchers = [threading.Thread(target=watch, args=(i,)) for i in range(count)]
    for watcher in watchers:
        watcher.start()
    for watcher in watchers:
        watcher.join()
    models = 0
    for job in jobs:
        try:
            models += "is saved" in str(job.result(timeout=60)[0])
        except Exception as error:  # noqa: BLE001
            print(f"a training failed: {error}", file=sys.stderr)
    owner = Client(url, verbose=False)
    long = owner.submit(*LONG_TRAINING, api_name="/train")
    while not long.outputs() and not long.done():
        threading.Event().wait(0.1)
    pressed = time.perf_counter()
    owner.predict(api_name="/stop_training")
    stop_s = time.perf_counter() - pressed
    long.result(timeout=120)
    return {
        "trainers": count,
        "place_seen_s": [round(s, 2) if s is not None else None for s in seen],
        "finished_s": [round(s, 1) if s is not None else None for s in finished],
        "models_saved": models,
        "stop_answered_s": round(stop_s, 3),
    }


def try_this_together(url: str, count: int) -> dict:
    """The Train tab's *try this* pressed by one visitor alone, then by ``count`` visitors at once (each under its own
    name): the seconds until every one of them has its model, against the one alone."""
    form = [TRY_THIS[key] for key in ("what", "data", "name", "epochs", "batch_size", "learning_rate", "size")]
    form += [TRY_THIS[key] for key in ("layers", "teacher_forcing_ratio", "pairs")]

    def press(clients: list) -> tuple[float, int]:
        started = time.monotonic()
        jobs = [client.submit(*form[:2], f"try-{i}", *form[3:], api_name="/train") for i, client in enumerate(clients)]
        saved = sum("is saved" in str(job.result(timeout=900)[0]) for job in jobs)
        return time.monotonic() - started, saved

    def opened(client: Client) -> Client:
        client.predict(api_name="/stop_training")  # the page is open: its session made
        return client

    alone_s, _ = press([opened(Client(url, verbose=False))])
    together_s, saved = press([opened(Client(url, verbose=False)) for _ in range(count)])
    return {
        "visitors": count,
        "one_alone_s": round(alone_s, 1),
        "all_together_s": round(together_s, 1),
        "ratio": round(together_s / alone_s, 2),
        "models_saved": saved,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[60, 120])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=4.0)
    parser.add_argument("--trainers", type=int, default=10)
    parser.add_argument("--together", type=int, default=30)
    parser.add_argument("--model", default="attention-char-en-fr")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    (port,) = free_ports(1)
    url = f"http://127.0.0.1:{port}/"
    process, answered, warm = start_app(port, tempfile.mkdtemp(prefix="bench-class-models-"))
    try:
        trainer = Client(url, verbose=False)
        training = trainer.submit(*LONG_TRAINING, api_name="/train")
        while not training.outputs():
            threading.Event().wait(0.2)
        classes = []
        for count in args.students:
            classes.append(students(url, args.model, count, args.seconds, args.think, args.seed))
            classes[-1]["training_status"] = str(training.outputs()[-1][0])[:160]
            print(classes[-1], flush=True)
        trainer.predict(api_name="/stop_training")
        training.result(timeout=120)
        trainings = trainers(url, args.trainers)
        print(trainings, flush=True)
        together = try_this_together(url, args.together)
        print(together, flush=True)
    finally:
        process.terminate()
    write_result(
        "class",
        {
            "model": args.model,
            "app_answered_s": round(answered, 1),
            "warm_up_done_s": round(warm, 1),
            "classes_with_a_training_running": classes,
            "trainings_at_once": trainings,
            "try_this_together": together,
        },
        command="class",
    )


if __name__ == "__main__":
    main()
