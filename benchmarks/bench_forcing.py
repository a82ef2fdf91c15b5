"""The teacher forcing vs reinjection experiment's default run (the Teacher forcing tab's *Train both*), repeated with
three seeds: does it answer "why is teacher forcing used more?" within 60 s on 2 cores, with the two runs' free-running
exact match and chrF apart by more than the spread between seeds? And the seconds per epoch of each way of feeding
the decoder (the median of each run's epochs after the first, which also builds and compiles the model).

    s2s-viz bench forcing [--seeds 3] [--epochs N] [--save]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s2s_viz.bench import write_result  # noqa: E402
from s2s_viz.training.config import FORCING_DEFAULT_EPOCHS  # noqa: E402
from s2s_viz.training.forcing import forcing_verdict, run_forcing_experiment, seconds_per_epoch  # noqa: E402


def one_experiment(seed: int, epochs: int) -> tuple[dict, float, str]:
    """The default experiment with this seed: each run's epoch events, the wall-clock seconds, the verdict."""
    results: dict[str, list[dict]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-forcing-") as folder:
        for label, event in run_forcing_experiment(folder, "toy:dates", epochs, seed=seed):
            results.setdefault(label, []).append(event)
    return results, time.perf_counter() - started, forcing_verdict(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=FORCING_DEFAULT_EPOCHS)
    args = parser.parse_args()
    per_seed, runs = [], {}
    for seed in range(args.seeds):
        results, wall, verdict = one_experiment(seed, args.epochs)
        record = {"seed": seed, "wall_s": round(wall, 1), "verdict": verdict, "runs": {}}
        for label, events in results.items():
            end = events[-1]
            scores = {
                "free_exact_percent": round(end["free_exact"], 1),
                "free_chrf": round(end["free_chrf"], 1),
                "forced_val_loss": round(end["forced_val_loss"], 3),
                "seconds_per_epoch": round(seconds_per_epoch(events), 3),
                "first_epoch_s": round(events[0]["epoch_s"], 2),
                "exact_by_epoch": [round(e["free_exact"], 1) for e in events],
            }
            record["runs"][label] = scores
            runs.setdefault(label, []).append(scores)
        per_seed.append(record)
        print(f"seed {seed}: {wall:.1f} s; {verdict}", flush=True)
    (forced_label, forced), (free_label, free) = list(runs.items())[:2]

    def spread(scores: list[dict], key: str) -> list[float]:
        values = [s[key] for s in scores]
        return [min(values), max(values)]

    summary = {}
    for key in ("free_exact_percent", "free_chrf"):
        low_forced, high_forced = spread(forced, key)
        low_free, high_free = spread(free, key)
        summary[key] = {
            forced_label: [low_forced, high_forced],
            free_label: [low_free, high_free],
            # apart: every seed's teacher-forced run above every seed's reinjected run (or the other way round)
            "apart": low_forced > high_free or low_free > high_forced,
            "gap_between_ranges": round(max(low_forced - high_free, low_free - high_forced), 1),
        }
    forced_s = statistics.median(s["seconds_per_epoch"] for s in forced)
    free_s = statistics.median(s["seconds_per_epoch"] for s in free)
    write_result(
        "forcing",
        {
            "task": "toy:dates",
            "epochs": args.epochs,
            "seeds": args.seeds,
            "wall_s_median": round(statistics.median(r["wall_s"] for r in per_seed), 1),
            "wall_s_max": max(r["wall_s"] for r in per_seed),
            "target_wall_s": 60,
            "last_epoch_ranges_over_seeds": summary,
            "seconds_per_epoch_median": {forced_label: forced_s, free_label: free_s},
            "reinjection_over_teacher_forcing_time": round(free_s / forced_s, 2),
            "per_seed": per_seed,
        },
    )


if __name__ == "__main__":
    main()
