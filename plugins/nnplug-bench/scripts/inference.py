#!/usr/bin/env python3
"""Inference benchmark: ONNX Runtime vs torch eager on segmentation networks, and bin/infer end to end.

1. Model throughput at 320x320 on CPU, batch sizes 1, 4, 8, for two networks:
   - ``blobnet``: the shipped model (``models/blobnet.onnx``) on ONNX Runtime, and the same
     architecture (nnplug_onnx.segmentation.blobnet) in torch eager mode;
   - ``u2netp-shaped``: U2-Net's architecture at U2-NetP width (nnplug_onnx.segmentation.u2net_like,
     random weights), in torch eager mode and exported to ONNX (TorchScript exporter) for ONNX Runtime.
   Both engines use the same intra-op threads (``--threads``, default 2: the machine's cores; with
   another busy process on the machine, torch's OpenMP threads stall at every operator, so
   ``--threads 1`` gives the contention-free comparison). Method of the reference inference
   benchmark: warm-up runs, then repeated timed runs; FPS = batch / trimmed mean time (10% best and
   worst dropped), with the standard deviation. Engines alternate run by run so that load from
   other processes hits both alike; the speed-up is the median of the per-round ratios.
2. ``bin/infer`` end to end over a folder of 50 synthetic images (240..480 px): images per second
   of the processing loop and of the whole command (start-up included), and the share of time
   spent decoding, in inference and writing, for both image backends, with and without figures.

Writes ``bench-results/inference/{results.json,throughput.png}`` and prints tables.
Usage: .venv/bin/python plugins/nnplug-bench/scripts/inference.py [--rounds 30] [--quick] [--skip-end-to-end] [--networks blobnet]
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]
from nnplug_bench.statistics import paired_ratios, summarize

BATCHES = (1, 4, 8)
SIZE = 320
THREADS = 2


def ort_runner(path: Path):
    """A function running the ONNX model on a batch with a session of 2 intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    name, first = session.get_inputs()[0].name, session.get_outputs()[0].name
    return lambda batch: session.run([first], {name: batch})[0]


def torch_runner(module):
    """A function running the torch module in eager mode (inference mode, eval) on a numpy batch."""
    import torch

    module.eval()

    def run(batch: np.ndarray):
        with torch.inference_mode():
            output = module(torch.from_numpy(batch))
        return output[0] if isinstance(output, tuple) else output

    return run


def networks(work: Path, quick: bool) -> dict[str, dict]:
    """The networks to compare: torch module and ONNX file of each, with their round counts."""
    import torch

    from nnplug_onnx.segmentation.blobnet import BlobNet
    from nnplug_onnx.segmentation.export import export_segmentation_model
    from nnplug_onnx.segmentation.u2net_like import OUTPUT_NAMES, random_u2net_like

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    u2netp = random_u2net_like(16, 64)
    u2netp_onnx = export_segmentation_model(u2netp, work / "u2netp_like.onnx", output_names=OUTPUT_NAMES)
    return {
        "blobnet": {"torch": BlobNet().eval(), "onnx": REPO / "models" / "blobnet.onnx", "rounds": 1.0},
        "u2netp-shaped": {"torch": u2netp, "onnx": u2netp_onnx, "rounds": 0.3},
    }


def time_once(run, batch: np.ndarray) -> float:
    """Seconds of one run."""
    started = time.perf_counter()
    run(batch)
    return time.perf_counter() - started


