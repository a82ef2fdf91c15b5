"""Plotly figure builders: numbers in, figure out. No Gradio here, and no maths beyond layout.

``attention``: heatmaps and grids of attention maps; ``decoding``: the steps, the beam, forcing, training curves;
``digits``: digit classifiers' and blank fillers' figures.
"""

from .attention import (
    COLOUR_SCALE,
    GRID_FRAME_LINE,
    attention_grid,
    attention_heatmap,
    attention_table,
    axis_text,
    handover_heatmap,
    matrix_heatmap,
    mha_figures,
    no_attention,
    show_token,
)
from .decoding import (
    BEAM_COLUMNS,
    beam_table,
    forcing_figure,
    forcing_table,
    highlight_row,
    live_curves,
    quality_by_length,
    steps_table,
)
from .digits import (
    BLANK_COLOURS,
    blank_guesses,
    blank_positions,
    digit_overlay,
    digit_verdict,
    probability_bars,
    similarity_grid,
    vit_figures,
    vit_map_title,
    vit_rollout_figure,
)

__all__ = [
    "BEAM_COLUMNS",
    "BLANK_COLOURS",
    "COLOUR_SCALE",
    "GRID_FRAME_LINE",
    "attention_grid",
    "axis_text",
    "attention_heatmap",
    "attention_table",
    "beam_table",
    "blank_guesses",
    "blank_positions",
    "digit_overlay",
    "digit_verdict",
    "forcing_figure",
    "quality_by_length",
    "forcing_table",
    "highlight_row",
    "live_curves",
    "handover_heatmap",
    "matrix_heatmap",
    "mha_figures",
    "no_attention",
    "probability_bars",
    "show_token",
    "similarity_grid",
    "steps_table",
    "vit_figures",
    "vit_rollout_figure",
    "vit_map_title",
]
