"""Synthetic run directories in the documented formats, for the loader tests and for executing the notebooks on
the parts whose training modes do not exist yet (expert-parallel locality runs, decentralized ensembles).

    python3 synthetic_runs.py OUT      # writes OUT/runs/{locality-*,decentralized} and OUT/data/clusters

Every number follows from a fixed seed and a simple story (locality-aware routing sends fewer bytes to other
nodes; each expert is best on its own cluster), so the rendered plots can be checked by eye. Nothing here is a
result.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np

LAYERS = 2
EXPERTS = 8
RANKS = 4
RANKS_PER_NODE = 2
STEPS = 40
LOG_EVERY = 5
EVAL_EVERY = 10
TOKENS_PER_STEP = 1024
HIDDEN = 64
#: (router, share of a token's expert pairs that stay on its rank, on its node, go to another node)
LOCALITY_ROUTERS = (("topk", 0.25, 0.25, 0.50), ("switch", 0.25, 0.25, 0.50), ("grap", 0.45, 0.35, 0.20))
CLUSTERS = 4
CLUSTER_TERMS = (("the", "and", "of", "commission", "member", "states"),
                 ("der", "die", "und", "kommission", "mitgliedstaaten", "rat"),
                 ("de", "la", "que", "comisión", "estados", "miembros"),
                 ("il", "di", "che", "commissione", "stati", "membri"))


def render_config(values):
    """``values`` (nested dicts) as ``ResolvedConfig.render()`` writes HOCON: a header comment, nested objects
    with braces, a comment line before each key, ``key=value`` with JSON-quoted strings, lists on many lines."""
    lines = ["# SparkMoE configuration, fully resolved: every key with its value (null = unset)."]

    def literal(v, indent):
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            pad = " " * (indent + 4)
            return "[\n" + ",\n".join(pad + literal(x, indent + 4) for x in v) + "\n" + " " * indent + "]"
        return repr(v)

    def obj(d, indent):
        pad = " " * indent
        for k in sorted(d):
            v = d[k]
            if isinstance(v, dict):
                lines.append(f"{pad}{k} {{" if v else f"{pad}{k} {{}}")
                if v:
                    obj(v, indent + 4)
                    lines.append(f"{pad}}}")
            else:
                lines.append(f"{pad}# the {k} setting")
                lines.append(f"{pad}{k}={literal(v, indent)}")

    obj(values, 0)
    return "\n".join(lines) + "\n"


def config(name, router, data_output, ranks=RANKS, top_k=2):
    return {
        "cluster": {"ranks": ranks, "ranks-per-node": RANKS_PER_NODE, "spark": {}},
        "data": {"output": data_output, "tokenizer": {"special-tokens": ["<|endoftext|>", "<|pad|>"]}},
        "model": {"hidden-size": HIDDEN, "layers": LAYERS, "moe": {"experts": EXPERTS}},
        "routing": {"router": router, "top-k": 1 if router == "switch" else top_k},
        "run": {"dir": "runs", "name": name, "seed": 1234},
        "train": {"steps": STEPS, "log-every": LOG_EVERY, "eval-every": EVAL_EVERY},
    }


class Writer:
    """metrics.jsonl lines with ``event``, ``step``, ``time`` first, as ``MetricsWriter`` writes them."""

    def __init__(self, path):
        self.out = open(path, "w", encoding="utf-8")

    def write(self, event, step, time, **fields):
        self.out.write(json.dumps({"event": event, "step": step, "time": round(time, 6), **fields}) + "\n")

    def close(self):
        self.out.close()


def training_events(w, rng, router, share, step_s, ranks):
    """step / routing / eval / traffic events of an expert-parallel run; returns nothing."""
    same_rank, same_node, remote = share
    k = 1 if router == "switch" else 2
    t = 0.0
    for step in range(1, STEPS + 1):
        phases = {"data": 0.001, "attention": 0.2 * step_s, "route": 0.05 * step_s,
                  "dispatch": step_s * (0.05 + 0.3 * remote), "experts": 0.3 * step_s,
                  "combine": step_s * (0.05 + 0.3 * remote), "optimizer": 0.1 * step_s}
        phases = {p: s * float(1 + 0.1 * rng.random()) for p, s in phases.items()}
        t += sum(phases.values())
        loss = 6.0 * math.exp(-step / 60) + 0.6 + 0.05 * rng.random() + (0.05 if router == "grap" else 0)
        w.write("step", step, t, loss=loss, aux_loss=0.01 + 0.002 * rng.random(),
                lr=min(1.0, step / 5) * 3e-3, grad_norm=1 + rng.random(), tokens=step * TOKENS_PER_STEP,
                tokens_per_s=TOKENS_PER_STEP / sum(phases.values()), timing=phases)
        if step % LOG_EVERY == 0:
            for layer in range(LAYERS):
                skew = np.linspace(1.6, 0.4, EXPERTS) ** (3 / (1 + step / 10))  # balances as training goes on
                load = rng.multinomial(TOKENS_PER_STEP * k, skew / skew.sum())
                p = load / load.sum()
                w.write("routing", step, t, layer=layer, load=[int(x) for x in load], dropped=int(step < 15) * 7,
                        entropy=float(-(p[p > 0] * np.log(p[p > 0])).sum()), max_over_mean=float(p.max() * EXPERTS),
                        share={"same_rank": same_rank, "same_node": same_node, "remote": remote})
                for rank in range(ranks):
                    pairs = TOKENS_PER_STEP * k * LOG_EVERY / ranks
                    row = 2 * 2 * HIDDEN * 4  # dispatch and combine, fp32 rows
                    w.write("traffic", step, t, rank=rank, layer=layer,
                            bytes={"same_rank": int(pairs * same_rank * row), "same_node": int(pairs * same_node * row),
                                   "remote": int(pairs * remote * row * (1 + 0.05 * rng.random()))})
        if step % EVAL_EVERY == 0:
            val = loss + 0.1
            w.write("eval", step, t, val_loss=val, val_ppl=math.exp(val))


def write_locality_runs(out, rng, data_output):
    for router, *share in LOCALITY_ROUTERS:
        d = out / f"locality-{router}"
        d.mkdir(parents=True)
        (d / "config.conf").write_text(render_config(config(d.name, router, data_output)), encoding="utf-8")
        (d / "placement.json").write_text(json.dumps({"ranks": RANKS, "ranks_per_node": RANKS_PER_NODE,
                                                      "experts": {str(e): e % RANKS for e in range(EXPERTS)}}))
        w = Writer(d / "metrics.jsonl")
        training_events(w, rng, router, share, step_s=0.5, ranks=RANKS)
        w.close()


def write_decentralized_run(out, rng, data_output):
    """Experts trained alone on their clusters, then evaluated: expert × cluster perplexity, router accuracy,
    top-1 / top-2 / all against the dense model at equal compute."""
    d = out / "decentralized"
    d.mkdir(parents=True)
    (d / "config.conf").write_text(render_config(config(d.name, "topk", data_output, ranks=1)), encoding="utf-8")
    w = Writer(d / "metrics.jsonl")
    t = 100.0
    for expert in range(CLUSTERS):
        for cluster in range(CLUSTERS):
            ppl = (40 if expert == cluster else 160) * (1 + 0.2 * rng.random())
            w.write("ensemble", STEPS, t, kind="expert_cluster", expert=expert, cluster=cluster,
                    val_loss=math.log(ppl), val_ppl=ppl, tokens=4096)
    for router, accuracy in (("centroid", 0.82), ("learned", 0.9)):
        w.write("ensemble", STEPS, t, kind="router", router=router, accuracy=accuracy, sequences=512)
        for mode, ppl in (("top-1", 58.0), ("top-2", 52.0), ("all", 55.0)):
            ppl *= 1.05 if router == "centroid" else 1.0
            w.write("ensemble", STEPS, t, kind="combination", router=router, mode=mode,
                    val_loss=math.log(ppl), val_ppl=ppl)
    w.write("ensemble", STEPS, t, kind="combination", router=None, mode="dense", val_loss=math.log(61.0),
            val_ppl=61.0)
    w.write("ensemble", STEPS, t, kind="combination", router=None, mode="moe", val_loss=math.log(54.0),
            val_ppl=54.0)
    w.close()


def write_cluster_report(data):
    """``clusters/report.json`` as ``ClusterSummary.json`` writes it."""
    clusters = data / "clusters"
    clusters.mkdir(parents=True)
    sizes = [120, 95, 80, 60]
    (clusters / "report.json").write_text(json.dumps({
        "clusters": CLUSTERS, "fine_clusters": None, "max_size": None, "sizes": sizes,
        "top_terms": [list(t) for t in CLUSTER_TERMS]}, indent=2) + "\n", encoding="utf-8")


def write_all(out, seed=7):
    """The full synthetic set under ``out``: ``runs/`` (three locality runs, one decentralized) and ``data/``."""
    out = Path(out)
    rng = np.random.default_rng(seed)
    data = out / "data"
    write_cluster_report(data)
    runs = out / "runs"
    write_locality_runs(runs, rng, data.resolve().as_uri())
    write_decentralized_run(runs, rng, data.resolve().as_uri())
    return runs


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: synthetic_runs.py OUT")
    print(write_all(sys.argv[1]))
