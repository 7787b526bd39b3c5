"""Run every workload for tapegrad, the numpy floor and PyTorch (if installed); print ratios.

    python -m benchmarks.run                 # 1 and 2 threads, all workloads
    python -m benchmarks.run --quick         # fewer repeats, no 10^6 chain
    python -m benchmarks.run --json out.json # also write the raw figures

Implementations are interleaved (A B C A B C ...) so machine noise hits them alike, and each
thread count runs in its own process with BLAS/OpenMP pinned before numpy loads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

IMPLS = ("tapegrad", "numpy", "torch")
TARGETS = {  # workload -> (compared with, max ratio), from the performance issue
    "W1 overhead": ("torch", 0.5),
    "W2 MLP step": ("numpy", 1.1),
    "W3 CNN step": ("torch", 1.5),
    "W4 chain 1e5 (per node)": ("torch", 1.0),
    "W5 ResNet-18 step": ("torch", 1.5),
    "W7 GPT step": ("torch", 1.5),
    "W8 LSTM LM step": ("torch", 1.5),
}


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    """Peak resident memory of this process since it started (VmHWM; ru_maxrss would include
    the parent's peak, which a forked child inherits)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time_interleaved(steps: dict, repeats: int, inner: int) -> dict:
    for step in steps.values():
        for _ in range(max(2, inner // 10)):
            step()
    samples = {name: [] for name in steps}
    order = list(steps.items())
    for r in range(repeats):
        # rotate who goes first, so no implementation always follows the same neighbour
        for name, step in order[r % len(order):] + order[: r % len(order)]:
            # NOTE: let the previous implementation's idle OpenMP/BLAS threads stop spinning, or
            # they steal the core this one's threads need (numpy's OpenBLAS spins ~0.1 s)
            time.sleep(0.15)
            # one untimed step after the pause (each implementation alike): the sample then
            # measures steady-state steps, as a training loop runs them, not the refill of caches
            # and the wake-up of BLAS threads that the pause itself caused
            step()
            t0 = time.perf_counter()
            for _ in range(inner):
                step()
            samples[name].append((time.perf_counter() - t0) / inner)
    medians = {name: statistics.median(v) for name, v in samples.items()}
    # the ratios: medians of the per-round ratios (every implementation ran within the same
    # second of each round), which cancels the shared machine's slow drifts better than a
    # ratio of medians taken over different minutes
    for other in ("numpy", "torch"):
        if "tapegrad" in samples and other in samples:
            medians[f"tapegrad/{other}"] = statistics.median(
                a / b for a, b in zip(samples["tapegrad"], samples[other], strict=True)
            )
    return medians


def child(threads: int, quick: bool, only: list[str] | None) -> dict:
    """Run the timed workloads in this process (threads already pinned by the parent)."""
    from . import workloads

    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    # (name, builder, steps per sample, samples (quick: a third), scale, unit): the short
    # workloads take more samples, their medians move most with the shared machine's noise
    plan = [
        ("W1 overhead", workloads.w1_overhead, 200, 31, 1e6, "us"),
        ("W2 MLP step", workloads.w2_mlp, 10, 31, 1e3, "ms"),
        ("W3 CNN step", workloads.w3_cnn, 3, 11, 1e3, "ms"),
        ("W5 ResNet-18 step", workloads.w5_resnet18, 1, 5, 1e3, "ms"),
        ("W7 GPT step", workloads.w7_gpt, 1, 7, 1e3, "ms"),
        ("W8 LSTM LM step", workloads.w8_lstm, 1, 7, 1e3, "ms"),
    ]
    results = {}
    for name, builder, inner, reps, scale, unit in plan:
        if only and not any(name.startswith(o) for o in only):
            continue
        steps = builder()
        r = max(3, reps // 3) if quick else reps
        medians = _time_interleaved(steps, r, inner)
        results[name] = {"unit": unit, **{k: v if "/" in k else v * scale for k, v in medians.items()}}
        print(f"  [{threads} thread(s)] {name}: "
              + ", ".join(f"{k} {v:.3f}" if "/" in k else f"{k} {v * scale:.2f} {unit}" for k, v in medians.items()),
              file=sys.stderr, flush=True)
    return results


def memory_child(kind: str, impl: str, n: int) -> dict:
    """Time and resident memory of one implementation, in a fresh process (no other library's
    objects in it: a deep chain makes Python's cyclic GC walk every live object)."""
    from . import workloads

    if kind == "w4":
        step = workloads.w4_chain(n, impl)[impl]
        base = _rss_mb()
        t0 = time.perf_counter()
        step()
        seconds = time.perf_counter() - t0
        return {"us_per_node": seconds / n * 1e6, "peak_mb": _peak_mb() - base}
    steps = workloads.w2_mlp()
    step = steps[impl]
    before = _rss_mb()  # model and data built, no step taken yet
    for _ in range(20):
        step()
    base = _rss_mb()
    for _ in range(n):
        step()
    return {"growth_mb": _rss_mb() - base, "peak_over_setup_mb": _peak_mb() - before}


def run_chain(threads: int, quick: bool) -> tuple[dict, dict]:
    """W4 in one process per (implementation, run), interleaved; per-node time and peak memory."""
    impls = ["tapegrad", "numpy"] + (["torch"] if _has_torch() else [])
    timings, memory = {}, {}
    for n in [10**3, 10**4, 10**5] + ([] if quick else [10**6]):
        runs = {impl: [] for impl in impls if not (impl == "numpy" and n >= 10**6)}
        for _ in range(1 if n >= 10**6 else 3):
            for impl in runs:
                runs[impl].append(_run_child(["--memory", "w4", impl, str(n)], threads))
        label = f"W4 chain 1e{len(str(n)) - 1} (per node)"
        timings[label] = {"unit": "us", **{k: statistics.median(r["us_per_node"] for r in v) for k, v in runs.items()}}
        if n >= 10**5:
            for impl, v in runs.items():
                memory[f"W4 peak 1e{len(str(n)) - 1} {impl}"] = {"peak_mb": max(r["peak_mb"] for r in v)}
        print(f"  [{threads} thread(s)] {label}: " + ", ".join(f"{k} {v:.2f} us" for k, v in timings[label].items() if k != "unit"),
              file=sys.stderr, flush=True)
    return timings, memory


def _env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = str(threads)
    return env


def _run_child(args: list[str], threads: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.run", *args], env=_env(threads),
                         capture_output=True, text=True, check=False, cwd=os.path.dirname(os.path.dirname(__file__)) or ".")
    sys.stderr.write(out.stderr)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {args}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def table(results: dict) -> str:
    """Medians and ratios, one row per workload and thread count."""
    lines = [
        f"{'workload':<28}{'thr':>4}{'tapegrad':>11}{'numpy':>11}{'torch':>11}{'tg/numpy':>10}{'tg/torch':>10}"
        f"  {'target':<16}",
    ]
    for threads, res in results["timings"].items():
        for name, row in res.items():
            tg, npf, th = row.get("tapegrad"), row.get("numpy"), row.get("torch")
            # paired per-round ratios where the workload was timed in one process (see
            # _time_interleaved); else (W4: a process per run) the ratio of the medians
            r_np = row.get("tapegrad/numpy", tg / npf if tg and npf else None)
            r_th = row.get("tapegrad/torch", tg / th if tg and th else None)
            target = ""
            if name in TARGETS:
                ref, limit = TARGETS[name]
                ratio = r_th if ref == "torch" else r_np
                verdict = "?" if ratio is None else ("ok" if ratio <= limit else "MISS")
                target = f"<= {limit}x {ref} {verdict}"
            lines.append(f"{name:<28}{threads:>4}{_fmt(tg):>11}{_fmt(npf):>11}{_fmt(th):>11}"
                         f"{_fmt(r_np):>10}{_fmt(r_th):>10}  {target:<16} ({row['unit']})")
    for name, row in results.get("memory", {}).items():
        lines.append(f"{name:<28}    " + "  ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--quick", action="store_true", help="fewer repeats; skip the 10^6 chain")
    parser.add_argument("--only", default="", help="comma-separated workload prefixes, e.g. W1,W3")
    parser.add_argument("--json", help="write raw figures to this file")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--memory", nargs=3, metavar=("KIND", "IMPL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    only = [o for o in args.only.split(",") if o]
    if args.child is not None:
        print(json.dumps(child(args.child, args.quick, only)))
        return
    if args.memory:
        kind, impl, n = args.memory
        print(json.dumps(memory_child(kind, impl, int(n))))
        return

    results = {"timings": {}, "memory": {}}
    for threads in [int(t) for t in args.threads.split(",")]:
        extra = (["--quick"] if args.quick else []) + (["--only", args.only] if args.only else [])
        results["timings"][threads] = _run_child(["--child", str(threads), *extra], threads)
        if not only or any(o.startswith("W4") for o in only):
            chain, memory = run_chain(threads, args.quick)
            results["timings"][threads].update(chain)
            results["memory"].update({f"{k} ({threads} thr)": v for k, v in memory.items()})
    if not only or any(o.startswith("W6") for o in only):
        for impl in ("tapegrad", "numpy"):
            results["memory"][f"W6 1000 MLP steps {impl}"] = _run_child(["--memory", "w6", impl, "1000"], 2)
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


if __name__ == "__main__":
    main()
