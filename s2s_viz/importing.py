"""Open a model trained elsewhere: the character-level recipe of the keras-io ``lstm_seq2seq`` example.

What students train first: one-hot characters in, an LSTM encoder whose final states ``[h, c]`` start an LSTM
decoder, a softmax over the target characters out, saved with ``model.save("s2s_model.keras")``. The file holds the
weights but not the characters: the recipe derives its indices from the data file and the number of samples it read
(the first ``num_samples`` lines; every character seen, sorted; ``\\t`` and ``\\n`` added around each target). So the
import reads the same lines the same way, rebuilds the indices, checks them against the model's input and output
sizes, and copies the weights into this project's own encoder-decoder (``RNNSeq2Seq``), where id 0 is padding and
id k + 1 is the recipe's index k. Every translator view then works on it.

Nothing from the file runs: its configuration is read first and anything but Keras's own layers (a ``Lambda``, a
custom object) is refused, then Keras loads it in safe mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import checkpoints
from .checkpoints import CheckpointError

MAX_SAMPLES = 1_000_000
RECIPE_LAYERS = {"InputLayer": 2, "LSTM": 2, "Dense": 1}


@dataclass
class RecipeIndices:
    """The recipe's character indices and sequence lengths, rebuilt from its data file."""

    input_characters: list[str]
    target_characters: list[str]
    max_encoder_seq_length: int
    max_decoder_seq_length: int
    pairs: list[tuple[str, str]]


def recipe_indices(data_path: str | Path, num_samples: int) -> RecipeIndices:
    """Read ``data_path`` as the recipe does: its first ``min(num_samples, lines - 1)`` lines, each
    ``input \\t target \\t ...``; the target framed by ``\\t`` and ``\\n``; the characters of each side, sorted."""
    if not isinstance(num_samples, int) or isinstance(num_samples, bool) or not 1 <= num_samples <= MAX_SAMPLES:
        raise CheckpointError(f"the number of samples must be a whole number from 1 to {MAX_SAMPLES:,}")
    try:
        with open(data_path, encoding="utf-8") as handle:  # text mode, as the recipe opens it
            lines = handle.read().split("\n")
    except UnicodeDecodeError as error:
        raise CheckpointError(f"the data file is not UTF-8 text (byte {error.start})") from error
    except OSError as error:
        raise CheckpointError(f"the data file cannot be read ({error.__class__.__name__})") from error
    input_characters, target_characters, pairs = set(), set(), []
    for number, line in enumerate(lines[: min(num_samples, len(lines) - 1)], start=1):
        columns = line.split("\t")
        if len(columns) < 2:
            raise CheckpointError(
                f"line {number} of the data file has no tab: the recipe reads `input<TAB>target<TAB>...` lines"
            )
        input_text, target_text = columns[0], "\t" + columns[1] + "\n"
        pairs.append((input_text, target_text))
        input_characters.update(input_text)
        target_characters.update(target_text)
    if not pairs:
        raise CheckpointError("the data file has no lines to read")
    return RecipeIndices(
        sorted(input_characters),
        sorted(target_characters),
        max(len(source) for source, _ in pairs),
        max(len(target) for _, target in pairs),
        pairs,
    )


def _recipe_layers(path: Path) -> dict:
    """The layers of a recipe-shaped ``.keras`` file, from its configuration (nothing loaded yet)."""
    try:
        config = checkpoints.keras_config(path)
    except CheckpointError:
        raise CheckpointError("not a .keras file saved by Keras 3 (it cannot be read as one)") from None
    layers = (config.get("config") or {}).get("layers")
    if config.get("class_name") != "Functional" or not isinstance(layers, list):
        raise CheckpointError("not the recipe's model: it is not a functional Keras model")
    counts: dict[str, int] = {}
    for layer in layers:
        counts[layer.get("class_name")] = counts.get(layer.get("class_name"), 0) + 1
    if counts != RECIPE_LAYERS:
        found = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        raise CheckpointError(
            f"not the recipe's model: it has {found}; the recipe has 2 InputLayer, 2 LSTM and 1 Dense "
            f"(one-hot characters in, an LSTM encoder whose states start an LSTM decoder, a softmax out)"
        )
    return config


