"""The app's figures from Python, for a notebook: plotly figures (and pandas tables) from the same builders as the
page, in English or Chinese (``lang="zh-CN"``).

    import s2s_viz
    from s2s_viz import figures

    result = s2s_viz.load("attention-char-en-fr").translate("I am cold.")
    figures.attention(result)          # which source characters each output step read
    figures.steps(result)              # the chosen character and the top 5 at each step (a table)
    figures.mha("attention", num_heads=2)[2]   # a head's attention probabilities, from scratch
"""

from __future__ import annotations

from . import explain, viz


def _speak(made, lang: str):
    """``made`` (a figure, a table, or a list of them) in ``lang``."""
    if lang == "en":
        return made
    from .ui.localize import figure, table  # the page's own translation of its figures and tables

    if isinstance(made, list | tuple):
        return type(made)(_speak(one, lang) for one in made)
    return table(made, lang) if hasattr(made, "columns") else figure(made, lang)


def attention(result, title: str | None = None, lang: str = "en"):
    """A translation's attention heatmap: output step i (rows) against source position j (columns); a model
    without attention gets a figure that says so."""
    if result.attention is None:
        return _speak(viz.no_attention("no attention (the decoder reads the encoder's final state only)"), lang)
    targets = [step.token for step in result.steps]
    made = viz.attention_heatmap(result.attention, result.source_tokens, targets, title=title or result.text)
    return _speak(made, lang)


def steps(result, lang: str = "en"):
    """A translation's steps: the character chosen, its probability and the five most likely (a pandas table)."""
    return _speak(viz.steps_table(result.steps), lang)


def forcing(comparison, lang: str = "en"):
    """Teacher forcing against reinjection for one sentence (``Translator.compare_forcing``): the probability each
    gives the reference's next character, step by step."""
    return _speak(viz.forcing_figure(comparison), lang)


def mha(
    text: str, num_heads: int = 2, key_dim: int = 8, head: int = 0, causal: bool = False, seed: int = 0, lang="en"
) -> list:
    """Multi-head attention computed from scratch over ``text``'s characters (and checked against Keras's own
    layer): the four figures of one head."""
    parts = explain.mha_walkthrough(text, int(num_heads), int(key_dim), int(seed), bool(causal), None)
    return _speak(viz.mha_figures(parts, int(head), bool(causal)), lang)


def vit_attention(
    classifier, image, block: int = 0, head: int = -1, head_fusion: str = "mean", discard_ratio: float = 0.0, lang="en"
) -> list:
    """A Vision Transformer (``s2s_viz.load("vit-mnist")``) reading a 28x28 image (0-255): the figures of
    ``vit_figures``, the class probabilities first."""
    probabilities = classifier.classify(image)
    maps = classifier.attention(image, head_fusion=head_fusion, discard_ratio=float(discard_ratio))
    bars = viz.probability_bars(probabilities, title=viz.digit_verdict(probabilities))
    return _speak([bars, *viz.vit_figures(image, maps, int(block), int(head), head_fusion, float(discard_ratio))], lang)


def curves(history: dict, title: str = "training", lang: str = "en"):
    """A card's training history (``model.card["training"]["history"]``): loss and accuracy per epoch."""
    series = {name: (list(range(1, len(values) + 1)), list(values)) for name, values in history.items() if values}
    return _speak(viz.live_curves(series, title), lang)
