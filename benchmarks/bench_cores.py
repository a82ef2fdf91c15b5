"""Two trainings at once, one per core, against one training on all cores: which trains more per second?

Small recurrent models and a d_model-128 Transformer do too little work per op for TensorFlow's thread pool to
split across cores, so one training may gain almost nothing from the second core. This bench trains the
model of each config given (``configs/NAME.toml``, on the first ``--pairs`` training pairs, after a warm-up)
in a fresh process: first alone on every core, then one copy per core at the same time, each pinned to its
own core (``os.sched_setaffinity``). It reports training samples per second of each process and in total.

    s2s-viz bench cores [--configs lstm-char-en-fr transformer-char-en-fr] [--pairs 6400]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib

from s2s_viz.bench import write_result

WARMUP_STEPS = 20


def measure(config_name: str, pairs: int) -> dict:
    """Train one epoch over ``pairs`` pairs after a warm-up; runs in the child process."""
    import time

    from s2s_viz.models import masked_accuracy, masked_loss
    from s2s_viz.training import (
        TranslatorTrainConfig,
        build_translator_model,
        load_translation_data,
        make_batches,
        make_optimizer,
    )

    with open(f"configs/{config_name}.toml", "rb") as handle:
        config = TranslatorTrainConfig.from_dict({**tomllib.load(handle), "limit": pairs, "validation_pairs": 1})
    source_vocab, target_vocab, batches, _ = make_batches(config, load_translation_data(config))
    model = build_translator_model(config, source_vocab.size, target_vocab.size)
    model.compile(optimizer=make_optimizer(config, len(batches)), loss=masked_loss, metrics=[masked_accuracy])
    dataset = batches.dataset()
    model.fit(dataset, steps_per_epoch=WARMUP_STEPS, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(dataset, steps_per_epoch=len(batches), epochs=1, verbose=0)
    return {
        "config": config_name,
        "samples_per_s": round(len(batches.sources) / (time.perf_counter() - started), 1),
        "cores": sorted(os.sched_getaffinity(0)),
    }


def child_command(config_name: str, pairs: int, core: int | None) -> list[str]:
    return [
        sys.executable,
        __file__,
        "--child",
        config_name,
        "--pairs",
        str(pairs),
        *(["--core", str(core)] if core is not None else []),
    ]


def run_children(commands: list[list[str]]) -> list[dict]:
    """Start every command at once and collect the JSON line each prints last."""
    processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for c in commands]
    results = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f"{' '.join(process.args)} failed with exit status {process.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", nargs="+", default=["lstm-char-en-fr", "transformer-char-en-fr"])
    parser.add_argument("--pairs", type=int, default=6400)
    parser.add_argument("--child")
    parser.add_argument("--core", type=int)
    args = parser.parse_args()
    if args.child:
        if args.core is not None:
            os.sched_setaffinity(0, {args.core})
        print(json.dumps(measure(args.child, args.pairs)))
        return
    cores = sorted(os.sched_getaffinity(0))
    rows = []
    for name in args.configs:
        alone = run_children([child_command(name, args.pairs, None)])[0]
        pinned = run_children([child_command(name, args.pairs, core) for core in cores])
        total = sum(r["samples_per_s"] for r in pinned)
        rows.append(
            {
                "config": name,
                "alone_on_all_cores_samples_per_s": alone["samples_per_s"],
                "one_per_core_samples_per_s": [r["samples_per_s"] for r in pinned],
                "one_per_core_total_samples_per_s": round(total, 1),
                "gain": round(total / alone["samples_per_s"], 2),
            }
        )
    write_result("cores", {"cores": len(cores), "pairs": args.pairs, "warmup_steps": WARMUP_STEPS, "rows": rows})


if __name__ == "__main__":
    main()
