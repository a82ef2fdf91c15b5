"""The README's own examples, run as a reader would run them (the ones that need no server and no hour of training;
the server call is tests/app/test_api.py's first test, the multi-worker commands tests/test_multiworker.py's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import fra_file

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_python_api_example_runs():
    block = next(b for b in code_blocks("python") if "s2s_viz.load" in b)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    result = namespace["result"]
    assert result.strategy == "beam" and result.text and result.attention is not None
    assert namespace["translator"].translate("I am cold.").text == "J'ai froid."


def test_the_client_example_is_the_call_the_api_test_makes():
    block = " ".join(next(b for b in code_blocks("python") if "gradio_client" in b).split())
    api_test = " ".join((Path(__file__).parent / "app" / "test_api.py").read_text().split())
    arguments = '"I am cold.", "greedy", 4, 1.0, 0, api_name="/translate"'
    assert f'"attention-char-en-fr", {arguments}' in block and "# J'ai froid." in block
    assert f"TRANSLATOR, {arguments}" in api_test and 'TRANSLATOR = "attention-char-en-fr"' in api_test


def run(capsys, *args: str) -> str:
    """``s2s-viz ARGS`` in this process (the command's own entry point), returning what it printed."""
    from s2s_viz.cli import main

    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_the_listed_commands_that_need_no_training_run(capsys):
    commands = [line.split("#")[0].strip() for b in code_blocks("bash") for line in b.splitlines()]
    for shown in ('s2s-viz translate --model lstm-char-en-fr --steps "I am cold."', "s2s-viz list"):
        assert shown in commands
    assert "'\\n'" in run(capsys, "translate", "--model", "lstm-char-en-fr", "--steps", "I am cold.")
    assert run(capsys, "list").splitlines()[0].split()[0] == "model"


def test_the_models_table_is_what_the_cards_say(capsys):
    """The README's model table is ``s2s-viz list --markdown`` as the shipped cards print it today."""
    table = run(capsys, "list", "--markdown").strip()
    assert table in README


@pytest.mark.skipif(fra_file() is None, reason="needs fra.txt")
def test_data_stats_counts_lines_and_pairs_as_the_readme_says(capsys):
    import json

    stats = json.loads(run(capsys, "data", "stats", "--json"))
    assert (stats["lines"], stats["pairs_loaded"]) == (167_130, 158_717)
    assert "167,130 lines" in README and "158,717 pairs" in README


def test_the_readme_trains_the_notes_attention_from_the_command_line(tmp_path, capsys):
    """The README's `--attention positional` line, on a slice (its flags as shown; fewer pairs and one epoch)."""
    import json
    import shlex

    line = next(
        line.split("#")[0].strip()
        for block in code_blocks("bash")
        for line in block.splitlines()
        if "--attention positional" in line
    )
    arguments = shlex.split(line)[1:] + ["--limit", "256", "--epochs", "1", "--output", str(tmp_path)]
    run(capsys, *arguments)
    card = json.loads((tmp_path / "my-notes-attention.json").read_text())
    spans = card["training"]["config"]["max_source_length"]  # the Dense across positions spans the longest source
    assert card["model_config"]["attention"] == "positional" and card["model_config"]["attention_positions"] == spans


def test_every_picture_the_readme_shows_is_in_the_repository():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", README)
    assert pictures and all((Path(__file__).resolve().parent.parent / picture).is_file() for picture in pictures)


def test_every_file_the_readme_and_docs_link_is_in_the_repository():
    """No link to a file the repository does not hold (README.md, docs/*.md, benchmarks/README.md)."""
    root = Path(__file__).resolve().parent.parent
    pages = [root / "README.md", root / "benchmarks" / "README.md", *sorted((root / "docs").glob("*.md"))]
    missing = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                missing.append(f"{page.relative_to(root)} -> {target}")
    assert not missing, missing
