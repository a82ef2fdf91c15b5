"""The encoder-decoder RNN of the keras-io ``lstm_seq2seq`` example, grown up.

The story, as the example tells it: an **encoder** RNN reads the source sentence one character at a time and
keeps only its final state, a summary of the sentence. That state becomes the ``initial_state`` of a
**decoder** RNN, which writes the target one character at a time, each step predicting the next character
from the previous one. An LSTM carries two state vectors (the hidden state ``h`` and the cell state ``c``); a
GRU carries one (``h``). The encoder's states are handed over layer by layer (encoder layer k -> decoder
layer k), so stacking keeps that correspondence. A bidirectional encoder reads the sentence both ways; its
forward and backward final states are concatenated and projected back to the decoder's size (``bridges``).

**What the decoder is fed** is the point of the lab's second view:

* *teacher forcing* (``teacher_forcing_ratio=1``): at step t the decoder input is the *gold* character
  t-1. Every step learns in parallel from a correct prefix; fast and stable.
* *reinjection* (``teacher_forcing_ratio=0``): the decoder input is its *own* prediction of the previous
  step. The notes say only "the decoder input is the predicted sequence"; what is fed back is this project's
  choice (``feedback``): ``"soft"`` (the default) feeds the whole probability distribution (a soft one-hot,
  embedded as the expected vector), through which the gradient flows; ``"argmax"`` feeds the one-hot of the most
  likely character, as decoding does, and no gradient flows through that choice.
* *scheduled sampling* (``0 < ratio < 1``): at each step and for each sentence, gold with probability
  ``ratio``, own prediction otherwise.

**Reading the source backwards** (``reverse_source=True``, Sutskever et al. 2014, without attention only): the
encoder reads each sentence's characters last to first (the padding stays at the end), so the start of the
source is what the encoder read last, right before the decoder writes the start of the target. Short-range
links (``I`` -> ``Je``) become short paths for the gradient; the model is otherwise unchanged.

With attention (``attention != "none"``) the decoder also reads a context vector ``c_i`` computed from all the
encoder outputs at every step (see ``attention.py``); the context enters the first decoder layer's input and
the output layer (Bahdanau's order, ``attention_order="bahdanau"``, the notes' ``e_ij = a(s_{i-1}, h_j)``). In
Luong's order (``attention_order="luong"``) the decoder reads only the previous character, attends with its new
state ``s_i``, and the output layer reads ``[s_i; c_i]``: under teacher forcing the whole decoder then runs over
all steps at once, several times faster to train.

The model takes integer ids (0 = padding) and turns them into one-hot vectors inside the graph (or, for the
word-level variant, looks them up in an Embedding layer). ``call`` returns logits ``(B, T, V)``; the loss
(``masked_loss``) covers only real target characters, up to and including the end symbol ``\\n``, never
the padding after it, which would be trivially predicted and hide how well the model really does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from . import require
from .attention import KINDS as ATTENTION_KINDS
from .attention import SeqAttention
from .embedding import TokenEmbedding

CELLS = ("lstm", "gru")
ATTENTION_ORDERS = ("bahdanau", "luong")
FEEDBACKS = ("soft", "argmax")


@dataclass
class RNNSeq2SeqConfig:
    """Everything that defines the architecture; goes into the checkpoint card as it is."""

    source_vocab_size: int
    target_vocab_size: int
    cell: str = "lstm"
    latent_dim: int = 256
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0  # in training: on every encoder layer's outputs and on the output layer's input
    embedding_dim: int = 0  # 0: one-hot inputs (the seed's char model); > 0: an Embedding layer (word level)
    attention: str = "none"
    attention_units: int = 128
    attention_order: str = "bahdanau"  # or "luong": attend after the decoder step, with s_i (see above)
    attention_positions: int = 0  # "positional" attention: the number of source positions (the longest source)
    teacher_forcing_ratio: float = 1.0
    reverse_source: bool = False  # the encoder reads each source last character first (no attention only)
    feedback: str = "soft"  # reinjection feeds back the probabilities ("soft") or the most likely one ("argmax")
    tie_embeddings: bool = False  # word level: the output layer scores each word against its target embedding

    def validate(self) -> None:
        checks = [
            (self.cell in CELLS, f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}"),
            (2 <= self.source_vocab_size <= 100_000, "source_vocab_size must be in 2..100000"),
            (2 <= self.target_vocab_size <= 100_000, "target_vocab_size must be in 2..100000"),
            (1 <= self.latent_dim <= 4096, f"latent_dim must be in 1..4096, got {self.latent_dim}"),
            (1 <= self.num_layers <= 4, f"num_layers must be in 1..4, got {self.num_layers}"),
            (0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}"),
            (0 <= self.embedding_dim <= 2048, f"embedding_dim must be in 0..2048, got {self.embedding_dim}"),
            (
                self.attention in ("none", *ATTENTION_KINDS),
                f"attention must be none or one of {', '.join(ATTENTION_KINDS)}, got {self.attention!r}",
            ),
            (1 <= self.attention_units <= 4096, "attention_units must be in 1..4096"),
            (
                not self.tie_embeddings or self.embedding_dim > 0,
                "tie_embeddings needs an Embedding layer (embedding_dim > 0): it reuses the target embedding",
            ),
            (self.feedback in FEEDBACKS, f"feedback must be one of {', '.join(FEEDBACKS)}, got {self.feedback!r}"),
            (
                self.attention_order in ATTENTION_ORDERS,
                f"attention_order must be one of {', '.join(ATTENTION_ORDERS)}, got {self.attention_order!r}",
            ),
            (
                0.0 <= self.teacher_forcing_ratio <= 1.0,
                f"teacher_forcing_ratio must be in [0, 1], got {self.teacher_forcing_ratio}",
            ),
            (
                not (self.attention == "dot" and self.bidirectional),
                "dot attention needs equal encoder and decoder sizes; with a bidirectional encoder use general",
            ),
            (
                self.attention != "positional" or 1 <= self.attention_positions <= 1000,
                "positional attention needs attention_positions in 1..1000 (the longest source)",
            ),
            (
                not (self.reverse_source and self.attention != "none"),
                "reverse_source is for models without attention (attention reads every source position anyway)",
            ),
        ]
        require(checks)


def state_count(cell: str) -> int:
    """An LSTM carries two state vectors (h, c); a GRU one (h)."""
    return 2 if cell == "lstm" else 1


@keras.saving.register_keras_serializable(package="s2s_viz")
class RNNSeq2Seq(keras.Model):
    """Encoder-decoder LSTM/GRU, optionally stacked, bidirectional and with attention.

    Call arguments:
        inputs: ``(source_ids, decoder_input_ids)``, both int ``(B, S)`` and ``(B, T)``, 0 = padding.

    Returns:
        logits ``(B, T, target_vocab_size)`` for the next character at every decoder step.

    The step-by-step interface used by every decoding strategy (``s2s_viz.decoding``):
    ``encode(source_ids) -> (memory, states)`` and
    ``decode_step(token_ids, states, memory) -> (logits, states, alpha)``.
    """

    has_attention_weights = True
    decode_with_xla = True  # s2s_viz.decoding compiles the step loop with XLA (padding is masked, so exact)

    def __init__(self, config: dict, **kwargs):
        super().__init__(**kwargs)
        self.spec = RNNSeq2SeqConfig(**config)
        self.spec.validate()
        spec = self.spec
        self.has_attention_weights = spec.attention != "none"
        self.luong = self.has_attention_weights and spec.attention_order == "luong"
        rnn = keras.layers.LSTM if spec.cell == "lstm" else keras.layers.GRU
        self.source_embedding = TokenEmbedding(spec.source_vocab_size, spec.embedding_dim, name="source_embedding")
        self.target_embedding = TokenEmbedding(spec.target_vocab_size, spec.embedding_dim, name="target_embedding")
        self.encoder_layers = []
        for index in range(spec.num_layers):
            layer = rnn(spec.latent_dim, return_sequences=True, return_state=True, name=f"encoder_{index}")
            if spec.bidirectional:
                layer = keras.layers.Bidirectional(layer, name=f"bi_encoder_{index}")
            self.encoder_layers.append(layer)
        self.bridges = [
            [keras.layers.Dense(spec.latent_dim, name=f"bridge_{index}_{k}") for k in range(state_count(spec.cell))]
            for index in range(spec.num_layers if spec.bidirectional else 0)
        ]
        self.decoder_layers = [
            rnn(spec.latent_dim, return_sequences=True, return_state=True, name=f"decoder_{index}")
            for index in range(spec.num_layers)
        ]
        self.attention = (
            SeqAttention(spec.attention, spec.attention_units, spec.attention_positions, name="attention")
            if self.has_attention_weights
            else None
        )
        self.dropout = keras.layers.Dropout(spec.dropout, name="dropout")
        # Tied (Press & Wolf 2017): project the features to the embedding size and score every word against its
        # own target embedding, so the largest matrix of a word-level model is stored once instead of twice.
        output_units = spec.embedding_dim if spec.tie_embeddings else spec.target_vocab_size
        self.output_layer = keras.layers.Dense(output_units, name="output")
        self.feedback_seed = keras.random.SeedGenerator(0)
        self.build()

    @property
    def encoder_output_dim(self) -> int:
        return self.spec.latent_dim * (2 if self.spec.bidirectional else 1)

    def build(self, input_shape=None):
        if self.built:
            return
        spec = self.spec
        self.source_embedding.build()
        self.target_embedding.build()
        width = self.source_embedding.output_dim
        for layer in self.encoder_layers:
            layer.build((None, None, width))
            width = self.encoder_output_dim
        for row in self.bridges:
            for bridge in row:
                bridge.build((None, 2 * spec.latent_dim))
        context_dim = self.encoder_output_dim if self.attention is not None else 0
        width = self.target_embedding.output_dim + (0 if self.luong else context_dim)
        for layer in self.decoder_layers:
            layer.build((None, None, width))
            width = spec.latent_dim
        if self.attention is not None:
            self.attention.build(spec.latent_dim, self.encoder_output_dim)
        self.output_layer.build((None, spec.latent_dim + context_dim))
        if spec.tie_embeddings:
            self.output_bias = self.add_weight(shape=(spec.target_vocab_size,), initializer="zeros", name="output_bias")
        self.built = True

    def output_logits(self, features):
        """The output layer: features ``(..., feature_dim)`` -> logits ``(..., V)``."""
        projected = self.output_layer(features)
        if self.spec.tie_embeddings:
            projected = ops.matmul(projected, ops.transpose(self.target_embedding.embeddings)) + self.output_bias
        return ops.cast(projected, "float32")  # the loss and the softmax in float32 when trained in bfloat16

    # ---- encoder -------------------------------------------------------------------------------------
    def encode(self, source_ids, training=False):
        """Read the source. Returns ``(memory, states)``.

        ``memory`` holds the encoder outputs ``(B, S, d_h)``, the source mask ``(B, S)`` and the attention's
        precomputed keys; ``states`` is one list of state tensors per decoder layer (``[h, c]`` or ``[h]``).
        """
        mask = ops.not_equal(source_ids, 0)  # (B, S)
        if self.spec.reverse_source:  # each row's real characters last to first; padding stays at the end
            source_ids = reverse_real_tokens(source_ids, mask)
        x = self.source_embedding(source_ids)  # (B, S, V) or (B, S, E)
        states = []
        for index, layer in enumerate(self.encoder_layers):
            outputs = layer(x, mask=mask, training=training)
            x, layer_states = outputs[0], list(outputs[1:])  # x: (B, S, d_h)
            x = self.dropout(x, training=training)  # what the next layer and the attention read
            if self.spec.bidirectional:
                half = len(layer_states) // 2
                forward, backward = layer_states[:half], layer_states[half:]
                layer_states = [
                    bridge(ops.concatenate([f, b], axis=-1))
                    for bridge, f, b in zip(self.bridges[index], forward, backward)
                ]
            states.append(layer_states)
        memory = {"outputs": x, "mask": mask}
        if self.attention is not None:
            memory["keys"] = self.attention.prepare(x)
        return memory, states

    @property
    def pad_memory(self):
        """``pad(memory, width)``: ``memory`` from :meth:`encode` padded to ``width`` source positions (masked), so
        that batched decoding can encode a long batch in parts, each only as wide as its own longest source
        (``StepDecoder.run_tokens``), and join them. None for ``positional`` attention, whose scores mix positions
        up to a fixed count: there the width of the part would change them."""
        return None if self.spec.attention == "positional" else self._pad_memory

    def _pad_memory(self, memory, width: int):
        more = width - memory["mask"].shape[1]
        return {
            name: ops.pad(x, [[0, more] if axis == 1 else [0, 0] for axis in range(len(x.shape))])
            for name, x in memory.items()
        }

    # ---- one decoder step: used by every strategy and by reinjection training --------------------------
    def decode_step(self, token_ids, states, memory, training=False):
        """One step from the previous token ids ``(B,)``. Returns ``(logits (B, V), states, alpha (B, S))``."""
        return self._step(self.target_embedding(token_ids), states, memory, training)

    def _step(self, x, states, memory, training=False):
        """One decoder step from an embedded input ``x`` ``(B, E)``: logits, states and attention."""
        features, new_states, alpha = self._step_features(x, states, memory)
        return self.output_logits(self.dropout(features, training=training)), new_states, alpha  # (B, V)

    @property
    def feature_dim(self) -> int:
        """Size of what the output layer reads: the top hidden state, and the context with attention."""
        return self.spec.latent_dim + (self.encoder_output_dim if self.attention is not None else 0)

    def _step_features(self, x, states, memory):
        """The recurrent part of a step: the output layer's input ``(B, feature_dim)``, new states, alpha."""
        alpha = None
        if self.luong:
            new_states = []
            for layer, layer_states in zip(self.decoder_layers, states):
                x, cell_states = layer.cell(x, list(layer_states), training=False)
                new_states.append(list(cell_states))
            context, alpha = self.attention(x, memory["outputs"], memory["keys"], memory["mask"])  # with s_i
            return ops.concatenate([x, context], axis=-1), new_states, alpha
        if self.attention is not None:
            s_previous = states[-1][0]  # (B, d_s): the top layer's last hidden state
            context, alpha = self.attention(s_previous, memory["outputs"], memory["keys"], memory["mask"])
            x = ops.concatenate([x, context], axis=-1)  # (B, E + d_h)
        new_states = []
        for layer, layer_states in zip(self.decoder_layers, states):
            x, cell_states = layer.cell(x, list(layer_states), training=False)
            new_states.append(list(cell_states))
        if self.attention is not None:
            x = ops.concatenate([x, context], axis=-1)  # (B, d_s + d_h)
        if alpha is None:
            alpha = ops.zeros(ops.shape(memory["mask"]), dtype=x.dtype)
        return x, new_states, alpha

    # ---- the whole decoder, for training ----------------------------------------------------------------
    def call(self, inputs, training=False):
        source_ids, decoder_input_ids = inputs
        memory, states = self.encode(source_ids, training=training)
        ratio = self.spec.teacher_forcing_ratio
        if ratio >= 1.0 and (self.attention is None or self.luong):
            return self._teacher_forced(decoder_input_ids, states, memory, training)[0]
        return self._stepwise(decoder_input_ids, states, memory, ratio, training)[0]

    def forced_logits(self, inputs):
        """Logits with the gold previous character fed at every step, whatever ``teacher_forcing_ratio`` the model
        trains with: the teacher-forced score of any model (inference mode)."""
        source_ids, decoder_input_ids = inputs
        memory, states = self.encode(source_ids)
        if self.attention is None or self.luong:
            return self._teacher_forced(decoder_input_ids, states, memory, False)[0]
        return self._stepwise(decoder_input_ids, states, memory, 1.0, False)[0]

    def _teacher_forced(self, decoder_input_ids, states, memory, training):
        """All steps at once: the decoder reads the gold sequence (the fast path of plain teacher forcing).

        Returns logits ``(B, T, V)`` and, in Luong's order, the attention ``(B, T, S)`` (else ``None``).
        """
        x = self.target_embedding(decoder_input_ids)  # (B, T, V)
        for layer, layer_states in zip(self.decoder_layers, states):
            x = layer(x, initial_state=layer_states, training=training)[0]  # (B, T, d_s)
        alpha = None
        if self.luong:  # every s_i is known: attend for all steps at once
            context, alpha = self.attention.attend_all(x, memory["outputs"], memory["keys"], memory["mask"])
            x = ops.concatenate([x, context], axis=-1)  # (B, T, d_s + d_h)
        return self.output_logits(self.dropout(x, training=training)), alpha

    def _stepwise(self, decoder_input_ids, states, memory, teacher_forcing_ratio, training):
        """Step by step, feeding gold with probability ``teacher_forcing_ratio`` and the own prediction else.

        Returns logits ``(B, T, V)`` and attention ``(B, T, S)``.
        """
        gold = ops.transpose(self.target_embedding(decoder_input_ids), (1, 0, 2))  # (T, B, E)
        steps, batch = ops.shape(gold)[0], ops.shape(gold)[1]
        source_length = ops.shape(memory["mask"])[1]
        if teacher_forcing_ratio >= 1.0:
            # Nothing is fed back, so the output layer runs once over all steps after the loop.
            # The carry is stacked over time as the scan's output: the features and alpha ride along in it.
            def forced(carry, gold_t):
                features, layer_states, alpha = self._step_features(gold_t, carry[0], memory)
                return layer_states, features, alpha

            dtype = self.compute_dtype
            start = (states, ops.zeros((batch, self.feature_dim), dtype), ops.zeros((batch, source_length), dtype))
            _, features, alpha = scan_carries(forced, start, gold)  # (T, B, F), (T, B, S)
            logits = self.output_logits(self.dropout(features, training=training))  # (T, B, V)
            return ops.transpose(logits, (1, 0, 2)), ops.transpose(alpha, (1, 0, 2))
        coins = keras.random.uniform((steps, batch, 1), seed=self.feedback_seed)
        use_gold = ops.cast(coins < teacher_forcing_ratio, "float32")  # (T, B, 1)
        # Step 0 is always the start symbol: the "previous prediction" we start from is that one-hot.
        first_probs = ops.one_hot(decoder_input_ids[:, 0], self.spec.target_vocab_size)  # (B, V)
        vocab = self.spec.target_vocab_size

        def step(carry, inputs):
            layer_states, previous_probs, _, _ = carry
            gold_t, use_gold_t = inputs
            if self.spec.feedback == "argmax":  # the most likely character, as decoding feeds it; no gradient
                chosen = ops.argmax(ops.stop_gradient(previous_probs), axis=-1)
                own_t = self.target_embedding.soft(ops.one_hot(chosen, vocab))
            else:
                own_t = self.target_embedding.soft(previous_probs)  # (B, E): the expected embedding
            x = use_gold_t * gold_t + (1.0 - use_gold_t) * own_t
            logits, layer_states, alpha = self._step(x, layer_states, memory, training)
            return layer_states, ops.softmax(logits, axis=-1), logits, alpha

        # The whole carry is stacked over time as the scan's output; the logits and alpha ride along in it.
        start = (states, first_probs, ops.zeros((batch, vocab)), ops.zeros((batch, source_length), self.compute_dtype))
        _, _, logits, alpha = scan_carries(step, start, (gold, use_gold))  # (T, B, V), (T, B, S)
        return ops.transpose(logits, (1, 0, 2)), ops.transpose(alpha, (1, 0, 2))

    def get_config(self):
        return {"config": asdict(self.spec), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="s2s_viz")