def throughput(nets: dict[str, dict], rounds: int, warmup: int) -> list[dict]:
    """Per network and batch size: time summaries and FPS of both engines, speed-up of ONNX Runtime."""
    rows = []
    rng = np.random.default_rng(0)
    for name, net in nets.items():
        engines = {"onnxruntime": ort_runner(net["onnx"]), "torch": torch_runner(net["torch"])}
        for batch_size in BATCHES:
            batch = rng.standard_normal((batch_size, 3, SIZE, SIZE)).astype(np.float32)
            for run in engines.values():
                for _ in range(max(1, round(warmup * net["rounds"]))):
                    run(batch)
            count = max(5, int(rounds * net["rounds"]))
            seconds: dict[str, list[float]] = {engine: [] for engine in engines}
            for index in range(count):
                order = list(engines) if index % 2 == 0 else list(reversed(engines))
                for engine in order:
                    seconds[engine].append(time_once(engines[engine], batch))
            row = {"network": name, "batch": batch_size, "runs": count}
            for engine, values in seconds.items():
                summary = summarize(values, trim=0.1)
                row[engine] = {
                    "trimmed_mean_ms": 1000 * summary.trimmed_mean,
                    "std_ms": 1000 * summary.std,
                    "median_ms": 1000 * summary.median,
                    "fps": batch_size / summary.trimmed_mean,
                }
            ratios = paired_ratios(seconds["torch"], seconds["onnxruntime"])
            row["speedup"] = statistics.median(ratios)
            row["speedup_trimmed_means"] = row["torch"]["trimmed_mean_ms"] / row["onnxruntime"]["trimmed_mean_ms"]
            rows.append(row)
            print(
                f"{name:14s} batch {batch_size}: ORT {row['onnxruntime']['fps']:7.1f} FPS "
                f"({row['onnxruntime']['trimmed_mean_ms']:.1f} ± {row['onnxruntime']['std_ms']:.1f} ms), "
                f"torch {row['torch']['fps']:7.1f} FPS ({row['torch']['trimmed_mean_ms']:.1f} ± {row['torch']['std_ms']:.1f} ms), "
                f"speed-up {row['speedup']:.2f}x (median of {len(ratios)} paired rounds)",
                flush=True,
            )
    return rows


SUMMARY = re.compile(r"segmented (\d+) image\(s\) with \S+ in ([\d.]+)s \(([\d.]+) images/s; decoding (\d+)%, inference (\d+)%, writing (\d+)%\)")


def end_to_end(images: Path, work: Path, repeats: int) -> list[dict]:
    """bin/infer over the folder, per configuration: loop and command images/s, time shares (medians of ``repeats``)."""
    configurations = [
        ("Vips", True, 1), ("Vips", False, 1), ("Vips", False, 8), ("ImageMagick", True, 1), ("ImageMagick", False, 8),
    ]
    rows = []
    for backend, figures, batch in configurations:
        measures = []
        for repeat in range(repeats):
            out = work / f"out-{backend}-{figures}-{batch}-{repeat}"
            started = time.perf_counter()
            done = subprocess.run(
                [str(REPO / "bin" / "infer"), str(images), f"--image-backend={backend}", f"--figures={str(figures).lower()}",
                 f"--batch-size={batch}", "--output-dir", str(out), "--progress=false"],
                cwd=REPO, capture_output=True, text=True, check=True,
            )
            wall = time.perf_counter() - started
            match = SUMMARY.search(done.stdout)
            assert match, done.stdout + done.stderr
            count, loop, rate, decoding, inference, writing = match.groups()
            measures.append({"loop_s": float(loop), "wall_s": wall, "images": int(count),
                             "shares": {"decoding": int(decoding), "inference": int(inference), "writing": int(writing)}})
        loop = statistics.median(m["loop_s"] for m in measures)
        wall = statistics.median(m["wall_s"] for m in measures)
        count = measures[0]["images"]
        shares = {stage: statistics.median(m["shares"][stage] for m in measures) for stage in ("decoding", "inference", "writing")}
        row = {"backend": backend, "figures": figures, "batch": batch, "images": count, "loop_images_per_s": count / loop,
               "command_images_per_s": count / wall, "loop_s": loop, "command_s": wall, "shares_percent": shares, "repeats": repeats}
        rows.append(row)
        print(
            f"bin/infer {backend:11s} figures={str(figures):5s} batch {batch}: {row['loop_images_per_s']:.1f} images/s "
            f"(whole command {row['command_images_per_s']:.1f}); decoding {shares['decoding']:.0f}%, "
            f"inference {shares['inference']:.0f}%, writing {shares['writing']:.0f}%",
            flush=True,
        )
    return rows


