"""Which Keras backend runs the models, on which device, and how a function of a model is compiled under it.

Keras 3 runs one model code on TensorFlow, JAX or PyTorch (``KERAS_BACKEND``, read once when Keras is first
imported; TensorFlow is the default). The models here are written with ``keras.ops`` only; what differs per backend
is how a function that calls a model is compiled into one program:

* TensorFlow: ``tf.function`` (a graph), with XLA when asked (``jit_compile``);
* JAX: ``jax.jit`` (always XLA), with the model's weights passed in as arguments (``keras.StatelessScope``), so
  that a model still training is read with its current weights, never the ones it had when it was compiled;
* PyTorch: run eagerly under ``torch.no_grad()`` (``torch.compile`` of a step loop this small was not faster).
"""

from __future__ import annotations

import os
from collections.abc import Callable

BACKENDS = ("tensorflow", "jax", "torch")


def name() -> str:
    """The backend Keras runs on: ``tensorflow``, ``jax`` or ``torch``."""
    import keras

    return keras.backend.backend()


def is_tensorflow() -> bool:
    return name() == "tensorflow"


def compile_function(function: Callable, model=None, xla: bool = False) -> Callable:
    """``function`` compiled for the current backend; its outputs are backend tensors (``to_numpy`` reads them).

    ``model``: the Keras model whose weights ``function`` reads (JAX passes them in on every call, so that a model
    that is still training is read as it is now). ``xla``: TensorFlow compiles with XLA (JAX always does).
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        # no AutoGraph: the code compiled here has no Python control flow on tensors (JAX could not run it either),
        # and rewriting it took most of a model's first call (a translator's first sentence: 1.2 s -> 0.55 s)
        return tf.function(function, reduce_retracing=True, jit_compile=bool(xla) or None, autograph=False)
    if backend == "jax":
        return _jax_compiled(function, model)
    import torch

    def eager(*args, **kwargs):
        with torch.no_grad():
            return function(*args, **kwargs)

    return eager


def _jax_compiled(function: Callable, model) -> Callable:
    import jax
    import keras

    if model is None:
        return jax.jit(function)

    def pure(values, args, kwargs):
        with keras.StatelessScope(state_mapping=list(zip(model.variables, values))):
            return function(*args, **kwargs)

    compiled = jax.jit(pure)
    variables = []  # the model's variables, listed once (walking its layers for them took ~30 us a call)

    def call(*args, **kwargs):
        if not variables:
            variables.extend(model.variables)
        return compiled([variable.value for variable in variables], args, kwargs)

    return call


def training_jit_compile(xla: bool) -> bool:
    """``jit_compile`` for ``model.compile``: TensorFlow as the config asks (XLA is not always faster there);
    JAX always (it has no other way to run fast); PyTorch never (``torch.compile`` of a recurrent step loop takes
    minutes to compile)."""
    return {"tensorflow": bool(xla), "jax": True}.get(name(), False)


def leave_tensorflow_unloaded() -> None:
    """Off TensorFlow, Keras still imports TensorFlow, where it is installed (always, beside this package), the first
    time it asks whether TensorFlow is there: to seed it, to recognise its shapes when a model is saved. That import
    alone took 2.4 s of a JAX training's first epoch on this machine. An object can only be TensorFlow's once
    TensorFlow is loaded, so Keras is told it is there only then."""
    import sys

    from keras.src.utils import module_utils

    lazy = module_utils.tensorflow  # the one lazy module every part of Keras asks

    class LoadedOnly(type(lazy)):
        @property
        def available(self):
            return "tensorflow" in sys.modules and super().available

    lazy.__class__ = LoadedOnly


def to_numpy(tree):
    """Every tensor of a nested structure as a numpy array."""
    import keras

    return keras.tree.map_structure(keras.ops.convert_to_numpy, tree)


def devices() -> list[str]:
    """The accelerators the backend sees, by name (an empty list: the CPU only)."""
    backend = name()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return [
                tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
                for gpu in tf.config.list_physical_devices("GPU")
            ]
        if backend == "jax":
            import jax

            return [str(getattr(device, "device_kind", device)) for device in jax.devices() if device.platform != "cpu"]
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # a driver that cannot be asked: report the CPU
        return []


def describe() -> str:
    """One line for people: the backend and the device it computes on."""
    found = devices()
    return f"Keras on {name()}, " + (f"GPU: {', '.join(found)}" if found else "CPU")


def versions() -> dict:
    """Versions of Keras and of the backend it runs on."""
    import keras

    backend = name()
    module = __import__(backend)
    return {"keras": keras.__version__, "backend": backend, backend: getattr(module, "__version__", "?")}


def use_jax_compilation_cache() -> str:
    """JAX keeps every compiled program of more than a fraction of a second on disk (``S2S_VIZ_JAX_CACHE``, by default
    ``~/.cache/s2s-viz/jax``), so a training or decoder another process already compiled starts without compiling:
    on 2 cores, the Train tab's *try this* in 15.4 s instead of 19.9, its first epoch 5.8 s instead of 9.7
    (``bench backends``). Returns the folder."""
    import jax

    folder = os.environ.get("S2S_VIZ_JAX_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "s2s-viz", "jax")
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


def start_quietly() -> None:
    """Import Keras and its backend now, with TensorFlow's start-up lines printed once each: its C++ libraries each
    print the same lines while they load (oneDNN, absl). Called first by the app, the command line and a training's
    child process; elsewhere Keras is imported as usual."""
    import re
    import sys
    import tempfile

    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow" or "keras" in sys.modules:
        import keras  # noqa: F401

        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            import keras  # noqa: F401  (imports TensorFlow)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            printed = caught.read().decode("utf-8", errors="replace")
    seen = set()
    for line in printed.splitlines():
        said = re.sub(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ", "", line)  # the same line from another library: its time differs
        if said not in seen:
            seen.add(said)
            print(line, file=sys.stderr)
