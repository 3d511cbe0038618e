"""Batch throughput and worker memory.

1. **Throughput**: the same folder of synthetic clips analysed with ``workers=1`` (in
   process), ``workers=2`` (local spawn pool) and a Dask ``LocalCluster`` of 2 worker
   processes (1 thread each); prints clips per minute and the ratios to 1 worker.
   Each run starts from an empty output folder (nothing skipped).
2. **Peak memory of one worker** on long 1080x1920 clips: a short clip (the shared
   60 fps 1080x1920 recording, or a synthetic one when ../shared is absent) is looped by
   remuxing its packets (no re-encode) to each requested length; each length is analysed
   by :func:`hipcheck.batch.analyze_clip` in a fresh spawned process that reports its
   peak RSS (``VmHWM`` from /proc/self/status). Peak memory must not grow with the
   clip length (frames are streamed; only landmarks are kept per frame).

Usage::

    python benchmarks/batch.py            # 6 clips 360x480, 30 s and 60 s long clips
    python benchmarks/batch.py --quick    # 4 small clips, 5 s and 10 s long clips
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SHARED_1080 = (
    Path(__file__).resolve().parents[2]
    / "shared/data/videos/pose2sim_balancing_single_leg_cam01.mp4"
)


def make_clips(folder: Path, n: int, size: tuple[int, int], reps: int) -> list[Path]:
    """Write ``n`` synthetic single-leg squat clips (alternating sides) into ``folder``."""
    from hipcheck.synth import ClipSpec, generate_clip

    paths = []
    for i in range(n):
        side = "left" if i % 2 == 0 else "right"
        spec = ClipSpec(side=side, reps=reps, fppa_deg=4 + 2 * i, size=size, fps=30.0)
        path = folder / f"clip{i:02d}_{side}.mp4"
        generate_clip(path, spec, seed=i)
        paths.append(path)
    return paths


def throughput(folder: Path, work: Path) -> dict[str, float]:
    """Clips per minute for 1 worker, a 2-process pool and a 2-worker Dask LocalCluster."""
    from hipcheck.batch import run_batch

    modes = {
        "1 worker": {"workers": 1},
        "2 workers (pool)": {"workers": 2},
        "Dask LocalCluster (2)": {"workers": 2, "scheduler": "local"},
    }
    rates = {}
    for name, kw in modes.items():
        out = work / name.split()[0].lower()
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        result = run_batch([folder], out, progress=False, **kw)
        elapsed = time.perf_counter() - t0
        assert result.failed == 0, result.failures
        rates[name] = result.total / elapsed * 60
        print(f"  {name:24s} {result.total} clips in {elapsed:6.1f} s -> "
              f"{rates[name]:5.1f} clips/min", flush=True)  # fmt: skip
    return rates


def loop_clip(src: Path, dst: Path, seconds: float) -> float:
    """Write ``src`` repeated to about ``seconds`` (packets remuxed, timestamps shifted)."""
    import av

    with av.open(str(src)) as ic:
        stream = ic.streams.video[0]
        pts = [(p.pts, p.duration or 0) for p in ic.demux(stream) if p.size]
        tb = stream.time_base
    step = max(a + d for a, d in pts) - min(a for a, _ in pts)  # one pass, time-base units
    loops = max(1, round(seconds / float(step * tb)))
    with av.open(str(dst), "w") as oc:
        out = None
        for k in range(loops):
            with av.open(str(src)) as ic:
                stream = ic.streams.video[0]
                out = out or oc.add_stream_from_template(stream)
                for p in ic.demux(stream):
                    if not p.size:
                        continue
                    p.pts += k * step
                    p.dts += k * step
                    p.stream = out
                    oc.mux(p)
    return loops * float(step * tb)


def peak_memory_worker(path: str, out_dir: str) -> dict[str, object]:
    """Analyse one clip in this (fresh) process; return status and peak RSS in MB."""
    from hipcheck.batch import analyze_clip, discover_inputs
    from hipcheck.config import AnalysisConfig

    def vm_hwm_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    job = discover_inputs([path])[0]
    before = vm_hwm_mb()  # after imports, before the clip
    t0 = time.perf_counter()
    status = analyze_clip(job, out_dir, AnalysisConfig())
    return {
        "status": status["status"],
        "error": (status["error"] or {}).get("code"),
        "frames": status["video"].get("frames_decoded"),
        "seconds": time.perf_counter() - t0,
        "hwm_before_mb": before,
        "hwm_mb": vm_hwm_mb(),
    }


def long_clip_memory(work: Path, lengths: list[float]) -> list[dict[str, object]]:
    """Peak RSS of a fresh worker process per looped 1080p clip length."""
    base = SHARED_1080
    if not base.is_file():
        from hipcheck.synth import ClipSpec, generate_clip

        base = work / "base1080.mp4"
        generate_clip(base, ClipSpec(reps=1, size=(1080, 1920), supersample=1), seed=0)
    rows = []
    for seconds in lengths:
        clip = work / f"long_{seconds:g}s.mp4"
        actual = loop_clip(base, clip, seconds)
        with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
            row = pool.submit(peak_memory_worker, str(clip), str(work / "mem")).result()
        row["length_s"] = actual
        rows.append(row)
        print(f"  {actual:5.1f} s clip, {row['frames']} frames 1080x1920: peak RSS "
              f"{row['hwm_mb']:.0f} MB (after imports {row['hwm_before_mb']:.0f} MB), "
              f"{row['seconds']:.0f} s, status {row['status']} {row['error'] or ''}",
              flush=True)  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small and short (CI smoke run).")
    parser.add_argument("--clips", type=int, help="Number of clips for the throughput runs.")
    parser.add_argument("--long", type=float, nargs="+", help="Long clip lengths (s).")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it.")
    args = parser.parse_args()
    n = args.clips or (4 if args.quick else 6)
    size, reps = ((240, 320), 2) if args.quick else ((360, 480), 3)
    lengths = args.long or ([5.0, 10.0] if args.quick else [30.0, 60.0])
    work = args.keep or Path(tempfile.mkdtemp(prefix="hipcheck-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        folder = work / "clips"
        folder.mkdir(exist_ok=True)
        print(f"Generating {n} clips {size[0]}x{size[1]}, {reps} reps, 30 fps ...", flush=True)
        make_clips(folder, n, size, reps)
        print(f"Throughput ({mp.cpu_count()} CPUs):")
        rates = throughput(folder, work)
        one = rates["1 worker"]
        for name, rate in rates.items():
            print(f"  ratio {name} / 1 worker: {rate / one:.2f}")
        print("Peak memory of one worker (fresh process per clip):")
        rows = long_clip_memory(work, lengths)
        growth = rows[-1]["hwm_mb"] - rows[0]["hwm_mb"]  # type: ignore[operator]
        ratio = rows[-1]["length_s"] / rows[0]["length_s"]  # type: ignore[operator]
        print(f"  {ratio:.1f}x longer clip -> peak RSS {growth:+.0f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
