#!/usr/bin/env bash
# Finds (or installs) a Python 3 that can import the given modules and prints its path.
#
#   deploy/tools/python-env.sh torch numpy          # prints e.g. /usr/bin/python3
#
# Order: $SPARKMOE_PYTHON if set (e.g. a virtualenv with a newer torch), then Debian's /usr/bin/python3, then
# `python3` on the PATH. When none imports everything and this runs as root with apt-get, the Debian packages
# for the missing modules are installed into /usr/bin/python3 (python3-torch, python3-pandas, …) and it is
# tried again. Exit 3 with the reason on stderr when no such Python can be had: tests skip with that message.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 MODULE..." >&2; exit 2; }

imports() {  # PYTHON MODULE...
  local py=$1; shift
  [ -x "$(command -v "$py" 2>/dev/null)" ] || return 1
  "$py" -c "import importlib, sys
for m in sys.argv[1:]: importlib.import_module(m)" "$@" > /dev/null 2>&1
}

candidates=()
[ -n "${SPARKMOE_PYTHON:-}" ] && candidates+=("$SPARKMOE_PYTHON")
candidates+=(/usr/bin/python3 python3)
for py in "${candidates[@]}"; do
  if imports "$py" "$@"; then command -v "$py"; exit 0; fi
done

package() {
  case "$1" in
    nbconvert) echo "jupyter-nbconvert python3-nbconvert" ;;
    ipykernel) echo "python3-ipykernel" ;;
    *) echo "python3-$1" ;;
  esac
}
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null 2>&1; then
  echo "no Python 3 imports: $* (not root or no apt-get, so the Debian packages cannot be installed;" \
       "set SPARKMOE_PYTHON to a Python that has them)" >&2
  exit 3
fi
pkgs=()
for m in "$@"; do
  /usr/bin/python3 -c "import $m" > /dev/null 2>&1 || pkgs+=($(package "$m"))
done
echo "installing Debian packages: ${pkgs[*]}" >&2
# One install at a time: concurrent tests wait for the dpkg lock instead of failing.
if ! (flock 9; { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 "${pkgs[@]}"; } > /dev/null 2>&1) 9> /tmp/.sparkmoe-apt.lock; then
  echo "could not install ${pkgs[*]} from Debian's packages" >&2
  exit 3
fi
if imports /usr/bin/python3 "$@"; then echo /usr/bin/python3; exit 0; fi
echo "installed ${pkgs[*]}, but /usr/bin/python3 still cannot import: $*" >&2
exit 3
