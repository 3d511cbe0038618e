"""Throughput a user's stopwatch agrees with: whole ``hipcheck analyze`` processes vs the bare loop.

For each clip, runs as separate processes, alternating, ``--repeat`` rounds:

- **bare**: ``benchmarks/bare_loop.py`` (OpenCV decode + legacy ``Pose.process`` on
  every frame with the full model in one process: the loop every MediaPipe app runs);
- ``hipcheck analyze CLIP --out TMP --no-progress`` with default options, and variants
  (``--markers off``; ``--workers 1``; ``--model heavy`` when installed).

It prints the median wall time, the CPU time (user + system, with worker processes),
peak memory (resident set of the process and all its children, sampled every 20 ms) and
the ratios median(variant) / median(bare), the wall-time ratio against
the targets (default options: at most 0.7x on clips of 10 s or more, 1.2x on a 3 s
phone clip; heavy: at most 1.0x on clips of 10 s or more). With ``--fps`` it also
measures landmark extraction alone, per model, in this process: frames per second of
the model on pre-decoded frames, and of ``extract_landmarks`` with one process and
with the automatic number of processes.

The clips: a 3 s 1080x1920 portrait phone clip (synthesised with hipcheck.synth,
stored landscape with rotation metadata, like a phone), the real 27 s 1280x720 clip
``videos/real/tuxotiikeri_hyva7.mp4``, the real 9 s 60 fps portrait clip
``videos/real/ucsd_opencap_fitness_demo_squat_front.mp4`` and a synthesised 15 s
720x1280 60 fps clip. Synthesised clips are written to ``--clip-dir`` once.

hipcheck's bytecode is compiled first, as ``pip install`` does (an editable install with
``PYTHONDONTWRITEBYTECODE`` set would otherwise recompile it in every timed run).

The machine's load average is printed before and after: other work on the machine
slows every variant, but not equally (it takes the second core that segments need), so
compare wall-time ratios from idle runs; the CPU-time ratios change less with load.

Usage::

    PYTHONPATH=src python benchmarks/throughput.py [--repeat 3] [--fps] [--clips ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared" / "data"
DEFAULT_CLIP_DIR = Path(tempfile.gettempdir()) / "hipcheck-cache" / "bench"
#: ratio targets (variant / bare) from the issue
TARGET_LONG = 0.7  # default options, clips of 10 s or more
TARGET_SHORT = 1.2  # default options, 3 s phone clip
TARGET_HEAVY = 1.0  # heavy model + all cores, clips of 10 s or more


def synth_clips(clip_dir: Path) -> dict[str, Path]:
    """Write (once) the synthesised benchmark clips; return name -> path."""
    from hipcheck.synth import ClipSpec, generate_clip

    clip_dir.mkdir(parents=True, exist_ok=True)
    specs = {
        "phone_3s_1080x1920.mp4": ClipSpec(
            task="double_leg_squat",
            reps=1,
            tempo_s=1.6,
            baseline_s=0.8,
            end_s=0.4,
            pause_top_s=0.2,
            fppa_deg=8,
            size=(1080, 1920),
            rotation=90,
            fps=30.0,
            supersample=1,
        ),
        "synth_60fps_720x1280.mp4": ClipSpec(
            reps=4,
            tempo_s=2.2,
            fppa_deg=10,
            pelvic_drop_deg=5,
            size=(720, 1280),
            fps=60.0,
            supersample=1,
        ),
    }
    out = {}
    for i, (name, spec) in enumerate(specs.items()):
        path = clip_dir / name
        if not path.exists():
            print(f"synthesising {path} ...", flush=True)
            generate_clip(path, spec, seed=3 + i)
        out[name] = path
    return out


def default_clips(clip_dir: Path) -> list[Path]:
    """The benchmark clips (synthesised ones are created if missing)."""
    synth = synth_clips(clip_dir)
    return [
        synth["phone_3s_1080x1920.mp4"],
        SHARED / "videos/real/tuxotiikeri_hyva7.mp4",
        SHARED / "videos/real/ucsd_opencap_fitness_demo_squat_front.mp4",
        synth["synth_60fps_720x1280.mp4"],
    ]


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (Linux /proc), KiB."""
    total = 0
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        p = int(entry.name)
        children.setdefault(int(stat[1]), []).append(p)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[p] = int(line.split()[1])
    stack = [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Run ``cmd``; return (wall s, CPU s of it and its children, peak tree RSS MiB, status)."""
    import resource

    peak = [0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if sys.platform.startswith("linux"):
        sampler.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak[0] / 1024, code


def variants(heavy: bool, workers_1: bool) -> dict[str, list[str]]:
    """Name -> extra ``hipcheck analyze`` arguments."""
    v = {"analyze (default)": [], "analyze --markers off": ["--markers", "off"]}
    if workers_1:
        v["analyze --workers 1"] = ["--workers", "1"]
    if heavy:
        v["analyze --model heavy"] = ["--model", "heavy"]
    return v


def bench_clip(clip: Path, repeat: int, heavy: bool, workers_1: bool) -> dict[str, list]:
    """Alternate bare and hipcheck runs on one clip; return name -> [(wall, rss)]."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    py = sys.executable
    hipcheck = [py, "-m", "hipcheck"]
    runs: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeat):
            order = [("bare loop", [py, str(HERE / "bare_loop.py"), str(clip)])]
            for name, extra in variants(heavy, workers_1).items():
                cmd = [*hipcheck, "analyze", str(clip), "--out", f"{tmp}/o", "--no-progress"]
                order.append((name, cmd + extra))
            if r % 2:  # alternate the order too, so neither side always runs first
                order.reverse()
            for name, cmd in order:
                wall, cpu, rss, code = timed(cmd, env)
                if code != 0:
                    print(f"  {name}: exit status {code}", flush=True)
                runs.setdefault(name, []).append((wall, cpu, rss))
    return runs


