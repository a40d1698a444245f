#!/usr/bin/env python3
"""Logits of one token sequence from a model directory loaded by Hugging Face transformers (AutoModelForCausalLM,
float32, CPU), printed as the JSON of torch_reference.py logits and `sparkmoe score`:
{"tokens": [...], "logits": [[V floats] per token]}. For checking an export in the mixtral, qwen2-moe or llama
layout against the family's own implementation:

  bin/sparkmoe export --model runs/tiny/model --out runs/tiny/hf
  python3 deploy/tools/hf-logits.py --model runs/tiny/hf --tokens 1,2,3 --out hf.json
  bin/sparkmoe score --model runs/tiny/model --tokens 1,2,3 --out ours.json

Needs torch and transformers (not in Debian's packages: a virtualenv with both).
"""
import argparse
import json
import sys

import torch
from transformers import AutoModelForCausalLM


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    ids = torch.tensor([[int(t) for t in args.tokens.split(",")]])
    with torch.no_grad():
        logits = model(ids).logits[0]
    out = json.dumps({"tokens": ids[0].tolist(), "logits": logits.tolist()})
    if args.out:
        with open(args.out, "w") as f:
            f.write(out)
    else:
        print(out)


if __name__ == "__main__":
    sys.exit(main())
