"""Quality figures by source length: each bucket scored on its own sentences only."""

from __future__ import annotations

from s2s_viz import checkpoints
from s2s_viz.evaluation import LENGTH_BUCKETS, by_source_length


def test_each_length_bucket_is_scored_on_its_own_sentences():
    sources = ["Go.", "I am cold now.", "Where is the station?", "x" * 28]
    references = [["Va."], ["J'ai froid."], ["Où est la gare ?"], ["y" * 28]]
    hypotheses = ["Va.", "Je suis parti.", "Où est la gare ?", "y" * 28]  # the second one wrong
    rows = {row["characters"]: row for row in by_source_length(sources, hypotheses, references)}
    assert set(rows) == {"1-10", "11-15", "21-25", "26-30"}  # no sentence of 16-20 characters: no row
    assert all(row["sentences"] == 1 for row in rows.values())
    assert rows["1-10"]["exact_match"] == 100 and rows["11-15"]["exact_match"] == 0
    assert rows["11-15"]["chrf"] < rows["21-25"]["chrf"] == 100


def test_the_shipped_translators_cards_have_their_quality_by_source_length():
    """What the Translate tab's *long sentences* view draws, written by ``s2s-viz evaluate --all --update-card``."""
    for name in ("lstm-char-en-fr", "attention-char-en-fr"):
        card = checkpoints.read_card(checkpoints.resolve(name)[0].with_suffix(".json"))
        rows = card["metrics"]["by_source_length"]
        assert [row["characters"] for row in rows] == [f"{low}-{high}" for low, high in LENGTH_BUCKETS]
        assert sum(row["sentences"] for row in rows) == card["metrics"]["sentences"]
