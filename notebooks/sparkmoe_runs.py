"""Loading SparkMoE run directories into pandas for the analysis notebooks.

A run directory (DESIGN.md, "Run directory") holds ``config.conf`` (the fully resolved HOCON configuration),
``metrics.jsonl`` (one JSON event per line: ``event``, ``step``, ``time`` and the event's fields) and, for
expert-parallel runs, ``placement.json``. This module finds run directories under the paths it is given, parses
what ``ResolvedConfig.render()`` writes, turns each event type into a DataFrame (nested fields flattened with
dots: ``timing.forward``, ``bytes.remote``), and reads benchmark JSON and the document-cluster report of
``prepare``. It needs only pandas (and numpy, which pandas brings); plotting stays in the notebooks.

Paths may be ``hdfs://`` (or any Hadoop URI): those are copied to a local cache with ``hdfs dfs -get`` first,
which needs a Hadoop client on the PATH (notebooks/README.md).
"""

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

METRICS = "metrics.jsonl"
CONFIG = "config.conf"
PLACEMENT = "placement.json"
CLUSTER_REPORT = "report.json"
#: The model's own step phases (MoeTransformer's StepClock); together they make up forward + backward.
MODEL_PHASES = ("attention", "route", "dispatch", "experts", "combine", "dense", "other")
TRAFFIC_CLASSES = ("same_rank", "same_node", "remote")
#: Columns that identify one record of an event, so that steps logged again after a resume replace the old ones.
EVENT_KEYS = {
    "step": ("step",),
    "eval": ("step",),
    "routing": ("step", "layer"),
    "traffic": ("step", "rank", "layer"),
}
REMOTE_SCHEMES = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


class RunFormatError(ValueError):
    """A file of a run directory is not in the documented format; the message names the file and line."""


# ----------------------------------------------------------------------------------------------------------------
# Finding runs


