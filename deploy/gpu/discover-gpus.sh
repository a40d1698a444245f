#!/usr/bin/env bash
# Spark GPU resource discovery script (spark.{driver,executor,worker}.resource.gpu.discoveryScript).
# Prints the GPUs this container or host can use as Spark expects them:
#   {"name": "gpu", "addresses": ["0", "1"]}
# Reads `nvidia-smi --query-gpu=index`; honours CUDA_VISIBLE_DEVICES when it restricts the devices.
# With no nvidia-smi or no GPU it prints an empty address list (Spark then schedules no GPU task here).
set -euo pipefail

addresses=()
if command -v nvidia-smi > /dev/null 2>&1; then
  while read -r index; do
    index="${index//[[:space:]]/}"
    [[ "$index" =~ ^[0-9]+$ ]] && addresses+=("$index")
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2> /dev/null || true)
fi
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ] && [ "${#addresses[@]}" -gt 0 ]; then
  visible=()
  IFS=',' read -ra wanted <<< "$CUDA_VISIBLE_DEVICES"
  for w in "${wanted[@]}"; do
    for a in "${addresses[@]}"; do [ "$a" = "$w" ] && visible+=("$a"); done
  done
  addresses=("${visible[@]+"${visible[@]}"}")
fi
json=""
for a in "${addresses[@]+"${addresses[@]}"}"; do json+="${json:+, }\"$a\""; done
echo "{\"name\": \"gpu\", \"addresses\": [$json]}"
