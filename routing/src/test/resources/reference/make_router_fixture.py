#!/usr/bin/env python3
"""Writes router-fixture.json: decisions of the PyTorch reference's router (MODEL.md) for small cases, in
float64, which TorchReferenceAgreementTest replays through the Java routers.

Usage: make_router_fixture.py PATH/TO/torch_reference.py OUT.json   (needs torch)
"""
import importlib.util, json, sys

import torch

spec = importlib.util.spec_from_file_location("torch_reference", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

N, D, E, V = 40, 16, 8, 64
CASES = [("topk", 2, False), ("topk", 2, True), ("switch", 1, False), ("sigmoid", 2, False),
         ("cosine", 2, True), ("grap", 1, False), ("hash", 1, False)]
PREFIX = "model.layers.0.block_sparse_moe."
out = []
for n, (router, k, normalize) in enumerate(CASES):
    cfg = dict(vocab_size=V, hidden_size=D, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8,
               num_experts=E, num_experts_per_tok=k, router=router, normalize=normalize,
               router_aux_loss_coef=0.01, router_z_loss_coef=0.001, seed=100 + n, capacity_factor=1.0)
    m = ref.Model(cfg)
    with torch.no_grad():
        for p in m.params:
            p.data = p.data.double()
        for name in list(m.fixed):
            m.fixed[name] = m.fixed[name].double()
        if router == "sigmoid":   # a non-zero selection bias, so that selection and weights differ
            m.fixed[PREFIX + "gate.e_score_correction_bias"] += torch.linspace(-0.05, 0.05, E, dtype=torch.float64)
    g = torch.Generator().manual_seed(7 + n)
    x = torch.randn(N, D, generator=g, dtype=torch.float64)
    x[0] = 0.0                    # all scores equal: ties toward the lower index
    ids = torch.randint(0, V, (N,), generator=g)
    with torch.no_grad():
        idx, w, aux = m.route(0, x, ids)
        drops = {}
        for policy in ("position", "score"):
            m.cfg["drop_policy"] = policy
            m.moe(0, x, ids)
            drops[policy] = dict(load=[int(v) for v in m.stats[0]["load"]], dropped=int(m.stats[0]["dropped"]),
                                 capacity=int(m.stats[0]["capacity"]))
    tensors = {name[len(PREFIX):]: t.detach().reshape(-1).tolist()
               for name, t in {**m.w, **m.fixed}.items() if name.startswith(PREFIX + "gate.")}
    out.append(dict(router=router, k=k, normalize=normalize, tensors=tensors, x=x.reshape(-1).tolist(),
                    ids=ids.tolist(), expert_ids=idx.reshape(-1).tolist(), weights=w.reshape(-1).tolist(),
                    aux=float(aux), drops=drops))
json.dump(dict(tokens=N, hidden=D, experts=E, vocab=V, cases=out), open(sys.argv[2], "w"))