def run_paths_from_env(default, variable="SPARKMOE_RUNS"):
    """The run paths a notebook analyses: ``$SPARKMOE_RUNS`` or ``default``. The variable holds one path per line
    (as ``run-all.sh`` sets it) or, on one line, paths separated by spaces; never by ``:``, which URIs contain.
    The environment lets ``run-all.sh`` and a user's shell point the same notebook elsewhere."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return [default] if isinstance(default, (str, Path)) else list(default)
    parts = value.split("\n") if "\n" in value else value.split()
    return [p.strip() for p in parts if p.strip()]


def localize(path, cache=None):
    """A local :class:`Path` for ``path``: local paths and ``file:`` URIs as they are; other URIs are copied once
    into ``cache`` (default ``$SPARKMOE_RUN_CACHE`` or ``~/.cache/sparkmoe-runs``) and that copy is returned:
    ``webhdfs://namenode:9870/runs/x`` over HTTP with the standard library (WebHDFS REST API), any other scheme
    (``hdfs://nn:8020/runs/x``) with ``hdfs dfs -get``. Later calls reuse the copy (delete it from the cache to
    fetch a run again, e.g. one still training)."""
    text = str(path)
    if text.startswith("file://"):
        return Path(text[len("file://"):])
    if text.startswith("file:"):
        return Path(text[len("file:"):])
    if not REMOTE_SCHEMES.match(text):
        return Path(text)
    cache = Path(cache or os.environ.get("SPARKMOE_RUN_CACHE") or Path.home() / ".cache" / "sparkmoe-runs")
    target = cache / hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] / Path(text.rstrip("/")).name
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / ("." + target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        if text.lower().startswith("webhdfs://"):
            _webhdfs_get(text, partial)
        else:
            _hdfs_get(text, partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(target)  # complete or not at all: a failed copy never looks like a run
    return target


def _hdfs_get(uri, local):
    hdfs = shutil.which("hdfs")
    if hdfs is None:
        raise RunFormatError(
            f"cannot read {uri}: no 'hdfs' command on the PATH. Install a Hadoop client (and set HADOOP_CONF_DIR), "
            f"use webhdfs://<namenode>:9870/<path>, or copy the run first: hdfs dfs -get {uri} ./runs/ "
            f"(notebooks/README.md)")
    done = subprocess.run([hdfs, "dfs", "-get", uri, str(local)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RunFormatError(f"hdfs dfs -get {uri} failed (exit {done.returncode}): {done.stderr.strip()}")


def _webhdfs_get(uri, local):
    """Copies a file or directory tree from WebHDFS (``LISTSTATUS``, then ``OPEN`` per file, following the
    name node's redirect to a data node). Simple authentication: ``user.name`` is ``$HADOOP_USER_NAME`` if set;
    clusters with Kerberos need the ``hdfs dfs -get`` route."""
    parsed = urllib.parse.urlsplit(uri)
    base = f"http://{parsed.netloc}/webhdfs/v1"
    user = os.environ.get("HADOOP_USER_NAME")

    def call(path, op):
        query = {"op": op, **({"user.name": user} if user else {})}
        url = base + urllib.parse.quote(path) + "?" + urllib.parse.urlencode(query)
        try:
            return urllib.request.urlopen(url, timeout=60)
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail)["RemoteException"]["message"]
            except (ValueError, KeyError, TypeError):
                pass
            raise RunFormatError(f"WebHDFS {op} {path} on {parsed.netloc}: HTTP {err.code} {detail}") from None
        except urllib.error.URLError as err:
            raise RunFormatError(f"cannot reach WebHDFS for {uri}: {err.reason}") from None

    def copy(path, dest):
        with call(path, "LISTSTATUS") as r:
            statuses = json.load(r)["FileStatuses"]["FileStatus"]
        if len(statuses) == 1 and statuses[0]["pathSuffix"] == "" and statuses[0]["type"] == "FILE":
            with call(path, "OPEN") as r, open(dest, "wb") as out:
                shutil.copyfileobj(r, out)
            return
        dest.mkdir(parents=True)
        for st in statuses:
            child = path.rstrip("/") + "/" + st["pathSuffix"]
            if st["type"] == "DIRECTORY":
                copy(child, dest / st["pathSuffix"])
            else:
                with call(child, "OPEN") as r, open(dest / st["pathSuffix"], "wb") as out:
                    shutil.copyfileobj(r, out)

    copy(parsed.path or "/", Path(local))


def is_run_dir(path):
    return (path / METRICS).is_file()


def find_runs(*paths, cache=None):
    """Every run directory (one that has ``metrics.jsonl``) at or below the given paths, each as a :class:`Run`,
    sorted by path. A path that does not exist raises; one with no runs below it gives none (the notebooks
    say so in a cell output rather than failing)."""
    runs = []
    for p in paths:
        local = localize(p, cache)
        if not local.exists():
            raise FileNotFoundError(f"{p}: no such run directory or folder of runs")
        if is_run_dir(local):
            runs.append(Run(local))
        else:
            runs.extend(Run(m.parent) for m in sorted(local.rglob(METRICS)))
    seen, unique = set(), []
    for r in runs:
        if r.path.resolve() not in seen:
            seen.add(r.path.resolve())
            unique.append(r)
    return unique


# ----------------------------------------------------------------------------------------------------------------
# config.conf (HOCON as Typesafe Config renders it)


def parse_hocon(text, source="config.conf"):
    """Parses the HOCON subset that ``ResolvedConfig.render()`` writes: nested objects (``key { … }`` or
    ``key = { … }``), ``key = value`` / ``key : value`` with quoted or unquoted keys (dotted keys expand into
    objects), values that are JSON literals, unquoted strings or lists (one line or many), and ``#`` / ``//``
    comments. Returns nested dicts; ``null`` becomes ``None``. Substitutions and includes are not supported:
    the rendered file has none."""
    return _Hocon(text, source).document()


class _Hocon:
    _UNQUOTED_STOP = set('$"{}[]:=,+#`^?!@*&\\\n')

    def __init__(self, text, source):
        self.text, self.source, self.i = text, source, 0

    def fail(self, what):
        line = self.text.count("\n", 0, self.i) + 1
        raise RunFormatError(f"{self.source} line {line}: {what}")

    def skip(self, newlines=True):
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t\r" or (newlines and c == "\n") or (c == "," and newlines):
                self.i += 1
            elif c == "#" or self.text.startswith("//", self.i):
                while self.i < len(self.text) and self.text[self.i] != "\n":
                    self.i += 1
            else:
                return

    def peek(self):
        return self.text[self.i] if self.i < len(self.text) else ""

    def document(self):
        self.skip()
        if self.peek() == "{":
            self.i += 1
            out = self.members("}")
        else:
            out = self.members("")
        self.skip()
        if self.i != len(self.text):
            self.fail(f"unexpected {self.peek()!r} after the end of the configuration")
        return out

    def members(self, close):
        out = {}
        while True:
            self.skip()
            c = self.peek()
            if c == close:
                self.i += 1 if close else 0
                return out
            if c == "":
                self.fail(f"missing {close!r}")
            path = self.key()
            self.skip(newlines=False)
            if self.peek() in "=:":
                self.i += 1
                self.skip(newlines=False)
            elif self.peek() != "{":
                self.fail(f"expected '=', ':' or '{{' after key {'.'.join(path)!r}")
            value = self.value()
            target = out
            for part in path[:-1]:
                target = target.setdefault(part, {})
            if isinstance(value, dict) and isinstance(target.get(path[-1]), dict):
                _merge(target[path[-1]], value)
            else:
                target[path[-1]] = value

    def key(self):
        parts, current = [], ""
        while True:
            c = self.peek()
            if c == '"':
                current += self.quoted()
            elif c and c not in " \t\r\n=:{}[],#" and not self.text.startswith("//", self.i):
                if c == ".":
                    parts.append(current)
                    current = ""
                else:
                    current += c
                self.i += 1
            else:
                break
        parts.append(current)
        if not any(parts):
            self.fail(f"expected a key, found {self.peek()!r}")
        return parts

    def quoted(self):
        start = self.i
        self.i += 1
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "\\":
                self.i += 2
            elif c == '"':
                self.i += 1
                return json.loads(self.text[start:self.i])
            else:
                self.i += 1
        self.fail("unterminated string")

    def value(self):
        self.skip()
        c = self.peek()
        if c == "{":
            self.i += 1
            return self.members("}")
        if c == "[":
            self.i += 1
            items = []
            while True:
                self.skip()
                if self.peek() == "]":
                    self.i += 1
                    return items
                if self.peek() == "":
                    self.fail("missing ']'")
                items.append(self.value())
        if c == '"':
            return self.quoted()
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in self._UNQUOTED_STOP \
                and not self.text.startswith("//", self.i) and self.text[self.i] not in "]}":
            self.i += 1
        raw = self.text[start:self.i].strip()
        if not raw:
            self.fail(f"expected a value, found {c!r}")
        return _literal(raw)


def _literal(raw):
    if raw == "null":
        return None
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def _merge(into, other):
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


def flatten(nested, prefix=""):
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists stay values."""
    out = {}
    for k, v in nested.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


# ----------------------------------------------------------------------------------------------------------------
# metrics.jsonl


def read_events(path):
    """The events of a ``metrics.jsonl`` as a list of dicts, in file order. A last line cut short (a run
    still writing or killed mid-line) is ignored; any other line that is not a JSON object with ``event`` and
    ``step`` raises :class:`RunFormatError` naming the file and line."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    events = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
        except json.JSONDecodeError as err:
            if n == len(lines) and not line.endswith("}"):
                break  # the final line is being written
            raise RunFormatError(f"{path} line {n}: not JSON ({err.msg})") from None
        if not isinstance(e, dict) or "event" not in e or "step" not in e:
            raise RunFormatError(f"{path} line {n}: expected an object with 'event' and 'step', got {line[:80]!r}")
        events.append(e)
    return events


def events_frame(events, event):
    """One DataFrame for events named ``event``: nested objects flattened into dotted columns, lists kept as
    cells (e.g. ``load``). A step written again after a resume from a checkpoint replaces the earlier record of
    the same step (and layer / rank), and ``time`` is made monotonic across restarts (``wall`` column)."""
    rows = [flatten({k: v for k, v in e.items() if k != "event"}) for e in events if e["event"] == event]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    keys = [k for k in EVENT_KEYS.get(event, ()) if k in frame.columns]
    if keys:
        frame = frame.drop_duplicates(subset=keys, keep="last")
    frame = frame.sort_values([k for k in ("step", "layer", "rank") if k in frame.columns], kind="stable")
    return frame.reset_index(drop=True)


def wall_clock(events):
    """Seconds since the first start for every event, in file order: ``time`` restarts from 0 when a run
    resumes (a new writer), so each restart's times are shifted to follow the last time seen before it."""
    offset, last, out = 0.0, None, []
    for e in events:
        t = float(e.get("time", math.nan))
        if last is not None and t + offset < last:
            offset = last - t
        last = t + offset
        out.append(last)
    return out


# ----------------------------------------------------------------------------------------------------------------
# One run


class Run:
    """One run directory: its configuration, its events as DataFrames (``run.frame("step")``), and the derived
    columns the notebooks plot. Files are read on first use."""

    def __init__(self, path):
        self.path = Path(path)
        self.name = self.path.name
        self._events = None
        self._config = None
        self._frames = {}

    def __repr__(self):
        return f"Run({str(self.path)!r})"

    @property
    def config(self):
        """The configuration as nested dicts (empty when the run has no ``config.conf``)."""
        if self._config is None:
            f = self.path / CONFIG
            self._config = parse_hocon(f.read_text(encoding="utf-8"), str(f)) if f.is_file() else {}
        return self._config

    def setting(self, dotted, default=None):
        """A configuration value by its key, e.g. ``run.setting("routing.router")``."""
        node = self.config
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def router(self):
        return self.setting("routing.router", "?")

    @property
    def label(self):
        """What a legend shows: the run name and its router."""
        return label(self.name, self.router)

    @property
    def events(self):
        if self._events is None:
            self._events = read_events(self.path / METRICS)
            for e, w in zip(self._events, wall_clock(self._events)):
                e["wall"] = w
        return self._events

    def frame(self, event):
        """The DataFrame of one event type (empty when the run has none)."""
        if event not in self._frames:
            self._frames[event] = events_frame(self.events, event)
        return self._frames[event]

    def has(self, event):
        return not self.frame(event).empty

    # derived views ------------------------------------------------------------------------------------------

    def steps(self):
        """``step`` events with ``ppl`` = exp(loss) (training perplexity of the cross-entropy)."""
        f = self.frame("step").copy()
        if not f.empty and "loss" in f:
            f["ppl"] = np.exp(f["loss"])
        return f

    def timing(self):
        """Seconds per phase per step: the ``timing.*`` columns of ``step`` events, renamed to the phase
        (``timing.forward`` → ``forward``), indexed by step. Whatever phases the trainer logs appear."""
        f = self.frame("step")
        cols = [c for c in f.columns if c.startswith("timing.")]
        out = f.set_index("step")[cols] if cols else pd.DataFrame(index=f.get("step", pd.Series(dtype=int)))
        return out.rename(columns=lambda c: c[len("timing."):])

    def step_phases(self):
        """Phases of each step that do not overlap, so that they stack to the step's time: the trainer's ``forward``
        and ``backward`` are the sums of the model's own phases (``attention``, ``route``, ``dispatch``,
        ``experts``, ``combine``, ``dense``, ``other``), so when those are logged the two sums are left out."""
        t = self.timing()
        if any(p in t.columns for p in MODEL_PHASES):
            t = t.drop(columns=[c for c in ("forward", "backward") if c in t.columns])
        return t

    def routing(self):
        """``routing`` events with per-layer statistics derived from ``load``: ``experts``, ``pairs``
        (token-expert pairs routed), ``cv`` (coefficient of variation of the load: std / mean, 0 = perfectly balanced),
        ``max_over_mean`` and ``drop_rate`` (dropped / routed pairs)."""
        f = self.frame("routing").copy()
        if f.empty:
            return f
        loads = [np.asarray(l, dtype=float) for l in f["load"]]
        f["experts"] = [len(l) for l in loads]
        f["pairs"] = [l.sum() for l in loads]
        f["cv"] = [l.std() / l.mean() if l.mean() > 0 else math.nan for l in loads]
        f["max_over_mean"] = [l.max() / l.mean() if l.mean() > 0 else math.nan for l in loads]
        f["drop_rate"] = [d / t if t > 0 else math.nan for d, t in zip(f["dropped"], f["pairs"])]
        return f

    def load_matrix(self, layer):
        """Expert load of one layer over time as a (steps × experts) frame of fractions of the routed pairs:
        each row sums to 1, so layers and runs of different batch sizes compare directly."""
        f = self.frame("routing")
        f = f[f["layer"] == layer]
        rows = [np.asarray(l, dtype=float) for l in f["load"]]
        m = np.vstack([r / r.sum() if r.sum() > 0 else r for r in rows]) if rows else np.zeros((0, 0))
        return pd.DataFrame(m, index=f["step"].to_numpy(), columns=range(m.shape[1]))

    def traffic_per_token(self):
        """Bytes per trained token by class (same rank / same node / other node), one row per layer and a
        ``total`` row. ``traffic`` events count the bytes a rank sent for a layer since its previous
        ``traffic`` event; they are summed over ranks and divided by the tokens of the steps they cover."""
        t = self.frame("traffic")
        if t.empty:
            return pd.DataFrame(columns=list(TRAFFIC_CLASSES))
        cols = [f"bytes.{c}" for c in TRAFFIC_CLASSES]
        missing = [c for c in cols if c not in t.columns]
        if missing:
            raise RunFormatError(f"{self.path / METRICS}: traffic events lack {missing}")
        tokens = self.tokens_up_to(int(t["step"].max()))
        per_layer = t.groupby("layer")[cols].sum() / tokens
        per_layer.columns = list(TRAFFIC_CLASSES)
        per_layer.loc["total"] = per_layer.sum()
        return per_layer

    def traffic_over_steps(self):
        """Bytes per token by class for each interval between ``traffic`` events (summed over ranks and
        layers, divided by the tokens trained in that interval), indexed by the step that ends the interval:
        how locality changes as the router learns."""
        t = self.frame("traffic")
        if t.empty:
            return pd.DataFrame(columns=list(TRAFFIC_CLASSES))
        sums = t.groupby("step")[[f"bytes.{c}" for c in TRAFFIC_CLASSES]].sum()
        sums.columns = list(TRAFFIC_CLASSES)
        tokens = np.array([self.tokens_up_to(int(s)) for s in sums.index])
        return sums.div(np.diff(tokens, prepend=0.0), axis=0)

    def tokens_up_to(self, step):
        """Training tokens processed in steps 1..``step``: the ``tokens`` field is cumulative."""
        s = self.frame("step")
        s = s[s["step"] <= step]
        if s.empty:
            raise RunFormatError(f"{self.path / METRICS}: no step events up to step {step}")
        return float(s["tokens"].iloc[-1])

    def final(self, column, event="eval"):
        """The last value of a column of an event (NaN when absent)."""
        f = self.frame(event)
        return float(f[column].iloc[-1]) if column in f and not f.empty else math.nan

    def placement(self):
        f = self.path / PLACEMENT
        return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None

    def ensemble(self):
        """``ensemble`` events of a decentralized run (format in notebooks/README.md), or an empty frame."""
        return self.frame("ensemble")

    def data_output(self):
        """The local folder ``prepare`` wrote this run's data to (``data.output``), if it is local."""
        out = self.setting("data.output")
        if not out or (REMOTE_SCHEMES.match(str(out)) and not str(out).startswith("file:")):
            return None
        return localize(out)


# ----------------------------------------------------------------------------------------------------------------
# Tables over runs


def label(name, router):
    """A run's name with its router, unless the name already says it (``topk``, ``locality-grap``)."""
    return name if router in name else f"{name} ({router})"


def summary(runs):
    """One row per run that trained (has ``step`` events): router, steps, final train and validation loss /
    perplexity, mean tokens/s, median step seconds, and the routing balance (mean CV, drop rate and entropy over
    the last logged step of each layer)."""
    rows = []
    for r in runs:
        if not r.has("step"):
            continue  # e.g. the evaluation of a decentralized ensemble
        s, routing = r.steps(), r.routing()
        row = {"run": r.name, "router": r.router, "experts": r.setting("model.moe.experts"),
               "top_k": r.setting("routing.top-k"),
               "steps": int(s["step"].max()) if not s.empty else 0,
               "train_loss": float(s["loss"].iloc[-1]) if not s.empty else math.nan,
               "val_loss": r.final("val_loss"), "val_ppl": r.final("val_ppl"),
               "tokens_per_s": float(s["tokens_per_s"].mean()) if "tokens_per_s" in s else math.nan}
        t = r.step_phases()
        row["step_s"] = float(t.sum(axis=1).median()) if not t.empty and len(t.columns) else math.nan
        if not routing.empty:
            last = routing[routing["step"] == routing["step"].max()]
            row["cv"] = float(last["cv"].mean())
            row["drop_rate"] = float(last["drop_rate"].mean())
            row["entropy"] = float(last["entropy"].mean()) if "entropy" in last and last["entropy"].notna().any() \
                else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def locality_table(runs):
    """Per run with ``traffic`` events: router, bytes per token by class and in total, the share that crossed
    the network (other node), median step seconds and the last validation loss: the comparison of the
    locality benchmark (docs: DESIGN.md, "Performance")."""
    rows = []
    for r in runs:
        if not r.has("traffic"):
            continue
        per = r.traffic_per_token().loc["total"]
        t = r.step_phases()
        total = float(per.sum())
        rows.append({"run": r.name, "router": r.router,
                     **{f"{c}_bytes_per_token": float(per[c]) for c in TRAFFIC_CLASSES},
                     "bytes_per_token": total, "remote_share": float(per["remote"]) / total if total else math.nan,
                     "step_s": float(t.sum(axis=1).median()) if len(t.columns) else math.nan,
                     "val_loss": r.final("val_loss"), "val_steps": int(r.frame("eval")["step"].max())
                     if r.has("eval") else 0})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------------
# Benchmark JSON and cluster reports


def load_benchmark(path):
    """A benchmark result (``bench/results/<area>-<name>.json``): returns ``(meta, rows)`` where ``meta`` holds
    the scalar fields and ``rows`` is a DataFrame of the first list of objects (e.g. ``routers``), flattened
    (``route_ms_per_1m_tokens.median``); ``rows`` is empty for a benchmark of scalars only."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RunFormatError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(doc, dict) or "benchmark" not in doc:
        raise RunFormatError(f"{path}: expected a JSON object with a 'benchmark' field")
    meta = {k: v for k, v in doc.items() if not isinstance(v, (list, dict))}
    for v in doc.values():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            return meta, pd.DataFrame([flatten(x) for x in v])
    return meta, pd.DataFrame()


def load_clusters(folder):
    """``clusters/report.json`` of a ``prepare`` output (or the ``clusters`` folder itself, or the report file):
    returns ``(report, table)`` with one table row per cluster: ``cluster``, ``documents``, ``share`` and its
    ``top_terms`` joined by spaces. ``None`` when there is no report there."""
    folder = Path(folder)
    candidates = [folder] if folder.is_file() else [folder / "clusters" / CLUSTER_REPORT, folder / CLUSTER_REPORT]
    for f in candidates:
        if f.is_file():
            report = json.loads(f.read_text(encoding="utf-8"))
            if f == folder or "top_terms" in report:  # prepare's own report.json sits beside clusters/
                break
    else:
        return None
    for field in ("clusters", "sizes", "top_terms"):
        if field not in report:
            raise RunFormatError(f"{f}: cluster report lacks '{field}'")
    sizes = report["sizes"]
    if len(sizes) != report["clusters"] or len(report["top_terms"]) != report["clusters"]:
        raise RunFormatError(f"{f}: {report['clusters']} clusters but {len(sizes)} sizes and "
                             f"{len(report['top_terms'])} term lists")
    total = sum(sizes) or 1
    table = pd.DataFrame({"cluster": range(len(sizes)), "documents": sizes,
                          "share": [s / total for s in sizes],
                          "top_terms": [" ".join(t) for t in report["top_terms"]]})
    return report, table


def expert_cluster_matrix(ensemble):
    """The expert × cluster perplexity matrix from ``ensemble`` events of kind ``expert_cluster``
    (rows: expert, columns: validation cluster)."""
    if ensemble.empty or "kind" not in ensemble:
        return pd.DataFrame()
    m = ensemble[ensemble["kind"] == "expert_cluster"]
    if m.empty:
        return pd.DataFrame()
    m = m.astype({"expert": int, "cluster": int})  # floats after mixing with other kinds' rows
    return m.pivot_table(index="expert", columns="cluster", values="val_ppl", aggfunc="last")


#: The ``combination`` modes that are baselines rather than a router's mixture (their ``router`` is null), with
#: the name a plot gives them: the dense model and the synchronous MoE trained with the experts' total compute.
BASELINE_MODES = {"dense": "dense", "moe": "synchronous MoE"}


def combinations(ensemble):
    """Perplexity of each router × mode (``top-1``, ``top-2``, ``all``, and the baselines of ``BASELINE_MODES`` at
    equal compute) from ``ensemble`` events of kind ``combination``."""
    if ensemble.empty or "kind" not in ensemble:
        return pd.DataFrame()
    c = ensemble[ensemble["kind"] == "combination"]
    return c[[k for k in ("router", "mode", "val_loss", "val_ppl") if k in c]].reset_index(drop=True)


def router_accuracy(ensemble):
    """Router accuracy (share of validation sequences routed to the expert of their own cluster) per router."""
    if ensemble.empty or "kind" not in ensemble:
        return pd.DataFrame()
    a = ensemble[ensemble["kind"] == "router"]
    return a[[k for k in ("router", "accuracy", "sequences") if k in a]].reset_index(drop=True)
