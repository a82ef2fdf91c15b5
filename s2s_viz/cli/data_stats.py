"""``s2s-viz data stats``: what a data set holds, and what reading it cost."""

from __future__ import annotations

import time

from .output import print_json as _print_json


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM (unlike getrusage's ru_maxrss) starts afresh at exec, so a
    small command started by a big parent is not charged with the parent's peak."""
    import resource

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cmd_data_stats(args) -> int:
    import numpy as np

    from ..data import pairs as pairs_module
    from ..data import sources
    from ..data.vocab import CharVocab

    started = time.monotonic()
    path = sources.fra_path(args.path)
    counts = {}
    for split in ("train", "validation", "test"):
        counts[split] = len(pairs_module.read_pairs(path, split=split, direction=args.direction))
    everything = pairs_module.read_pairs(path, split="all", direction=args.direction)
    source_vocab = CharVocab.build(everything.sources)
    target_vocab = CharVocab.build(everything.targets, with_start_end=True)
    source_ids = [np.asarray(source_vocab.encode(s), dtype=np.int16) for s in everything.sources]
    target_ids = [np.asarray(target_vocab.encode(t, add_start_end=True), dtype=np.int16) for t in everything.targets]
    source_lengths = np.array([len(s) for s in source_ids])
    target_lengths = np.array([len(t) for t in target_ids])
    percentiles = [50, 90, 99, 100]
    stats = {
        "file": str(path),
        "sha256": pairs_module.file_sha256(path),
        "lines": everything.lines_read,
        "pairs_loaded": len(everything),
        "malformed_lines": everything.bad_line_count,
        "malformed_report": everything.report(),
        "reserved_pairs_skipped": everything.lines_read - everything.bad_line_count - len(everything),
        "split_sizes": counts,
        "source_vocab_size": len(source_vocab.tokens),
        "target_vocab_size_with_start_end": len(target_vocab.tokens),
        "source_length_percentiles": {p: int(np.percentile(source_lengths, p)) for p in percentiles},
        "target_length_percentiles_with_start_end": {p: int(np.percentile(target_lengths, p)) for p in percentiles},
        "encoded_bytes": int(sum(a.nbytes for a in source_ids) + sum(a.nbytes for a in target_ids)),
        "peak_rss_mb": peak_rss_mb(),
        "seconds": round(time.monotonic() - started, 2),
    }
    if args.json:
        _print_json(stats)
    else:
        for key, value in stats.items():
            print(f"{key:42} {value}")
    return 0
