"""Tests of the run loader: ``python3 -m unittest`` in notebooks/."""

import json
import math
import os
import stat
import tempfile
import textwrap
import unittest
from pathlib import Path

import sparkmoe_runs as smr
import synthetic_runs


class ParseHoconTest(unittest.TestCase):

    def test_reads_what_resolved_config_renders(self):
        # The shape of a real config.conf: header comment, nested objects, a comment before each key,
        # quoted strings, null, booleans, an empty object and a list over several lines.
        text = textwrap.dedent('''\
            # SparkMoE configuration, fully resolved: every key with its value (null = unset).
            cluster {
                exchange {
                    # Connect timeout to a peer, ms
                    connect-timeout-ms=30000
                    kind=network
                }
                master=null
                spark {}
            }
            data {
                output="file:///data/out"
                tokenizer {
                    special-tokens=[
                        "<|endoftext|>",
                        "<|pad|>"
                    ]
                }
            }
            train {
                optimizer {
                    lr=0.003
                    min-lr=3.0E-4
                }
                shuffle=true
            }
            ''')
        c = smr.parse_hocon(text)
        self.assertEqual(30000, c["cluster"]["exchange"]["connect-timeout-ms"])
        self.assertEqual("network", c["cluster"]["exchange"]["kind"])
        self.assertIsNone(c["cluster"]["master"])
        self.assertEqual({}, c["cluster"]["spark"])
        self.assertEqual("file:///data/out", c["data"]["output"])
        self.assertEqual(["<|endoftext|>", "<|pad|>"], c["data"]["tokenizer"]["special-tokens"])
        self.assertEqual(3e-4, c["train"]["optimizer"]["min-lr"])
        self.assertIs(True, c["train"]["shuffle"])

    def test_dotted_and_quoted_keys_and_json_style(self):
        c = smr.parse_hocon('a.b = 1\n"a".c : "x # not a comment"\n{"spark.executor.memory" = 4g}'
                            .replace('{"spark', 'd {"spark'))
        self.assertEqual({"b": 1, "c": "x # not a comment"}, c["a"])
        self.assertEqual({"spark.executor.memory": "4g"}, c["d"])
        self.assertEqual({"x": [1, 2, 3]}, smr.parse_hocon('{ "x" : [1, 2, 3] }'))

    def test_errors_name_the_source_and_line(self):
        with self.assertRaisesRegex(smr.RunFormatError, r"run/config.conf line 3: missing '}'"):
            smr.parse_hocon("a {\n  b = 1\n", "run/config.conf")
        with self.assertRaisesRegex(smr.RunFormatError, r"line 2: expected '=', ':' or '\{' after key 'b'"):
            smr.parse_hocon("a = 1\nb 2\n")


class MetricsTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write_run(self, name, lines, config='routing {\n    router=switch\n}\n'):
        d = self.dir / name
        d.mkdir(parents=True)
        (d / "metrics.jsonl").write_text("".join(json.dumps(l) + "\n" for l in lines))
        (d / "config.conf").write_text(config)
        return d

    def test_frames_per_event_with_flattened_timing_and_perplexity(self):
        d = self.write_run("r", [
            {"event": "step", "step": 1, "time": 1.0, "loss": 2.0, "tokens": 100, "tokens_per_s": 100.0,
             "timing": {"forward": 0.5, "backward": 0.25}},
            {"event": "step", "step": 2, "time": 2.0, "loss": 1.0, "tokens": 200, "tokens_per_s": 100.0,
             "timing": {"forward": 0.5, "backward": 0.25, "dispatch": 0.125}},
            {"event": "eval", "step": 2, "time": 2.5, "val_loss": 1.5, "val_ppl": math.exp(1.5)},
        ])
        run, = smr.find_runs(self.dir)
        self.assertEqual(d, run.path)
        self.assertEqual("switch", run.router)
        s = run.steps()
        self.assertEqual([1, 2], list(s["step"]))
        self.assertAlmostEqual(math.e, s["ppl"].iloc[1])
        t = run.timing()
        self.assertEqual(["forward", "backward", "dispatch"], list(t.columns))
        self.assertTrue(math.isnan(t.loc[1, "dispatch"]))  # a phase that appears later is missing before
        self.assertEqual(0.875, t.sum(axis=1).loc[2])
        self.assertEqual(1.5, run.final("val_loss"))
        self.assertTrue(run.frame("traffic").empty)

    def test_step_phases_leave_out_the_sums_of_the_model_phases(self):
        self.write_run("r", [
            {"event": "step", "step": 1, "time": 1.0, "loss": 2.0, "tokens": 100,
             "timing": {"data": 0.0625, "forward": 0.5, "backward": 0.75, "optimizer": 0.125,
                        "attention": 0.5, "experts": 0.5, "other": 0.25}},
        ])
        run, = smr.find_runs(self.dir)
        t = run.step_phases()
        self.assertEqual(["data", "optimizer", "attention", "experts", "other"], list(t.columns))
        self.assertEqual(1.4375, t.sum(axis=1).loc[1])  # data + (forward + backward) + optimizer, counted once
        self.write_run("old", [{"event": "step", "step": 1, "time": 1.0, "loss": 2.0, "tokens": 100,
                                "timing": {"forward": 0.5, "backward": 0.25}}])
        old, = [r for r in smr.find_runs(self.dir) if r.name == "old"]
        self.assertEqual(["forward", "backward"], list(old.step_phases().columns))

    def test_resumed_run_replaces_repeated_steps_and_keeps_wall_time_increasing(self):
        # Ran to step 3, resumed from the checkpoint at step 2: step 3 is logged again, time restarts at 0.
        self.write_run("r", [
            {"event": "step", "step": 1, "time": 10.0, "loss": 3.0, "tokens": 1},
            {"event": "step", "step": 2, "time": 20.0, "loss": 2.0, "tokens": 2},
            {"event": "step", "step": 3, "time": 30.0, "loss": 9.0, "tokens": 3},
            {"event": "recovery", "step": 2, "time": 0.5},
            {"event": "step", "step": 3, "time": 5.0, "loss": 1.0, "tokens": 3},
        ])
        run, = smr.find_runs(self.dir)
        s = run.steps()
        self.assertEqual([1, 2, 3], list(s["step"]))
        self.assertEqual(1.0, s["loss"].iloc[2])
        self.assertEqual([10.0, 20.0, 34.5], list(s["wall"]))  # 30 + 0.5, then 4.5 later
        self.assertEqual(1, len(run.frame("recovery")))

    def test_train_ep_rerun_keeps_the_steps_after_its_resume_event(self):
        # train-ep: attempt 0 logged to step 3, the rerun resumed after the checkpoint of step 2 and logged 3 again.
        self.write_run("ep", [
            {"event": "step", "step": 1, "time": 10.0, "loss": 3.0, "tokens": 1},
            {"event": "step", "step": 2, "time": 20.0, "loss": 2.0, "tokens": 2},
            {"event": "step", "step": 3, "time": 30.0, "loss": 9.0, "tokens": 3},
            {"event": "resume", "step": 2, "time": 0.1, "rank": 0, "attempt": 1,
             "from": "hdfs://nn:8020/ckpt/ep/step-00000002"},
            {"event": "recovery", "step": 2, "time": 0.5, "rank": 0},
            {"event": "step", "step": 3, "time": 5.0, "loss": 1.0, "tokens": 3},
        ])
        run, = smr.find_runs(self.dir)
        s = run.steps()
        self.assertEqual([1, 2, 3], list(s["step"]))
        self.assertEqual([3.0, 2.0, 1.0], list(s["loss"]))
        r = run.frame("resume")
        self.assertEqual([(2, 1)], list(zip(r["step"], r["attempt"])))

    def test_routing_statistics_from_load(self):
        self.write_run("r", [
            {"event": "routing", "step": 5, "time": 1, "layer": 1, "load": [1, 3], "dropped": 1, "entropy": 0.5},
            {"event": "routing", "step": 5, "time": 1, "layer": 0, "load": [2, 2], "dropped": 0, "entropy": 0.7},
            {"event": "routing", "step": 10, "time": 2, "layer": 0, "load": [4, 0], "dropped": 2, "entropy": 0.1},
        ])
        run, = smr.find_runs(self.dir)
        r = run.routing()
        self.assertEqual([(5, 0), (5, 1), (10, 0)], list(zip(r["step"], r["layer"])))
        self.assertEqual([0.0, 0.5, 1.0], list(r["cv"]))
        self.assertEqual([0.0, 0.25, 0.5], list(r["drop_rate"]))
        self.assertEqual([1.0, 1.5, 2.0], list(r["max_over_mean"]))
        m = run.load_matrix(0)
        self.assertEqual([5, 10], list(m.index))
        self.assertEqual([[0.5, 0.5], [1.0, 0.0]], m.values.tolist())

    def test_summary_of_a_router_without_probabilities(self):
        # hash routing has no router distribution: entropy is null, and the summary says NaN rather than failing
        self.write_run("h", [
            {"event": "step", "step": 1, "time": 1, "loss": 2.0, "tokens": 8, "tokens_per_s": 4.0},
            {"event": "routing", "step": 1, "time": 1, "layer": 0, "load": [3, 1], "dropped": 0, "entropy": None},
        ], config="routing {\n    router=hash\n}\n")
        row, = smr.summary(smr.find_runs(self.dir)).to_dict("records")
        self.assertEqual(("h", "hash", 1, 2.0), (row["run"], row["router"], row["steps"], row["train_loss"]))
        self.assertEqual(0.5, row["cv"])
        self.assertTrue(math.isnan(row["entropy"]) and math.isnan(row["val_loss"]) and math.isnan(row["step_s"]))

    def test_traffic_bytes_per_token_sum_ranks_and_intervals(self):
        def traffic(step, rank, layer, remote):
            return {"event": "traffic", "step": step, "time": step, "rank": rank, "layer": layer,
                    "bytes": {"same_rank": 100, "same_node": 50, "remote": remote}}
        self.write_run("r", [
            {"event": "step", "step": 1, "time": 1, "loss": 1, "tokens": 10, "timing": {"dispatch": 1.0}},
            {"event": "step", "step": 2, "time": 2, "loss": 1, "tokens": 20, "timing": {"dispatch": 3.0}},
            {"event": "step", "step": 3, "time": 3, "loss": 1, "tokens": 30, "timing": {"dispatch": 2.0}},
            traffic(1, 0, 0, 10), traffic(1, 1, 0, 30), traffic(2, 0, 0, 20), traffic(2, 1, 0, 40),
            traffic(2, 0, 1, 0),
            {"event": "eval", "step": 2, "time": 2, "val_loss": 1.25, "val_ppl": 3.5},
        ])
        run, = smr.find_runs(self.dir)
        per = run.traffic_per_token()
        # layer 0: 4 records over the 20 tokens of steps 1-2
        self.assertEqual([400 / 20, 200 / 20, 100 / 20], per.loc[0].tolist())
        self.assertEqual([100 / 20, 50 / 20, 0.0], per.loc[1].tolist())
        self.assertEqual([25.0, 12.5, 5.0], per.loc["total"].tolist())
        over = run.traffic_over_steps()  # step 1: 10 tokens; step 2: the next 10
        self.assertEqual([1, 2], list(over.index))
        self.assertEqual([200 / 10, 100 / 10, 40 / 10], over.loc[1].tolist())
        self.assertEqual([300 / 10, 150 / 10, 60 / 10], over.loc[2].tolist())
        row, = smr.locality_table([run]).to_dict("records")
        self.assertEqual("switch", row["router"])
        self.assertEqual(42.5, row["bytes_per_token"])
        self.assertAlmostEqual(5.0 / 42.5, row["remote_share"])
        self.assertEqual(2.0, row["step_s"])
        self.assertEqual(1.25, row["val_loss"])

    def test_traffic_without_classes_is_an_error_naming_the_file(self):
        self.write_run("r", [{"event": "step", "step": 1, "time": 1, "tokens": 1, "loss": 1},
                             {"event": "traffic", "step": 1, "time": 1, "rank": 0, "layer": 0,
                              "bytes": {"remote": 1}}])
        run, = smr.find_runs(self.dir)
        with self.assertRaisesRegex(smr.RunFormatError, r"r/metrics.jsonl: traffic events lack \['bytes.same_rank'"):
            run.traffic_per_token()

    def test_a_line_being_written_is_ignored_other_bad_lines_are_errors(self):
        d = self.write_run("r", [{"event": "step", "step": 1, "time": 1, "loss": 1}])
        with open(d / "metrics.jsonl", "a") as f:
            f.write('{"event": "step", "st')
        self.assertEqual(1, len(smr.find_runs(self.dir)[0].frame("step")))
        (d / "metrics.jsonl").write_text('{"event": "step", "step": 1}\n[1, 2]\n{"event": "step", "step": 2}\n')
        with self.assertRaisesRegex(smr.RunFormatError, r"metrics.jsonl line 2: expected an object"):
            smr.find_runs(self.dir)[0].events
        (d / "metrics.jsonl").write_text('{"event": "step", "step": 1}\nnot json\n{"event": "step", "step": 2}\n')
        with self.assertRaisesRegex(smr.RunFormatError, r"metrics.jsonl line 2: not JSON"):
            smr.find_runs(self.dir)[0].events

    def test_finds_runs_below_a_folder_and_refuses_a_missing_path(self):
        self.write_run("a/one", [{"event": "step", "step": 1, "time": 1}])
        self.write_run("b", [{"event": "step", "step": 1, "time": 1}])
        (self.dir / "prepare-1").mkdir()
        (self.dir / "prepare-1" / "config.conf").write_text("a = 1\n")  # no metrics: not a training run
        self.assertEqual(["one", "b"], [r.name for r in smr.find_runs(self.dir / "a", self.dir)])
        self.assertEqual([], smr.find_runs(self.dir / "prepare-1"))
        with self.assertRaisesRegex(FileNotFoundError, "nowhere"):
            smr.find_runs(self.dir / "nowhere")

    def test_run_paths_from_the_environment(self):
        old = os.environ.pop("SPARKMOE_RUNS", None)
        try:
            self.assertEqual(["../runs"], smr.run_paths_from_env("../runs"))
            os.environ["SPARKMOE_RUNS"] = "a hdfs://nn:8020/runs/b"
            self.assertEqual(["a", "hdfs://nn:8020/runs/b"], smr.run_paths_from_env("../runs"))
            os.environ["SPARKMOE_RUNS"] = "/runs/with space\nhdfs://nn:8020/runs/b\n"
            self.assertEqual(["/runs/with space", "hdfs://nn:8020/runs/b"], smr.run_paths_from_env("../runs"))
        finally:
            os.environ.pop("SPARKMOE_RUNS", None)
            if old is not None:
                os.environ["SPARKMOE_RUNS"] = old