def plot(rows: list[dict], e2e: list[dict], path: Path) -> None:
    """FPS by batch size per network and engine; bin/infer time shares per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if e2e else 1
    figure, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.5), squeeze=False)
    axis = axes[0][0]
    for network in dict.fromkeys(row["network"] for row in rows):
        mine = [row for row in rows if row["network"] == network]
        for engine, style in (("onnxruntime", "-o"), ("torch", "--s")):
            fps = [row[engine]["fps"] for row in mine]
            errors = [row[engine]["fps"] * row[engine]["std_ms"] / row[engine]["trimmed_mean_ms"] for row in mine]
            axis.errorbar([row["batch"] for row in mine], fps, yerr=errors, fmt=style, capsize=3, label=f"{network} / {engine}")
    axis.set(xlabel="batch size", ylabel="images per second (trimmed mean)", title=f"{SIZE}x{SIZE}, CPU, {THREADS} threads", xticks=list(BATCHES), yscale="log")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    if e2e:
        axis = axes[0][1]
        labels = [f"{r['backend']}\nfig={'y' if r['figures'] else 'n'} b={r['batch']}\n{r['loop_images_per_s']:.1f} img/s" for r in e2e]
        bottom = np.zeros(len(e2e))
        for stage in ("decoding", "inference", "writing"):
            values = np.array([r["shares_percent"][stage] for r in e2e], float)
            axis.bar(labels, values, bottom=bottom, label=stage)
            bottom += values
        axis.set(ylabel="% of bin/infer loop time", title=f"bin/infer over {e2e[0]['images']} images")
        axis.tick_params(axis="x", labelsize=7)
        axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)


def main() -> None:
    """Parse arguments, run both parts, write results and the plot."""
    global THREADS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed runs per engine and batch (fewer for the U2-Net-shaped network)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="bin/infer runs per end-to-end configuration")
    parser.add_argument("--quick", action="store_true", help="few rounds, one end-to-end repeat (a smoke run)")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--threads", type=int, default=THREADS, help="intra-op threads of both engines (default: the 2 cores)")
    parser.add_argument("--networks", default="blobnet,u2netp-shaped", help="comma-separated networks to time (blobnet, u2netp-shaped)")
    parser.add_argument("--output-dir", type=Path, default=REPO / "bench-results" / "inference")
    args = parser.parse_args()
    rounds, repeats = (6, 1) if args.quick else (args.rounds, args.repeats)
    THREADS = args.threads

    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        wanted = [name.strip() for name in args.networks.split(",") if name.strip()]
        nets = {name: net for name, net in networks(work, args.quick).items() if name in wanted}
        rows = throughput(nets, rounds, args.warmup)
        e2e = []
        if not args.skip_end_to_end:
            # the repository's dataset script, run as the script it is (no sys.path edits)
            subprocess.run([sys.executable, str(REPO / "scripts" / "segmentation" / "make_dataset.py"), "--count", "50", "--seed", "7",
                            "--out", str(work / "fifty")], check=True, stdout=subprocess.DEVNULL)
            e2e = end_to_end(work / "fifty", work, repeats)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    from nnplug_bench.machine import machine_info

    (args.output_dir / "results.json").write_text(
        json.dumps({"machine": machine_info(), "threads": THREADS, "throughput": rows, "end_to_end": e2e}, indent=1)
    )
    plot(rows, e2e, args.output_dir / "throughput.png")
    print(f"results in {args.output_dir}/results.json, plot in {args.output_dir}/throughput.png")


if __name__ == "__main__":
    main()
