"""The MiniLM (BERT) sentence model run without sentence-transformers.

`NumpyMiniLM`: the bundled all-MiniLM-L6-v2 in numpy, the same BERT forward pass and mean
pooling as sentence-transformers, without importing torch (which takes 5-10 s), so a one-off
query (`matchmaker match --text`) answers in about a second. Used for the bundled default
model only; a test checks that both give the same vectors.

`OnnxMiniLM`: a BERT folder exported once to ONNX (optionally int8) and run by ONNX Runtime,
for bulk embedding (MATCHMAKER_EMBED_RUNTIME; figures in benchmarks/embedding.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class NumpyMiniLM:
    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        # dense weights stored transposed and contiguous: x @ W is one BLAS call (x @ W.T on a 3-d x is not)
        self.w = {k: (np.ascontiguousarray(v.T) if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k else v)
                  for k, v in load_file(str(folder / "model.safetensors")).items() if v.dtype == np.float32}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        out = [self._batch(texts[i:i + batch]) for i in range(0, len(texts), batch)]
        return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        w = self.w
        n, t = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        d = x.shape[-1]
        hd = d // self.heads
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(h: np.ndarray, name: str, p=p) -> np.ndarray:
                flat = h.reshape(-1, h.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return flat.reshape(*h.shape[:-1], -1)
            q, k, v = (lin(x, f"attention.self.{m}").reshape(n, t, self.heads, hd).transpose(0, 2, 1, 3)
                       for m in ("query", "key", "value"))
            att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            x = _layer_norm(lin(ctx, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], self.eps)
            h = _gelu(lin(x, "intermediate.dense"))
            x = _layer_norm(lin(h, "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


# -- ONNX Runtime ---------------------------------------------------------------------------
# The same model exported once with torch.onnx into the cache folder (never downloaded),
# its attention, GELU and layer norms fused by onnxruntime's BERT optimizer; "onnx-int8"
# then quantises the weights of the attention and first feed-forward matrices to int8 per
# output channel. The second feed-forward matrix stays float: its input (after GELU) has
# outlier activations that per-tensor int8 maps badly (cosine to the float vectors 0.945
# with it quantised, 0.996 without, on realistic texts: benchmarks/embedding.py).

RUNTIMES = ("torch", "onnx", "onnx-int8")


def _exported(folder: Path, cache_dir: Path, int8: bool) -> Path:
    """The ONNX file for a sentence-transformers BERT folder, exported on first use."""
    weights = folder / "model.safetensors"
    stat = weights.stat()
    key = hashlib.sha1(f"{folder.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    stem = cache_dir / "onnx" / f"{folder.parent.name}-{folder.name}-{key}"
    target = stem.with_name(stem.name + ("-int8.onnx" if int8 else "-f32.onnx"))
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fused = stem.with_name(stem.name + "-f32.onnx")  # the float export, when there, is the int8 one's start
        if not fused.exists():
            fused = Path(tmp) / "fused.onnx"
            _export_fused(folder, Path(tmp) / "raw.onnx", fused)
        result = fused
        if int8:
            result = Path(tmp) / "int8.onnx"
            _quantise(fused, result)
        os.replace(result, target)  # atomic: a concurrent process sees the whole file or none
    return target


def _export_fused(folder: Path, raw: Path, fused: Path) -> None:
    import warnings

    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    pooling = folder / "1_Pooling" / "config.json"
    if config.get("model_type") != "bert" or (pooling.exists() and
                                               not json.loads(pooling.read_text())["pooling_mode_mean_tokens"]):
        raise ValueError("the ONNX runtime takes BERT models with mean pooling only")

    class Pooled(torch.nn.Module):
        """BERT, mean pooling over the real tokens and unit length, as sentence-transformers does."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, dim=1)

    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
    # eager attention: the pattern the optimizer fuses into one Attention node
    model = Pooled(AutoModel.from_pretrained(str(folder), attn_implementation="eager")).eval()
    example = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in range(3))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, str(raw), dynamo=False, input_names=names, output_names=["embedding"],
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}},
                          opset_version=17)
    optimize_model(str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]),
                   hidden_size=int(config["hidden_size"])).save_model_to_file(str(fused))


def _quantise(fused: Path, out: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    graph = onnx.load(str(fused), load_external_data=False).graph
    second_ffn = [n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name and "attention" not in n.name]
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" advice on the root logger
    try:
        quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=second_ffn,
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logging.getLogger().setLevel(level)


class OnnxMiniLM:
    """A sentence-transformers BERT folder run by ONNX Runtime (no torch once exported)."""

    def __init__(self, folder: Path, cache_dir: Path, int8: bool = False, batch: int = 16, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer
        self.path = _exported(folder, cache_dir, int8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: one per core
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        bert = folder / "sentence_bert_config.json"
        limit = json.loads(bert.read_text())["max_seq_length"] if bert.exists() else MAX_TOKENS
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(limit))
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.batch = batch

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 0), dtype=np.float32)
        # longest first, as sentence-transformers does: each batch pads to about its own length
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.batch):
            rows = order[start:start + self.batch]
            enc = self.tokenizer.encode_batch([texts[i] for i in rows])
            feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
            vectors = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out
