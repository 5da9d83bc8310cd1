"""Embedding speed and quality by runtime (a script, not a test): prints tables, asserts nothing.

    .venv/bin/python benchmarks/embedding.py [--texts 2000] [--repeats 3] [--quality]

Texts are what the matcher embeds: `features.enriched_text` (title, description, concept names,
EWC title) of streams recombined from the demo's and the benchmark's real texts, exactly as
benchmarks/scale.py builds them (its `corpus`, seed 7).

1. Token lengths under the model's tokenizer (max_seq_length 256): how many texts a shorter
   limit would cut.
2. Texts per second of each variant on the same texts in the same run, the variants taking
   turns round by round (the 2 cores are shared, so only same-run ratios mean much), median of
   --repeats rounds; and the cosine of each variant's vectors to the float vectors (mean, min).
3. --quality: the real benchmark (data/benchmark, `matchmaker eval`'s cross-validated table) with
   the float runtime and each ONNX runtime: recall@10 and MRR of the raw embedding and of the
   hybrid per direction and language pairing, the deltas, and the guard's figure
   (`matchmaker fit`: mean out-of-fold MRR over the cells) against the one models/match_weights.json
   records.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import corpus  # noqa: E402

from matchmaker.matching.concepts import default_vocabulary  # noqa: E402
from matchmaker.matching.embedding import SentenceEmbedder  # noqa: E402
from matchmaker.matching.features import enriched_text  # noqa: E402

STREAMS_AT_SCALE = 100_000


def realistic_texts(n: int) -> list[str]:
    _, streams, _ = corpus(n, seed=7)
    vocab = default_vocabulary()
    return [enriched_text(s, vocab.labels(vocab.tag(s.text, s.ewc))) for s in streams]


def token_lengths(texts: list[str], folder: Path) -> np.ndarray:
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return np.array([len(e.ids) for e in tok.encode_batch(texts)])


def variants() -> dict:
    """name -> a function embedding a list of texts (everything loaded and warmed up beforehand)."""
    import torch
    float_st = SentenceEmbedder(runtime="torch")
    model = float_st.model
    short = SentenceEmbedder(runtime="torch")
    short.model.max_seq_length = 128
    int8_st = SentenceEmbedder(runtime="torch")
    torch.ao.quantization.quantize_dynamic(int8_st.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    onnx = {b: SentenceEmbedder(runtime="onnx", batch_size=b) for b in (16,)}
    onnx8 = {b: SentenceEmbedder(runtime="onnx-int8", batch_size=b) for b in (16, 64)}

    def st(m, batch):
        return lambda texts: m.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
    out = {
        "torch float, batch 64 (before)": st(model, 64),
        "torch float, batch 16": st(model, 16),
        "torch float, batch 16, max 128 tokens": st(short.model, 16),
        "torch dynamic int8 (all Linear), batch 16": st(int8_st.model, 16),
        **{f"onnx float, batch {b}": e.encode for b, e in onnx.items()},
        **{f"onnx int8, batch {b}": e.encode for b, e in onnx8.items()},
    }
    for f in out.values():  # load, export on first use, warm up
        f(["warm up", "kaffegrums fra caféer"] * 16)
    return out


def speed(texts: list[str], repeats: int) -> list[dict]:
    runs = variants()
    times: dict[str, list[float]] = {k: [] for k in runs}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for name, f in runs.items():
            start = time.perf_counter()
            vectors[name] = np.asarray(f(texts), dtype=np.float32)
            times[name].append(time.perf_counter() - start)
    ref = vectors["torch float, batch 64 (before)"]
    base = statistics.median(times["torch float, batch 64 (before)"])
    rows = []
    for name in runs:
        t = statistics.median(times[name])
        cos = (vectors[name] * ref).sum(1)
        rows.append({"variant": name, "texts_per_s": len(texts) / t, "speedup": base / t,
                     "at_100k_s": t / len(texts) * STREAMS_AT_SCALE, "cos_mean": float(cos.mean()), "cos_min": float(cos.min())})
    return rows


def quality(runtimes: list[str]) -> None:
    import tempfile

    from matchmaker.matching import evaluation, fitting
    from matchmaker.matching.benchmark import BENCHMARK_DIR
    from matchmaker.matching.embedding import CachedEmbedder
    from matchmaker.matching.weights import WEIGHTS_FILE, MatchWeights
    keep = ("embedding (raw text)", "semantic", "hybrid (fitted, CV)")
    results, guard, shipped = {}, {}, {}
    weights = MatchWeights.load(WEIGHTS_FILE)
    with tempfile.TemporaryDirectory() as cache:
        for runtime in runtimes:
            embedder = CachedEmbedder(SentenceEmbedder(runtime=runtime), Path(cache))
            rows = evaluation.run(BENCHMARK_DIR, embedder)["rows"]
            results[runtime] = {(r["method"], r["direction"], r["pairing"]): r for r in rows if r["method"] in keep}
            guard[runtime] = fitting.recorded_score_reproduces(weights, embedder)[1]
            shipped[runtime] = fitting.score_fixed(evaluation.all_queries(BENCHMARK_DIR, embedder, None)[0], weights)
    base = results[runtimes[0]]
    print(f"\nreal benchmark (data/benchmark), {runtimes[0]} against " + ", ".join(runtimes[1:]) + " (delta = variant - float)")
    head = f"{'method':<22}{'direction':<13}{'pairing':<16}{'n':>4}{'R@10':>7}{'MRR':>7}"
    print(head + "".join(f"{'dR@10 ' + r[5:]:>14}{'dMRR ' + r[5:]:>13}" for r in runtimes[1:]))
    worst = {r: 0.0 for r in runtimes[1:]}
    for key, row in base.items():
        line = f"{key[0]:<22}{key[1]:<13}{key[2]:<16}{row['n']:>4}{row['recall@10']:>7.3f}{row['mrr']:>7.3f}"
        for r in runtimes[1:]:
            other = results[r][key]
            d_mrr = other["mrr"] - row["mrr"]
            worst[r] = min(worst[r], d_mrr)
            line += f"{other['recall@10'] - row['recall@10']:>+14.3f}{d_mrr:>+13.3f}"
        print(line)
    recorded = weights.record["cv_score"]["fitted"]
    print(f"\nguard figure (mean out-of-fold MRR over cells; recorded {recorded:.4f} with {weights.record['data']['model']}):")
    for r in runtimes:
        print(f"  {r:<10} {guard[r]:.4f}  ({guard[r] - recorded:+.4f} to the record); "
              f"the shipped weights as they are: {shipped[r]:.4f} ({shipped[r] - shipped[runtimes[0]]:+.4f} to {runtimes[0]})")
    for r in runtimes[1:]:
        print(f"  worst per-cell MRR delta, {r}: {worst[r]:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quality", action="store_true", help="also the real benchmark per runtime (a few minutes)")
    args = parser.parse_args()
    texts = realistic_texts(args.texts)
    lengths = token_lengths(texts, Path(SentenceEmbedder(runtime="torch").path))
    print(f"{len(texts)} enriched texts, tokens: mean {lengths.mean():.0f}, median {np.median(lengths):.0f}, "
          f"p90 {np.percentile(lengths, 90):.0f}, p99 {np.percentile(lengths, 99):.0f}, max {lengths.max()}; "
          + ", ".join(f"over {c}: {(lengths > c).mean():.1%}" for c in (64, 128, 256)))
    import torch
    print(f"torch threads {torch.get_num_threads()}, repeats {args.repeats} (median), variants taking turns\n")
    print(f"{'variant':<44}{'texts/s':>9}{'x before':>10}{'s at 100k':>11}{'cos mean':>10}{'cos min':>9}")
    for r in speed(texts, args.repeats):
        print(f"{r['variant']:<44}{r['texts_per_s']:>9.1f}{r['speedup']:>10.2f}{r['at_100k_s']:>11.0f}"
              f"{r['cos_mean']:>10.4f}{r['cos_min']:>9.4f}")
    if args.quality:
        quality(["torch", "onnx", "onnx-int8"])


if __name__ == "__main__":
    main()