def masked_loss(y_true, logits):
    """Cross-entropy averaged over real target positions only (id != 0): the characters and the end symbol.

    Under ``tf.distribute`` Keras sums the replicas' losses, so (as Keras's own losses do) each replica's mean
    is divided by the number of replicas (JAX's and PyTorch's Keras see one global batch: nothing to divide).
    """
    mask = ops.cast(ops.not_equal(y_true, 0), "float32")
    loss = keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
    return ops.sum(loss * mask) / ops.maximum(ops.sum(mask), 1.0) / _replicas_in_sync()


def _replicas_in_sync() -> int:
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def scan_carries(step, start, xs):
    """``carry = step(carry, x)`` over the first axis of ``xs``; returns every step's carry, stacked over time.

    TensorFlow's own ``tf.scan`` does exactly this, for any number of steps; ``keras.ops.scan`` (JAX's ``lax.scan``
    semantics) serves the other backends, the carry given back as each step's output.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.scan(step, xs, initializer=start)

    def scanned(carry, x):
        carry = step(carry, x)
        return carry, carry

    return ops.scan(scanned, start, xs)[1]


def reverse_real_tokens(ids, mask):
    """Each row's real tokens ``(B, S)`` last to first, the padding left at the end (``tf.reverse_sequence``)."""
    lengths = ops.sum(ops.cast(mask, "int32"), axis=1, keepdims=True)  # (B, 1)
    positions = ops.expand_dims(ops.arange(ops.shape(ids)[1], dtype="int32"), 0)  # (1, S)
    order = ops.where(positions < lengths, lengths - 1 - positions, positions)  # (B, S)
    return ops.take_along_axis(ids, order, axis=1)


@keras.saving.register_keras_serializable(package="s2s_viz")
def masked_accuracy(y_true, logits):
    """Share of real target positions whose most likely character is the right one."""
    mask = ops.cast(ops.not_equal(y_true, 0), "float32")
    hits = ops.cast(ops.equal(ops.cast(y_true, "int32"), ops.cast(ops.argmax(logits, axis=-1), "int32")), "float32")
    return ops.sum(hits * mask) / ops.maximum(ops.sum(mask), 1.0)
