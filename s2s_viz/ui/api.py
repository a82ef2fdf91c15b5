"""The API as a script reads it (``gradio_client``'s ``view_api()``, the page's "Use via API"): each endpoint under
the name it was given (``/replay``, not Gradio's ``/replay_4``), its parameters named as the functions name them,
and its values named by their labels or, for a figure without one, by the element it fills (``notice``,
``decoder input``), in English words, not Gradio's ``value_26``."""

from __future__ import annotations

import re

import gradio as gr

from .i18n import english

_SUFFIXED = re.compile(r"^(?P<base>.+)_\d+$")


def name_the_api(demo: gr.Blocks) -> None:
    """Give every public endpoint its own name (a private event that runs the same function took it first: the two
    swap names), and have the API's description name every parameter and value in words."""
    holders = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    for fn in list(demo.fns.values()):
        found = _SUFFIXED.match(fn.api_name or "")
        if fn.api_visibility != "public" or not found:
            continue
        holder = holders.get(found.group("base"))
        if holder is not None and holder.api_visibility != "public":
            holder.api_name, fn.api_name = fn.api_name, holder.api_name
            holders[fn.api_name], holders[holder.api_name] = fn, holder
    described = demo.get_api_info

    def get_api_info(*args, **kwargs):
        info = described(*args, **kwargs)
        for endpoint in (info or {}).get("named_endpoints", {}).values():
            for parameter in endpoint["parameters"]:
                parameter["label"] = _words(demo, parameter["label"], "parameter_")
            for value in endpoint["returns"]:
                value["label"] = _words(demo, value["label"], "value_")
        return info

    demo.get_api_info = get_api_info


def _words(demo: gr.Blocks, label, unnamed: str) -> str:
    """A label in English; Gradio's ``value_ID`` becomes the words of the component's element id, less its tab."""
    if isinstance(label, str) and label.startswith(unnamed) and label[len(unnamed) :].isdigit():
        block = demo.blocks.get(int(label[len(unnamed) :]))
        element = getattr(block, "elem_id", None)
        if element:
            return " ".join(element.split("-")[1:] or element.split("-"))
        return label
    return english(label)
