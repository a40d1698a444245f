"""Encodes texts with the Hugging Face `tokenizers` library, for TokenizerJsonTest.

Usage: hf_encode.py TOKENIZER_JSON TEXTS_JSON OUT_JSON
TEXTS_JSON is a JSON list of strings; OUT_JSON receives a JSON list of id lists.
"""
import json
import sys

from tokenizers import Tokenizer

tokenizer = Tokenizer.from_file(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as f:
    texts = json.load(f)
ids = [tokenizer.encode(t, add_special_tokens=False).ids for t in texts]
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump(ids, f)
