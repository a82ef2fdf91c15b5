"""The ``s2s-viz`` command, run as a user runs it (a subprocess), or through its entry point in this process where
starting TensorFlow again would only cost time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers import needs_fra


def in_process(capsys, monkeypatch, *args, env=None) -> tuple[int, str, str]:
    """``s2s-viz ARGS`` through its entry point in this process (TensorFlow already imported): code, out, err."""
    from s2s_viz.cli import main

    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run(*args, env=None, input_text=None):
    return subprocess.run(
        [sys.executable, "-m", "s2s_viz", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=input_text,
        timeout=300,
    )


def test_data_stats_reports_malformed_lines_and_splits(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("Go.\tVa !\nbroken line\nHi.\tSalut !\nRun!\tCours !\n", encoding="utf-8")
    result = run("data", "stats", str(path), "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["malformed_lines"] == 1 and "line 2" in stats["malformed_report"]
    assert sum(stats["split_sizes"].values()) == stats["pairs_loaded"] == 3


@needs_fra
def test_data_stats_on_the_whole_real_file_stays_small():
    result = run("data", "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["lines"] == 167130 and stats["malformed_lines"] == 0
    assert stats["peak_rss_mb"] < 1024


def test_train_translate_list_and_evaluate_a_toy_model(tmp_path, capsys, monkeypatch):
    """Training as a user starts it (a process of its own); listing, translating and evaluating through the same
    entry point in this process."""
    env = {"S2S_VIZ_USER_MODELS": str(tmp_path)}
    trained = run(
        "train",
        "--data",
        "toy:reverse",
        "--name",
        "cli-reverse",
        "--epochs",
        "1",
        "--latent-dim",
        "16",
        "--limit",
        "200",
        "--batch-size",
        "32",
        env=env,
    )
    assert trained.returncode == 0, trained.stderr
    assert "epoch 1 done" in trained.stderr and (tmp_path / "cli-reverse.keras").is_file()
    listed = in_process(capsys, monkeypatch, "list", env=env)[1].splitlines()
    assert listed[0].split() == ["model", "kind", "architecture", "origin", "task", "figures"]
    rows = {line.split()[0]: line.split() for line in listed[1:]}
    assert rows["cli-reverse"][:5] == ["cli-reverse", "translator", "rnn_seq2seq", "user", "toy:reverse"]
    assert " ".join(rows["attention-char-en-fr"][5:]).startswith("chrF 59.5 BLEU 41.1")
    assert not any("{" in line for line in listed)  # figures, not raw dicts
    code, out, err = in_process(capsys, monkeypatch, "translate", "--model", "cli-reverse", "--steps", "abc", env=env)
    assert code == 0, err
    assert "'\\n'" in out  # the trace shows the end symbol
    code, out, err = in_process(
        capsys, monkeypatch, "evaluate", "--model", "cli-reverse", "--limit", "20", "--json", env=env
    )
    metrics = json.loads(out)
    assert set(metrics) >= {"chrf", "bleu", "exact_match", "loss_per_char"} and metrics["sentences"] == 20


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    env = {"S2S_VIZ_USER_MODELS": str(tmp_path)}
    result = run("train", "--data", "toy:reverse", "--epochs", "0", env=env)
    assert result.returncode == 1 and "epochs must be in 1..1000" in result.stderr and "Traceback" not in result.stderr
    code, _, err = in_process(capsys, monkeypatch, "translate", "--model", "../../etc/passwd", "hi", env=env)
    assert code == 1 and "invalid model name" in err and "Traceback" not in err
    code, _, err = in_process(capsys, monkeypatch, "data", "stats", str(tmp_path / "missing.txt"))
    assert code == 1 and "no such file" in err and "Traceback" not in err


def test_a_word_level_model_trains_from_the_command_line_and_names_unknown_words(tmp_path):
    """`--level word --embedding-dim N`: words through an Embedding layer; a word it never saw is named, not hidden."""
    import json

    import s2s_viz
    from s2s_viz.cli import main

    data = tmp_path / "pairs.txt"
    data.write_text("".join(f"I see {w}.\tJe vois {w}.\tCC-BY\n" for w in ["Tom", "Mary", "it", "you"] * 40))
    arguments = ["train", "--data", str(data), "--level", "word", "--embedding-dim", "16", "--latent-dim", "16"]
    assert main([*arguments, "--epochs", "1", "--name", "words", "--output", str(tmp_path)]) == 0
    card = json.loads((tmp_path / "words.json").read_text())
    assert card["source_vocab"]["level"] == "word" and card["model_config"]["embedding_dim"] == 16
    assert "Tom" in card["source_vocab"]["tokens"]
    result = s2s_viz.load(str(tmp_path / "words.keras")).translate("I see Zorglub.")
    assert "out-of-vocabulary words 'Zorglub' at word positions 2" in result.notice and "<unk>" in result.notice


def test_bench_writes_the_tracked_results_only_when_asked(tmp_path, capsys, monkeypatch):
    """``s2s-viz bench NAME`` leaves benchmarks/results/ alone (its figures go to results/latest/, ignored by git);
    ``--save`` writes over the tracked file the README quotes."""
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    results = tmp_path / "results"
    (folder / "bench_tiny.py").write_text(
        "import sys\nfrom s2s_viz.bench import write_result\n"
        f"write_result('tiny', {{'argv': sys.argv[1:]}}, folder={str(results)!r})\n"
    )
    monkeypatch.setenv("S2S_VIZ_BENCH_SAVE", "0")  # restored after the test: --save sets it in this process
    code, _, _ = in_process(capsys, monkeypatch, "bench", "--benchmarks-dir", str(folder), "tiny", "--runs", "2")
    assert code == 0 and not (results / "tiny.json").exists()
    assert json.loads((results / "latest" / "tiny.json").read_text())["argv"] == ["--runs", "2"]
    code, _, _ = in_process(capsys, monkeypatch, "bench", "--benchmarks-dir", str(folder), "tiny", "--save")
    assert code == 0 and json.loads((results / "tiny.json").read_text())["argv"] == []
