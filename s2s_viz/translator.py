"""A translation model with its vocabularies: text in, text and a per-step trace out.

``Translator`` is what ``s2s_viz.load`` returns for every translation model (plain RNN, attention RNN,
Transformer): the app, the CLI and tests talk to this, never to a Keras model directly.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from . import backend
from .data.vocab import CharVocab, Unknown
from .decoding import FORCED, GREEDY, SAMPLE, STEERED, TOKENS, StepDecoder
from .decoding.outputs import padded_columns
from .translation import (
    BeamHypothesis,
    ForcingComparison,
    ForcingStep,
    InputError,
    StateTrace,
    Step,
    TranslationResult,
    WhatIf,
    describe_unknown,
)

DECODING_STRATEGIES = ("greedy", "beam", "sample")
MAX_BEAM_WIDTH = 16
BATCH_SIZE = 512


def _forbidden(logits: np.ndarray, vocab: CharVocab) -> np.ndarray:
    """Padding and the start symbol are never outputs (as in the compiled loops)."""
    logits = logits.copy()
    logits[[0, vocab.start_id]] = -np.inf
    return logits


def _contexts(weights: list[np.ndarray], outputs: np.ndarray | None) -> dict:
    """Each step's context vector from its attention weights and the encoder's outputs ``h`` ``(S, d_h)``:
    ``c_i = sum_j alpha_ij h_j`` (per channel ``k`` where the weights are per channel: ``c_ik = sum_j alpha_ijk
    h_jk``). Nothing without attention."""
    if not weights or outputs is None:
        return {}
    alpha = np.stack(weights).astype(np.float64)  # (steps, S) or (steps, S, d_h)
    h = outputs.astype(np.float64)
    contexts = alpha @ h if alpha.ndim == 2 else (alpha * h[None]).sum(axis=1)
    shown = alpha if alpha.ndim == 2 else alpha.mean(axis=-1)
    return {"encoder_outputs": outputs, "attention": shown, "contexts": contexts.astype(np.float32)}


class Translator:
    """A trained translation model, ready to translate.

    Args:
        model: a Keras model with ``encode`` and ``decode_step`` (see ``s2s_viz.decoding``).
        source_vocab, target_vocab: the vocabularies it was trained with.
        card: the checkpoint card (config, data, training history, metrics).
        xla: compile decoding with XLA (default: when the model asks for it; see ``s2s_viz.decoding``).
    """

    def __init__(self, model, source_vocab: CharVocab, target_vocab: CharVocab, card: dict, xla: bool | None = None):
        self.model = model
        self.source_vocab = source_vocab
        self.target_vocab = target_vocab
        self.card = card
        data = card.get("data", {})
        self.max_source_length = int(data.get("max_source_length") or 100)
        self.max_target_length = int(data.get("max_target_length") or 100)
        self.decoder = StepDecoder(model, target_vocab.start_id, target_vocab.end_id, xla=xla)
        self._steered_beam = None  # beam search with forced steps (built on first use; see ``translate``)
        maps = getattr(model, "attention_maps", None)
        self._attention_maps = backend.compile_function(maps, model) if maps else None

    @property
    def name(self) -> str:
        return self.card.get("name", "unnamed")

    @property
    def has_attention(self) -> bool:
        return bool(getattr(self.model, "has_attention_weights", False))

    @property
    def max_steps(self) -> int:
        return self.max_target_length + 2  # the characters, the end symbol and one step of slack

    # ---- input ---------------------------------------------------------------------------------------
    def prepare(self, text: str) -> tuple[list[int], list[Unknown], str]:
        """Ids the model reads, the unknown characters, and a notice for people. Raises ``InputError``."""
        if not isinstance(text, str):
            raise InputError(f"expected text, got {type(text).__name__}")
        if not text.strip():
            raise InputError("the input is empty: type a sentence to translate")
        notices = []
        unknown = self.source_vocab.find_unknown(text)
        if unknown:
            notices.append(describe_unknown(unknown, self.source_vocab.level))
        ids = self.source_vocab.encode(text)
        if not ids:
            raise InputError("nothing left to translate: " + describe_unknown(unknown, self.source_vocab.level))
        if len(ids) > self.max_source_length:
            notices.append(
                f"input truncated to the model's limit of {self.max_source_length} "
                f"{self.source_vocab.level}s (it had {len(ids)})"
            )
            ids = ids[: self.max_source_length]
        return ids, unknown, "; ".join(notices)

    # ---- the loop of the notes, by hand -----------------------------------------------------------------
    def trace(self, text: str, hand_over: bool = True) -> StateTrace:
        """Greedy decoding one explicit step at a time, as the notes' inference models do, recording every state.

        The same model and the same steps as ``translate`` (so the same text), without the compiled loop.
        ``hand_over=False`` starts the decoder from zeros instead of the encoder's final states (what the decoder
        writes without them). Raises ``InputError`` for a model without recurrent states (a Transformer).
        """
        if not hasattr(self.model, "decoder_layers"):
            raise InputError("only an RNN translator passes hidden states from step to step (a Transformer has none)")
        ids, _, _ = self.prepare(text)
        source = ops.convert_to_tensor(np.array([ids], dtype=np.int32))
        memory, states = self.model.encode(source)
        names = ("h", "c")

        def as_dicts(layer_states) -> list[dict]:
            return [
                {name: ops.convert_to_numpy(value)[0] for name, value in zip(names, layer)} for layer in layer_states
            ]

        encoder_states = as_dicts(states)
        if not hand_over:
            states = [[ops.zeros_like(value) for value in layer] for layer in states]
        initial = as_dicts(states)  # what the decoder starts from: the encoder's final states, handed over
        token = self.target_vocab.start_id
        written: list[int] = []
        per_step: list[list[dict]] = []
        weights: list[np.ndarray] = []
        for _ in range(self.max_steps):
            token_ids = ops.convert_to_tensor(np.array([token], dtype=np.int32))
            logits, states, alpha = self.model.decode_step(token_ids, states, memory)
            per_step.append(as_dicts(states))
            if getattr(self.model, "attention", None) is not None:  # (a model without attention gives zeros)
                weights.append(ops.convert_to_numpy(alpha)[0])
            token = int(np.argmax(_forbidden(ops.convert_to_numpy(logits)[0], self.target_vocab)))
            written.append(token)
            if token == self.target_vocab.end_id:
                break
        decoder_states = [
            {name: np.stack([step[layer][name] for step in per_step]) for name in per_step[0][layer]}
            for layer in range(len(per_step[0]))
        ]
        return StateTrace(
            text=self.target_vocab.decode(written),
            tokens=[self.target_vocab.token(token) for token in written],
            source_tokens=[self.source_vocab.token(i) for i in ids],
            encoder_states=encoder_states,
            initial_states=initial,
            decoder_states=decoder_states,
            **_contexts(weights, ops.convert_to_numpy(memory["outputs"])[0] if weights else None),
        )

    # ---- translation ---------------------------------------------------------------------------------
    def translate(
        self,
        text: str,
        strategy: str = "greedy",
        beam_width: int = 4,
        temperature: float = 1.0,
        seed: int | None = None,
        length_penalty: float = 1.0,
        forced: dict | None = None,
    ) -> TranslationResult:
        """Translate one text. ``strategy`` is ``greedy``, ``beam`` (``beam_width``) or ``sample``
        (``temperature``, ``seed``: the same seed gives the same translation).

        ``forced`` ``{step: token}`` (what-if decoding, greedy and beam): at each of those steps the decoder writes
        that token (a character or word of the target vocabulary, or its id) instead of its own choice and goes on
        from it on its own, reading it back as its next input. Without it, the output is the plain search's."""
        _check_strategy(strategy, beam_width, temperature)
        forced_ids = self.forced_ids(forced)
        if forced_ids and strategy == "sample":
            raise InputError("forcing a step works with greedy and beam search, not with sampling")
        ids, unknown, notice = self.prepare(text)
        source = np.array([ids], dtype=np.int32)
        hypotheses = []
        if strategy == "beam":
            if forced_ids:  # the search with Python bookkeeping takes forced steps (any backend)
                if self._steered_beam is None:
                    from .decoding.portable import PortableStepDecoder

                    vocab = self.target_vocab
                    self._steered_beam = PortableStepDecoder(self.model, vocab.start_id, vocab.end_id)
                search = self._steered_beam.beam_search
                found = search(source, self.max_steps, int(beam_width), length_penalty, forced=forced_ids)
            else:
                found = self.decoder.beam_search(source, self.max_steps, int(beam_width), length_penalty)
            tokens, attention = found.tokens, found.attention
            hypotheses = [
                BeamHypothesis(self.target_vocab.decode(h.tokens), h.score, h.normalised, h.ended)
                for h in found.hypotheses
            ]
            chosen, top = np.exp(found.chosen_log_probs), np.exp(found.top_log_probs)
            steps = [
                self._step(t, int(token), float(chosen[t]), found.top_ids[t], top[t]) for t, token in enumerate(tokens)
            ]
        else:
            mode = SAMPLE if strategy == "sample" else STEERED if forced_ids else GREEDY
            given = np.zeros((1, self.max_steps), dtype=np.int32)
            for step, token in forced_ids.items():
                given[0, step] = token
            out = self.decoder.run(
                source, self.max_steps, mode, reference_ids=given, temperature=temperature, seed=seed or 0
            )
            length = int(out.lengths[0])
            tokens = out.tokens[0, :length]
            attention = out.attention[0, :length]
            steps = [
                self._step(t, int(tokens[t]), float(out.chosen_probs[0, t]), out.top_ids[0, t], out.top_probs[0, t])
                for t in range(length)
            ]
        past = [step for step in forced_ids if step >= len(tokens)]
        if past:
            raise InputError(
                f"the output ended at step {len(tokens) - 1}, before forced step {min(past)}: "
                f"force a step in 0..{len(tokens) - 1}"
            )
        maps = self._maps(source, np.array([[self.target_vocab.start_id, *tokens[:-1]]], dtype=np.int32))
        return TranslationResult(
            attention_maps=maps,
            text=self.target_vocab.decode(tokens),
            steps=steps,
            attention=attention if self.has_attention else None,
            unknown_chars=unknown,
            source_tokens=[self.source_vocab.token(i) for i in ids],
            notice=notice,
            strategy=strategy,
            hypotheses=hypotheses,
        )

    def forced_ids(self, forced: dict | None) -> dict[int, int]:
        """``{step: token}`` as ``{step: id}``, checked. A token is a character or word this model writes (the end
        symbol too, written ``\\n`` or ``</s>``; a space also ``␣``) or its id. Raises ``InputError``."""
        if forced is None:
            return {}
        if not isinstance(forced, dict):
            raise InputError("forced must map step numbers to tokens, for example {3: 'f'}")
        vocab, found = self.target_vocab, {}
        for step, token in forced.items():
            try:
                number = float(step)
            except (TypeError, ValueError):
                raise InputError(f"a forced step must be a whole number, got {step!r}") from None
            if not number.is_integer() or not 0 <= number < self.max_steps:
                raise InputError(f"a forced step must be a whole number in 0..{self.max_steps - 1}, got {step!r}")
            if isinstance(token, (int, np.integer)) and not isinstance(token, bool):
                index = int(token) if 0 < int(token) < vocab.size else None
            elif isinstance(token, str) and token:
                index = vocab.id_of({"</s>": vocab.tokens[vocab.end_id - 1], "␣": " "}.get(token, token))
            else:
                index = None
            if index is None or index in (0, vocab.start_id):
                raise InputError(
                    f"{str(token)[:40]!r} is not a {vocab.level} this model writes (forced at step {step})"
                )
            found[int(number)] = index
        return found

    def what_if(
        self, text: str, step: int, token, strategy: str = "greedy", beam_width: int = 4, length_penalty: float = 1.0
    ) -> WhatIf:
        """What the decoder writes if, at ``step``, it had written ``token``: the plain translation, the forced one
        (the steps before ``step`` kept as they were, ``token`` at ``step``, then the decoder on its own) and the first
        step where the two differ (``None`` if the token was the decoder's own choice)."""
        if strategy not in ("greedy", "beam"):
            raise InputError("what-if decoding works with greedy and beam search")
        original = self.translate(text, strategy=strategy, beam_width=beam_width, length_penalty=length_penalty)
        written = [self.target_vocab.id_of(s.token) for s in original.steps]
        try:
            step = int(step)
        except (TypeError, ValueError):
            raise InputError(f"the step must be a whole number, got {step!r}") from None
        if not 0 <= step < len(written):
            raise InputError(f"the step must be in 0..{len(written) - 1} (the steps of the translation), got {step}")
        forced = {**dict(enumerate(written[:step])), step: token} if strategy == "beam" else {step: token}
        steered = self.translate(
            text, strategy=strategy, beam_width=beam_width, length_penalty=length_penalty, forced=forced
        )
        before, after = [s.token for s in original.steps], [s.token for s in steered.steps]
        differ = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), None)
        if differ is None and len(before) != len(after):
            differ = min(len(before), len(after))
        return WhatIf(
            original=original, forced=steered, step=step, token=steered.steps[step].token, first_difference=differ
        )

    def _maps(self, source: np.ndarray, decoder_input: np.ndarray) -> dict | None:
        """A Transformer's every attention map of the teacher-forced pass over what it wrote, per layer ``(h, ., .)``.

        Both sequences are padded (``padded_columns``: every sentence of up to 32 tokens has one shape, compiled once
        on every backend, where each output length took a compilation of its own) and the maps cut back: padding is
        masked in the source and comes after every real position in the causal decoder, so the real rows and columns
        are unchanged."""
        if self._attention_maps is None:
            return None
        rows, columns = source.shape[1], decoder_input.shape[1]
        limit = getattr(self.model, "max_source_positions", None)
        source, decoder_input = padded_columns(source, limit), padded_columns(decoder_input, limit)
        sizes = {"encoder_self": (rows, rows), "decoder_self": (columns, columns), "cross": (columns, rows)}
        return {
            kind: [layer[0][:, : sizes[kind][0], : sizes[kind][1]] for layer in layers]
            for kind, layers in backend.to_numpy(self._attention_maps(source, decoder_input)).items()
        }

    def _step(self, index, token, probability, top_ids, top_probs) -> Step:
        top = [(self.target_vocab.token(int(i)), float(p)) for i, p in zip(top_ids, top_probs)]
        return Step(index, self.target_vocab.token(token), probability, top)

    def translate_batch(
        self, texts: list[str], strategy: str = "greedy", temperature: float = 1.0, seed: int | None = None
    ) -> list[str]:
        """Translate many texts at once (greedy or sampling), in batches of similar length.

        An empty or untranslatable text gives an empty translation rather than stopping the batch.
        """
        if strategy not in (GREEDY, SAMPLE):
            raise InputError("translate_batch supports greedy and sample; use translate() for beam search")
        _check_strategy(strategy, 1, temperature)
        prepared = []
        for text in texts:
            try:
                prepared.append(self.prepare(text)[0])
            except InputError:
                prepared.append([])
        order = sorted(range(len(texts)), key=lambda i: len(prepared[i]))
        results = [""] * len(texts)
        mode = SAMPLE if strategy == "sample" else TOKENS
        for start in range(0, len(order), BATCH_SIZE):
            chunk = [i for i in order[start : start + BATCH_SIZE] if prepared[i]]
            if not chunk:
                continue
            width = max(len(prepared[i]) for i in chunk)
            source = np.zeros((len(chunk), width), dtype=np.int32)
            for row, i in enumerate(chunk):
                source[row, : len(prepared[i])] = prepared[i]
            if mode == TOKENS:
                out = self.decoder.run_tokens(source, self.max_steps)
            else:
                out = self.decoder.run(source, self.max_steps, mode, temperature=temperature, seed=seed or 0)
            for row, i in enumerate(chunk):
                results[i] = self.target_vocab.decode(out.tokens[row])
        return results

    def compare_forcing(self, source: str, reference: str) -> ForcingComparison:
        """The decoder fed the reference (teacher forcing) vs fed its own output (reinjection), step by step.

        At each step t: the reference token, what the model predicts when given the reference prefix, the
        probability it gives the reference token then; what it wrote when running free, and the probability it
        gave the reference token at that step of its own run. The gap between the two probability curves is
        exposure bias made visible.
        """
        ids, _, _ = self.prepare(source)
        if not reference.strip():
            raise InputError("the reference is empty: type the expected translation")
        source_ids = np.array([ids], dtype=np.int32)
        gold = self.target_vocab.encode(reference, add_start_end=True)[: self.max_steps + 1]
        next_ids = np.array([gold[1:]], dtype=np.int32)  # the reference token expected at each step
        steps = len(gold) - 1
        # room for the longest output, as translate has: one compiled program for every reference length
        forced = self.decoder.run(source_ids, steps, FORCED, reference_ids=next_ids, capacity=self.max_steps)
        free = self.decoder.run(source_ids, steps, GREEDY, reference_ids=next_ids, capacity=self.max_steps)
        free_length = int(free.lengths[0])
        rows, divergence = [], None
        for t in range(steps):
            free_token = self.target_vocab.token(int(free.tokens[0, t])) if t < free_length else ""
            reference_token = self.target_vocab.token(int(next_ids[0, t]))
            if divergence is None and free_token != reference_token:
                divergence = t
            rows.append(
                ForcingStep(
                    index=t,
                    reference=reference_token,
                    forced_prediction=self.target_vocab.token(int(forced.top_ids[0, t, 0])),
                    forced_reference_probability=float(forced.reference_probs[0, t]),
                    free_prediction=free_token,
                    free_reference_probability=float(free.reference_probs[0, t]) if t < free_length else 0.0,
                )
            )
        free_text = self.target_vocab.decode(free.tokens[0, :free_length])
        if free_length >= steps and free_text:  # it ran on past the reference's length: its output whole
            free_text = self.translate(source).text
        return ForcingComparison(source, reference, free_text, rows, divergence)


def _check_strategy(strategy: str, beam_width: int, temperature: float) -> None:
    if strategy not in DECODING_STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; choose one of {', '.join(DECODING_STRATEGIES)}")
    try:
        beam_width, temperature = int(beam_width), float(temperature)
    except (TypeError, ValueError) as error:
        raise InputError("beam_width must be a whole number and temperature a number") from error
    if strategy == "beam" and not 1 <= beam_width <= MAX_BEAM_WIDTH:
        raise InputError(f"beam_width must be in 1..{MAX_BEAM_WIDTH}, got {beam_width}")
    if strategy == "sample" and not 0.05 <= temperature <= 10:
        raise InputError(f"temperature must be in 0.05..10, got {temperature}")