def report(clip: Path, runs: dict[str, list]) -> list[str]:
    """Print one clip's table; return target verdict lines."""
    from hipcheck.io.video import probe_video

    info = probe_video(clip)
    bare = statistics.median(v[0] for v in runs["bare loop"])
    bare_cpu = statistics.median(v[1] for v in runs["bare loop"])
    print(
        f"\n{clip.name}: {info.width}x{info.height}, {info.fps:.0f} fps, {info.duration_s:.1f} s, "
        f"{info.n_frames} frames; median of {len(runs['bare loop'])}",
        flush=True,
    )
    print(f"  {'variant':<26} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6} {'peak MiB':>9}")
    verdicts = []
    long = info.duration_s >= 10
    for name, vals in runs.items():
        wall = statistics.median(v[0] for v in vals)
        cpu = statistics.median(v[1] for v in vals)
        rss = statistics.median(v[2] for v in vals)
        ratio = wall / bare
        print(
            f"  {name:<26} {wall:7.2f} {ratio:6.2f} {cpu:7.2f} {cpu / bare_cpu:6.2f} {rss:9.0f}",
            flush=True,
        )
        target = None
        if name == "analyze (default)":
            target = TARGET_LONG if long else TARGET_SHORT if info.duration_s <= 4 else None
        elif name == "analyze --model heavy" and long:
            target = TARGET_HEAVY
        if target is not None:
            ok = "met" if ratio <= target else "NOT met"
            verdicts.append(f"{clip.name}: {name} {ratio:.2f}x bare (target {target}x): {ok}")
    return verdicts


def extraction_fps(clip: Path, models: list[str], n_frames: int = 150) -> None:
    """Frames per second of landmark extraction alone, per model (this process)."""
    from hipcheck.io.video import open_video
    from hipcheck.pose.extract import extract_landmarks
    from hipcheck.pose.models import resolve_model
    from hipcheck.pose.mp_graph import PoseGraph

    with open_video(clip) as reader:
        frames = []
        for f in reader:
            frames.append(f.image)
            if len(frames) == n_frames:
                break
    print(f"\nlandmark extraction, {clip.name}:")
    for model in models:
        resolved = resolve_model(model)
        graph = PoseGraph(resolved.kind, resolved.path)
        graph.process(frames[0])  # model start outside the timing
        start = time.perf_counter()
        for image in frames:
            graph.process(image)
        alone = len(frames) / (time.perf_counter() - start)
        graph.close()
        out = [f"  {model:<6} model alone on {len(frames)} decoded frames {alone:6.1f} fps"]
        for workers in (1, None):
            start = time.perf_counter()
            series = extract_landmarks(clip, model=model, workers=workers)
            fps = series.n_frames / (time.perf_counter() - start)
            out.append(f"extract ({series.video['pose_workers']} proc) {fps:6.1f} fps")
        print(", ".join(out), flush=True)


def compile_bytecode() -> Path:
    """Compile hipcheck's bytecode (``.pyc``) as ``pip install`` does; return the package dir.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines) and an editable
    install, every run would otherwise compile all of hipcheck's source again: 0.4-0.6 s
    per ``hipcheck analyze`` measured here, a cost an installed user never pays. The bare
    loop's modules (OpenCV, MediaPipe) come from wheels, compiled at install.
    """
    import compileall

    import hipcheck

    package = Path(hipcheck.__file__).resolve().parent
    compileall.compile_dir(package, quiet=1)
    return package


def main() -> None:
    """Run the whole-process comparison (and optionally the extraction fps)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="*", type=Path, default=None)
    parser.add_argument("--clip-dir", type=Path, default=DEFAULT_CLIP_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers-1", action="store_true", help="also time --workers 1")
    parser.add_argument("--fps", action="store_true", help="also measure extraction fps")
    parser.add_argument("--no-heavy", action="store_true", help="skip the heavy model")
    args = parser.parse_args()

    from hipcheck.pose.models import HEAVY, verify_installed

    heavy = not args.no_heavy and verify_installed(HEAVY)
    clips = args.clips or default_clips(args.clip_dir)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cpus} CPUs; load average before: {os.getloadavg()}; heavy installed: {heavy}")
    print(f"bytecode compiled for {compile_bytecode()} (as pip install does)")
    verdicts = []
    for clip in clips:
        runs = bench_clip(clip, args.repeat, heavy, args.workers_1)
        verdicts += report(clip, runs)
    if args.fps:
        for clip in clips:
            extraction_fps(clip, ["full", "heavy"] if heavy else ["full"])
    print(f"\nload average after: {os.getloadavg()}")
    print("\n".join(["", "targets:", *verdicts]))


if __name__ == "__main__":
    main()