class RemoteRunTest(unittest.TestCase):
    """hdfs:// paths go through ``hdfs dfs -get``; here a stand-in ``hdfs`` command on the PATH copies from a
    local folder, which checks the arguments and the caching, not Hadoop."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.bin = self.dir / "bin"
        self.bin.mkdir()
        self.path = os.environ["PATH"]
        os.environ["PATH"] = f"{self.bin}{os.pathsep}{self.path}"

    def tearDown(self):
        os.environ["PATH"] = self.path
        self.tmp.cleanup()

    def fake_hdfs(self, body):
        f = self.bin / "hdfs"
        f.write_text("#!/bin/sh\n" + body)
        f.chmod(f.stat().st_mode | stat.S_IEXEC)

    def test_copies_once_into_the_cache(self):
        served = self.dir / "served" / "run7"
        served.mkdir(parents=True)
        (served / "metrics.jsonl").write_text('{"event": "step", "step": 1, "time": 1}\n')
        calls = self.dir / "calls"
        # hdfs dfs -get hdfs://nn:8020/runs/run7 LOCAL  →  cp -r served/run7 LOCAL
        self.fake_hdfs(f'echo "$@" >> {calls}\n[ "$1 $2 $3" = "dfs -get hdfs://nn:8020/runs/run7" ] || exit 9\n'
                       f'cp -r {served} "$4"\n')
        cache = self.dir / "cache"
        run, = smr.find_runs("hdfs://nn:8020/runs/run7", cache=cache)
        self.assertEqual("run7", run.name)
        self.assertTrue(str(run.path).startswith(str(cache)))
        self.assertEqual(1, len(run.frame("step")))
        smr.find_runs("hdfs://nn:8020/runs/run7", cache=cache)
        self.assertEqual(1, len(calls.read_text().splitlines()), "the second open reads the cached copy")

    def test_a_failed_copy_leaves_nothing_and_says_why(self):
        self.fake_hdfs('mkdir -p "$4"; echo "get: File does not exist: /runs/x" >&2; exit 1\n')
        cache = self.dir / "cache"
        with self.assertRaisesRegex(smr.RunFormatError, r"hdfs dfs -get hdfs://nn/runs/x failed \(exit 1\): "
                                                         r"get: File does not exist"):
            smr.find_runs("hdfs://nn/runs/x", cache=cache)
        self.assertEqual([], [p for p in cache.rglob("*") if p.is_dir() and p.name == "x"])

    def test_without_a_hadoop_client_it_says_how_to_copy(self):
        os.environ["PATH"] = str(self.bin)  # no hdfs here
        with self.assertRaisesRegex(smr.RunFormatError, r"no 'hdfs' command.*hdfs dfs -get hdfs://nn/runs/x"):
            smr.find_runs("hdfs://nn/runs/x", cache=self.dir / "cache")

    def test_an_unreachable_webhdfs_says_so_and_leaves_nothing(self):
        import socket
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cache = self.dir / "cache"
        with self.assertRaisesRegex(smr.RunFormatError, rf"cannot reach WebHDFS for webhdfs://127.0.0.1:{port}/r"):
            smr.find_runs(f"webhdfs://127.0.0.1:{port}/r", cache=cache)
        self.assertEqual([], [p for p in cache.rglob("*") if p.is_dir() and p.name in ("r", ".r.partial")])

    def test_file_uris_are_local(self):
        self.assertEqual(Path("/a/b"), smr.localize("file:///a/b"))
        self.assertEqual(Path("/a/b"), smr.localize("file:/a/b"))


class SyntheticSetTest(unittest.TestCase):
    """The synthetic set the notebooks run on in CI: the loader reads what the notebooks plot from it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = smr.find_runs(synthetic_runs.write_all(cls.tmp.name))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_locality_aware_router_sends_fewer_remote_bytes(self):
        table = smr.locality_table(self.runs).set_index("router")
        self.assertEqual({"topk", "switch", "grap"}, set(table.index))
        self.assertLess(table.loc["grap", "remote_bytes_per_token"], table.loc["topk", "remote_bytes_per_token"])
        self.assertEqual(synthetic_runs.STEPS, table.loc["grap", "val_steps"])

    def test_decentralized_evaluation(self):
        run = next(r for r in self.runs if r.has("ensemble"))
        m = smr.expert_cluster_matrix(run.ensemble())
        k = synthetic_runs.CLUSTERS
        self.assertEqual((k, k), m.shape)
        self.assertEqual(list(range(k)), list(m.index))
        self.assertTrue(all(m.loc[j].idxmin() == j for j in range(k)), "each expert is best on its cluster")
        c = smr.combinations(run.ensemble())
        self.assertEqual(["top-1", "top-2", "all", "dense", "moe"], list(dict.fromkeys(c["mode"])))
        self.assertTrue(c[c["mode"].isin(list(smr.BASELINE_MODES))]["router"].isna().all(), "baselines have no router")
        self.assertEqual({"centroid", "learned"}, set(smr.router_accuracy(run.ensemble())["router"]))
        report, table = smr.load_clusters(run.data_output())
        self.assertEqual(k, report["clusters"])
        self.assertEqual(1.0, round(table["share"].sum(), 12))

    def test_cluster_report_mismatch_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            f = Path(d) / "report.json"
            f.write_text(json.dumps({"clusters": 3, "sizes": [1, 2], "top_terms": [["a"], ["b"], ["c"]]}))
            with self.assertRaisesRegex(smr.RunFormatError, r"report.json: 3 clusters but 2 sizes"):
                smr.load_clusters(f)
            self.assertIsNone(smr.load_clusters(d + "/nothing"))


class BenchmarkTest(unittest.TestCase):

    def test_rows_of_the_committed_routing_benchmark(self):
        f = Path(__file__).resolve().parent.parent / "bench" / "results" / "routing-routers.json"
        meta, rows = smr.load_benchmark(f)
        self.assertEqual("routing-routers", meta["benchmark"])
        self.assertIn("route_ms_per_1m_tokens.median", rows.columns)
        self.assertIn("grap", set(rows["router"]))

    def test_not_a_benchmark(self):
        with tempfile.TemporaryDirectory() as d:
            f = Path(d) / "x.json"
            f.write_text("[1]")
            with self.assertRaisesRegex(smr.RunFormatError, r"x.json: expected a JSON object with a 'benchmark'"):
                smr.load_benchmark(f)


if __name__ == "__main__":
    unittest.main()
