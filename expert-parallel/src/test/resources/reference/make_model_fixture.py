#!/usr/bin/env python3
"""Writes model-fixture.json: small models built by the PyTorch reference (MODEL.md), in float64, with their tensors by
name, token ids, logits, aux losses and training loss, and the losses and learned tensors after two AdamW training
steps (reference train_step: clipping, warm-up schedule, sigmoid bias update), which TorchReferenceLogitsTest replays through MoeTransformer.

Usage: make_model_fixture.py PATH/TO/torch_reference.py OUT.json   (needs torch)

The reference builds its RoPE tables in float32 whatever the weights' type; here they are built in float64 (same
formula) so that the comparison can be made to 1e-9 rather than to float32 round-off.
"""
import importlib.util, json, math, sys

import torch
import torch.nn.functional as F

spec = importlib.util.spec_from_file_location("torch_reference", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def rope_tables64(T, hd, theta):
    inv = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    ang = torch.outer(torch.arange(T, dtype=torch.float64), inv)
    ang = torch.cat([ang, ang], dim=-1)
    return ang.cos(), ang.sin()


ref.rope_tables = rope_tables64

BASE = dict(vocab_size=17, hidden_size=8, num_attention_heads=2, intermediate_size=6, dense_intermediate_size=10,
            num_experts=4, router_aux_loss_coef=0.01, router_z_loss_coef=0.001, capacity_factor=0.0)
CASES = [dict(router="topk", num_experts_per_tok=2, normalize=True, num_hidden_layers=2, n_shared_experts=1,
              shared_gate=True),
         dict(router="sigmoid", num_experts_per_tok=2, num_hidden_layers=3, first_dense_layers=1,
              tie_word_embeddings=True),
         dict(router="switch", num_experts_per_tok=1, num_hidden_layers=2, moe_every=2, n_shared_experts=2),
         dict(router="cosine", num_experts_per_tok=2, normalize=True, num_hidden_layers=2),
         dict(router="hash", num_experts_per_tok=1, num_hidden_layers=2, tie_word_embeddings=True)]
IDS = [[3, 14, 15, 9, 2, 6, 5, 3], [16, 0, 7, 7, 1, 12, 8, 4]]
out = []
for n, case in enumerate(CASES):
    cfg = {**BASE, **case, "seed": 200 + n}
    m = ref.Model(cfg)
    with torch.no_grad():
        for p in m.params:
            p.data = p.data.double() * 10      # larger weights than the 0.02 init: every nonlinearity matters
        for name in list(m.fixed):
            m.fixed[name] = m.fixed[name].double()
            if name.endswith("e_score_correction_bias"):   # a non-zero selection bias
                m.fixed[name] += torch.linspace(-0.05, 0.05, cfg["num_experts"], dtype=torch.float64)
        for name, p in m.w.items():
            if name.endswith("log_temperature"):
                p.data = torch.tensor(math.log(0.07), dtype=torch.float64)
            elif name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                p.data = 1 + 0.1 * torch.randn(p.shape, generator=torch.Generator().manual_seed(n), dtype=torch.float64)
        ids = torch.tensor(IDS)
        logits, aux = m(ids)
        train_logits, train_aux = m(ids[:, :-1])
        loss = F.cross_entropy(train_logits.reshape(-1, cfg["vocab_size"]), ids[:, 1:].reshape(-1)) + train_aux
    tensors = {name: t.detach().reshape(-1).tolist() for name, t in m.state().items()}
    opt = ref.make_optimizer(m)
    steps = [ref.train_step(m, opt, ids, step) for step in range(2)]
    trained = {name: t.detach().reshape(-1).tolist() for name, t in m.w.items()}
    out.append(dict(config=m.cfg, tensors=tensors, ids=IDS, logits=logits.reshape(-1).tolist(), aux=float(aux),
                    loss=float(loss), step_losses=[s[0] for s in steps], step_norms=[s[1] for s in steps],
                    trained=trained))
json.dump(dict(cases=out), open(sys.argv[2], "w"))