def import_recipe(
    keras_file: str | Path, data_path: str | Path, num_samples: int, name: str, directory: str | Path | None = None
) -> Path:
    """Import a model of the keras-io ``lstm_seq2seq`` recipe as the translator ``name`` (into ``directory``, by
    default the current visitor's or the user folder). ``CheckpointError`` says why anything else is refused."""
    import keras
    import numpy as np

    from .data.vocab import CharVocab
    from .models.rnn_seq2seq import RNNSeq2Seq

    checkpoints.check_name(name)
    path = Path(keras_file)
    _recipe_layers(path)
    checkpoints._check_keras_file(path)  # no Lambda, no class that is not Keras's
    indices = recipe_indices(data_path, num_samples)
    try:
        recipe = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # noqa: BLE001 - Keras raises many kinds for a bad archive: all mean the same here
        raise CheckpointError(f"Keras could not load it ({error.__class__.__name__})") from error
    inputs = [tuple(tensor.shape) for tensor in recipe.inputs]
    lstms = [layer for layer in recipe.layers if isinstance(layer, keras.layers.LSTM)]
    dense = next(layer for layer in recipe.layers if isinstance(layer, keras.layers.Dense))
    sizes = (len(indices.input_characters), len(indices.target_characters))
    if len(inputs) != 2 or any(len(shape) != 3 for shape in inputs):
        raise CheckpointError("not the recipe's model: it must take two one-hot sequences (encoder, decoder)")
    if (inputs[0][-1], inputs[1][-1]) != sizes or dense.units != sizes[1]:
        raise CheckpointError(
            f"the model reads {inputs[0][-1]} input and writes {dense.units} target characters, but the first "
            f"{len(indices.pairs):,} lines of the data file have {sizes[0]} and {sizes[1]}: give the data file and "
            "the number of samples it was trained on"
        )
    encoder, decoder = lstms  # in the order of the graph: the decoder reads the encoder's states
    if encoder.get_weights()[0].shape[0] != sizes[0] or decoder.get_weights()[0].shape[0] != sizes[1]:
        raise CheckpointError("not the recipe's model: the first LSTM must read the input, the second the target")
    if encoder.units != decoder.units or dense.activation.__name__ != "softmax":
        raise CheckpointError("not the recipe's model: the two LSTMs must have one size and the output a softmax")
    latent = encoder.units
    config = {"source_vocab_size": sizes[0] + 1, "target_vocab_size": sizes[1] + 1, "latent_dim": latent}
    model = RNNSeq2Seq(config)

    def shifted(kernel):  # a zero row for padding (id 0): id k + 1 reads the recipe's row k
        return np.concatenate([np.zeros((1, kernel.shape[1]), kernel.dtype), kernel])

    for ours, theirs in ((model.encoder_layers[0], encoder), (model.decoder_layers[0], decoder)):
        kernel, recurrent, bias = (np.asarray(w) for w in theirs.get_weights())
        ours.set_weights([shifted(kernel), recurrent, bias])
    kernel, bias = (np.asarray(w) for w in dense.get_weights())
    # padding is never written: its logit is far below every character's
    model.output_layer.set_weights([np.concatenate([np.zeros((latent, 1), kernel.dtype), kernel], axis=1),
                                    np.concatenate([np.array([-1e4], bias.dtype), bias])])  # fmt: skip
    source_vocab, target_vocab = CharVocab(indices.input_characters), CharVocab(indices.target_characters)
    if not target_vocab.has_start_end:
        raise CheckpointError("the data file's targets lack the recipe's start and end symbols")
    from dataclasses import asdict

    card = {
        "name": name,
        "kind": "translator",
        "architecture": "rnn_seq2seq",
        "model_config": asdict(model.spec),
        "source_vocab": source_vocab.to_json(),
        "target_vocab": target_vocab.to_json(),
        "direction": "imported",
        "data": {
            "source": Path(data_path).name,
            "sha256": _sha256(data_path),
            "recipe": "keras-io lstm_seq2seq: the first lines of the file, characters sorted",
            "samples": len(indices.pairs),
            "max_source_length": indices.max_encoder_seq_length,
            "max_target_length": indices.max_decoder_seq_length - 1,
        },
        "training": {"imported_from": path.name, "parameters": int(model.count_params())},
        "command": f"s2s-viz import {path.name} --data {Path(data_path).name} --samples {num_samples} --name {name}",
        "metrics": {},
    }
    target = Path(directory) if directory is not None else checkpoints.own_dir()
    return checkpoints.save(model, card, target, name)


def _sha256(path) -> str:
    from .data.pairs import file_sha256

    return file_sha256(path)
