"""Your models (part of the Train tab): what this visitor trained, to publish to the class or to delete."""

from __future__ import annotations

import gradio as gr

import s2s_viz
from s2s_viz import checkpoints

from .common import refuse
from .i18n import t

INTRO = """**Your models.** What you train here is yours: listed in your own pickers, in this browser, and in no one
else's. *Publish* lists a copy for the whole class (others can use it, not change it); *Delete* removes yours, and
your published copy with it."""


def own_names() -> list[str]:
    return sorted(info.name for info in s2s_viz.list_models() if info.origin == "yours")


def own_models_shown():
    names = own_names()
    return gr.update(choices=names, value=names[0] if names else None)


def publish_model(name: str):
    try:
        checkpoints.publish(name)
    except checkpoints.CheckpointError as error:
        raise refuse(str(error)) from error
    return f"`{name}` is published: everyone's pickers list it once their page is opened again."


def delete_model(name: str):
    try:
        where = checkpoints.delete(name)
    except checkpoints.CheckpointError as error:
        raise refuse(str(error)) from error
    return f"`{name}` is deleted" + (", with its published copy." if "class" in where else "."), own_models_shown()


def build(refresh_pickers, pickers_shown: list) -> gr.Dropdown:
    """The section; returns its picker, which the Train tab refreshes after each training."""
    with gr.Accordion(t("label.your_models", "your models: publish to the class, or delete"), open=False):
        gr.Markdown(t("train.own_models", INTRO))
        with gr.Row():
            # any name is let through: the core answers for what is not the visitor's own
            mine = gr.Dropdown(
                [], label=t("label.your_model", "your model"), allow_custom_value=True, elem_id="own-model"
            )
            publish = gr.Button(t("button.publish", "Publish to the class"), size="sm", elem_id="own-publish")
            delete = gr.Button(t("button.delete", "Delete"), size="sm", variant="stop", elem_id="own-delete")
        said = gr.Markdown(elem_id="own-status")
    publish.click(publish_model, mine, said, api_name="publish_model")
    deleted = delete.click(delete_model, mine, [said, mine], api_name="delete_model")
    deleted.then(refresh_pickers, None, pickers_shown, api_visibility="private")
    from gradio.context import Context

    Context.root_block.load(own_models_shown, None, mine, api_visibility="private")
    return mine
