"""Run clip jobs: one per-clip function, three ways to execute it.

:func:`analyze_clip` is the unit of work: it analyses one clip into its folder (through
the output layer, so the annotated video and reports come out as for ``hipcheck
analyze``) and writes ``status.json`` last. It runs unchanged in this process
(``workers=1``), in local worker processes (:mod:`hipcheck.batch.pool`: one clip at a
time each, never orphaned) or on Dask distributed workers, so every way gives the same
files. :func:`run_batch` checks the options and the output folder before any work,
locks the folder against a second batch, decides what needs doing (skips clips already
done), runs it, logs each outcome and rebuilds the tables from the clip folders.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hipcheck import __version__
from hipcheck.batch.discover import BatchInputError, ClipJob, discover_inputs, read_manifest
from hipcheck.batch.files import (
    LANDMARKS,
    STATUS_VERSION,
    RunLog,
    clean_leftovers,
    clips_dir,
    now_iso,
    read_status,
    reset_clip_dir,
    write_status,
)
from hipcheck.batch.pool import FrameProgress, LocalPool, _throttled
from hipcheck.batch.tables import build_tables, write_tables
from hipcheck.config import AnalysisConfig
from hipcheck.errors import HipcheckError, OutputError, UsageError
from hipcheck.outputs.writers import CORE_FORMATS, OUTPUT_NAMES

_INTERNAL_HINT = (
    "This is a bug in hipcheck, not a problem with the clip; please report it with "
    "the clip's status.json."
)
#: Dask's address schemes (distributed.comm registry)
DASK_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
#: seconds to wait for a Dask scheduler to answer (its handshake comes at once)
DASK_CONNECT_TIMEOUT_S = 5


def _video_facts(path: str) -> dict[str, Any]:
    """Probe a video for the clips table when the analysis failed before reading it."""
    from hipcheck.io.video import probe_video

    try:
        return probe_video(path).to_dict()
    except (HipcheckError, OSError, ValueError):
        return {}


def analyze_clip(
    job: ClipJob,
    out_dir: str | Path,
    config: AnalysisConfig,
    *,
    from_landmarks: bool = False,
    max_side: int | None = None,
    model: str | None = None,
    formats: Sequence[str] = CORE_FORMATS,
    progress: Callable[[int, int | None], None] | None = None,
) -> dict[str, Any]:
    """Analyse one clip into ``out_dir/clips/<clip_id>/``; return its status.

    The landmarks are saved as soon as the pose model has run, so a clip that fails
    later (nothing measurable) can be re-analysed without the model. The other files
    are written as one set by the output layer (``assessment.json`` last), then
    ``status.json``. User errors (:class:`HipcheckError`) become a ``failed`` status
    with code, message and hint; any other exception too (code ``internal``, with the
    traceback), so one bad clip never stops a batch. An output error (code
    ``output``: disk full, read-only disk) is returned the same way; the coordinator
    stops the batch on it, since every further clip would fail alike.

    Parameters
    ----------
    job
        The clip.
    out_dir
        Batch output folder.
    config
        Default analysis options; the job's manifest overrides are applied on top.
    from_landmarks
        Re-analyse the stored ``landmarks.parquet`` instead of running the pose model
        (falls back to the video when there are none).
    max_side, model
        Passed to the pose model (see :func:`hipcheck.pose.extract_landmarks`).
    formats
        Output writers (:data:`hipcheck.outputs.writers.WRITERS`): the core files,
        plus ``annotated``, ``pdf`` or ``html``.
    progress
        ``progress(frames_done, frames_expected)`` while the pose model runs.

    Returns
    -------
    dict
        The content of ``status.json``: ``clip_id``, ``path``, ``status`` (``ok`` or
        ``failed``), ``error`` (code, message, hint) or None, ``analysed_from``
        (``video`` or ``landmarks``), ``config``, ``outputs``, ``metadata``, ``video``
        facts and timing.
    """
    from hipcheck.io.landmarks import load_landmarks, save_landmarks
    from hipcheck.outputs.folder import OutputFolder
    from hipcheck.outputs.writers import AnalysisData, write_outputs
    from hipcheck.pipeline import analyze_landmarks, analyze_with_video, check_movie
    from hipcheck.pose import extract_landmarks

    clip_dir = clips_dir(out_dir) / job.clip_id
    landmarks = clip_dir / LANDMARKS
    use_stored = from_landmarks and landmarks.is_file()
    started, t0 = now_iso(), time.perf_counter()
    status: dict[str, Any] = {
        "status_version": STATUS_VERSION,
        "clip_id": job.clip_id,
        "path": job.path,
        "rel": job.rel,
        "status": "failed",
        "error": None,
        "analysed_from": "landmarks" if use_stored else "video",
        "config": None,
        "outputs": [],
        "metadata": job.metadata,
        "video": {},
        "n_reps": None,
        "started_at": started,
        "hipcheck_version": __version__,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    series = None
    try:
        reset_clip_dir(clip_dir, keep_landmarks=use_stored)
        clip_config = job.config(config)
        status["config"] = clip_config.to_dict()
        managed = OUTPUT_NAMES - {LANDMARKS}  # the landmarks are saved on their own
        with OutputFolder(clip_dir, managed=managed, lock=False) as folder:
            if use_stored:
                series = load_landmarks(landmarks)
            else:
                check_movie(job.path)
                series = extract_landmarks(
                    job.path, model=model, max_side=max_side, progress=progress
                )
                save_landmarks(series, landmarks)
            has_video = Path(job.path).is_file()
            if has_video:  # the marker pass needs the video
                analysis = analyze_with_video(series, job.path, clip_config)
            else:
                analysis = analyze_landmarks(series, clip_config)
            data = AnalysisData.of(analysis, job.path if has_video else None)
            if not has_video:
                data.video_note = f"Key frames were left out: {job.rel} was not found."
            write_outputs(folder, data, [f for f in formats if f != "landmarks"])
            folder.commit()
        status["status"] = "ok"
        status["n_reps"] = len(analysis.assessment.reps)
        status["outputs"] = sorted(formats)
    except HipcheckError as exc:
        status["error"] = {"code": exc.code, "message": exc.message, "hint": exc.hint}
    except OSError as exc:  # a write outside the output layer (the clip folder itself)
        from hipcheck.outputs.atomic import output_error

        e = output_error(exc, exc.filename or clip_dir)
        status["error"] = {"code": e.code, "message": e.message, "hint": e.hint}
    except Exception as exc:  # noqa: BLE001 (one broken clip must not stop the batch)
        status["error"] = {
            "code": "internal",
            "message": f"{type(exc).__name__}: {exc}",
            "hint": _INTERNAL_HINT,
            "traceback": traceback.format_exc(),
        }
    status["video"] = dict(series.video) if series is not None else _video_facts(job.path)
    status["finished_at"] = now_iso()
    status["elapsed_s"] = round(time.perf_counter() - t0, 3)
    try:
        write_status(clip_dir, status)
    except (HipcheckError, OSError) as exc:  # disk full: the clip stays "pending"
        status["status"] = "failed"
        message = getattr(exc, "message", str(exc))
        status["error"] = {"code": "output", "message": message, "hint": None}
    return status


def crashed_status(job: ClipJob, out_dir: str | Path, exc: BaseException) -> dict[str, Any]:
    """Record a clip whose worker process died (written by the coordinating process)."""
    clip_dir = clips_dir(out_dir) / job.clip_id
    clip_dir.mkdir(parents=True, exist_ok=True)
    status: dict[str, Any] = {
        "status_version": STATUS_VERSION,
        "clip_id": job.clip_id,
        "path": job.path,
        "rel": job.rel,
        "status": "failed",
        "error": {
            "code": "worker_crashed",
            "message": (
                f"The worker process died while this clip was running or queued "
                f"({type(exc).__name__}: {exc}); out of memory, or a crash in the pose model."
            ),
            "hint": "Re-run to retry. If it recurs, run this clip alone with --workers 1.",
        },
        "analysed_from": None,
        "config": None,
        "metadata": job.metadata,
        "video": {},
        "n_reps": None,
        "finished_at": now_iso(),
        "hipcheck_version": __version__,
    }
    write_status(clip_dir, status)
    return status


# --- in this process ---------------------------------------------------------------


@dataclass
class SerialRunner:
    """Run the clips one after the other in this process (``workers=1``)."""

    running: set[str] = field(default_factory=set)

    def run(
        self,
        work: Sequence[tuple[ClipJob, dict]],
        out_dir: str,
        config: AnalysisConfig,
        on_frames: FrameProgress | None,
    ) -> Generator[dict[str, Any], None, None]:
        """Yield each clip's status as it finishes."""
        for job, kw in work:
            progress = None
            if on_frames is not None:
                progress = _throttled(job.clip_id, lambda m: on_frames(*m))
            self.running = {job.clip_id}
            status = analyze_clip(job, out_dir, config, progress=progress, **kw)
            self.running = set()
            yield status


# --- Dask distributed -------------------------------------------------------------------


def check_scheduler(scheduler: str | None) -> None:
    """Refuse a ``--scheduler`` value that is not ``local`` or a Dask address.

    Raises
    ------
    hipcheck.errors.UsageError
        Not ``local`` and not ``SCHEME://HOST:PORT`` with a Dask scheme.
    """
    if scheduler is None or scheduler == "local":
        return
    hint = "Give --scheduler local, or a Dask scheduler address such as tcp://host:8786."
    try:
        parts = urlsplit(scheduler)
        port = parts.port
    except ValueError:
        raise UsageError(f"{scheduler!r} is not a Dask scheduler address.", hint) from None
    if (
        parts.scheme not in DASK_SCHEMES
        or not parts.hostname
        or (parts.scheme != "inproc" and port is None)
    ):
        raise UsageError(f"{scheduler!r} is not a Dask scheduler address.", hint)


_DASK_HINT = (
    "Check the address and that a Dask scheduler runs there: start one with `dask "
    "scheduler` and workers with `dask worker ADDRESS --nthreads 1` (see docs/BATCH.md), "
    "or use --scheduler local."
)


def probe_scheduler(scheduler: str, timeout_s: float = DASK_CONNECT_TIMEOUT_S) -> None:
    """Check that a ``tcp://`` address answers like a Dask scheduler, within ``timeout_s``.

    A Dask scheduler speaks first on a new TCP connection (its handshake), so a server
    that stays silent (a web server waiting for a request) or hangs up is not one;
    Dask's own client would wait for such a server without end.

    Raises
    ------
    hipcheck.errors.HipcheckError
        Nothing listens there, or what listens is not a Dask scheduler.
    """
    parts = urlsplit(scheduler)
    if parts.scheme != "tcp":
        return
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout_s) as conn:
            conn.settimeout(timeout_s)
            try:
                first = conn.recv(1)
            except TimeoutError:
                first = None
    except OSError as exc:
        raise HipcheckError(
            f"Cannot reach a Dask scheduler at {scheduler} ({exc.strerror or exc}).", _DASK_HINT
        ) from None
    if not first:
        what = "closed the connection" if first == b"" else f"sent nothing within {timeout_s:g} s"
        raise HipcheckError(
            f"{scheduler} answers, but not as a Dask scheduler (it {what}).", _DASK_HINT
        )


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int | None) -> Iterator[Any]:
    """Yield a Dask client: ``local`` starts a LocalCluster here, else connect to ADDRESS."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise HipcheckError(
            "Dask distributed is not installed.", "pip install 'distributed>=2024.1'"
        ) from exc
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers or min(os.cpu_count() or 1, 4),
            threads_per_worker=1,  # the pose model already uses the cores it has
            processes=True,
            dashboard_address=None,
        )
        with cluster, Client(cluster) as client:
            yield client
        return
    check_scheduler(scheduler)
    probe_scheduler(scheduler)
    try:
        client = Client(scheduler, timeout=f"{DASK_CONNECT_TIMEOUT_S}s")
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the same message
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise HipcheckError(
            f"Cannot reach a Dask scheduler at {scheduler} ({reason}).", _DASK_HINT
        ) from None
    with client:
        yield client


def _run_dask(
    work: Sequence[tuple[ClipJob, dict]],
    out_dir: str,
    config: AnalysisConfig,
    scheduler: str,
    workers: int | None,
) -> Generator[dict[str, Any], None, None]:
    from distributed import KilledWorker, as_completed

    with dask_client(scheduler, workers) as client:
        futures = {}
        for job, kw in work:
            fut = client.submit(analyze_clip, job, out_dir, config, **kw, pure=False, retries=0)
            futures[fut] = job
        try:
            for fut in as_completed(list(futures)):
                try:
                    status = fut.result()
                except KilledWorker as exc:  # Dask already retried it on other workers
                    status = crashed_status(futures[fut], out_dir, exc)
                yield status
        finally:
            client.cancel(list(futures))


# --- the batch --------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    out_dir
        Output folder.
    total, done, skipped, failed
        Clips in the batch; analysed successfully in this run; skipped because a
        previous run finished them; failed (in this run).
    failures
        One dict per failed clip: ``clip_id``, ``path``, ``code``, ``message``, ``hint``.
    no_reps
        Clip ids analysed ok but without any measurable repetition.
    tables
        Paths of ``reps.csv``, ``reps.parquet``, ``clips.csv``, ``clips.parquet``.
    elapsed_s
        Wall time of the run.
    """

    out_dir: Path
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    no_reps: list[str] = field(default_factory=list)
    tables: dict[str, Path] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no clip failed."""
        return self.failed == 0


def default_workers(n_clips: int) -> int:
    """min(usable CPUs, clips), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_clips))


def _needs_work(
    job: ClipJob,
    out_dir: str,
    config: AnalysisConfig,
    overwrite: bool,
    reanalyze: bool,
    formats: Sequence[str] = CORE_FORMATS,
) -> dict | None:
    """Return the keyword options for :func:`analyze_clip`, or None to skip the clip."""
    clip_dir = clips_dir(out_dir) / job.clip_id
    if reanalyze:
        return {"from_landmarks": True}
    status = read_status(clip_dir)
    if overwrite or status is None or status.get("status") != "ok":
        return {"from_landmarks": False}
    try:
        wanted = job.config(config).to_dict()
    except HipcheckError:
        return {"from_landmarks": False}
    if status.get("config") != wanted:
        # Options changed since that run: the stored landmarks are still valid.
        return {"from_landmarks": True}
    if not set(formats) <= set(status.get("outputs") or CORE_FORMATS):
        return {"from_landmarks": True}  # a report or annotated video is asked for now
    return None


def _prepare_out_dir(out_dir: str | Path) -> Path:
    """Create the output folder and its ``clips/``; raise OutputError if that fails."""
    from hipcheck.outputs.folder import make_folder

    out = Path(out_dir).expanduser().resolve()
    make_folder(out, "the batch output folder")
    make_folder(clips_dir(out), "the clips folder")
    return out


def run_batch(
    inputs: Sequence[str | Path] | None = None,
    out_dir: str | Path = "hipcheck-batch",
    *,
    manifest: str | Path | None = None,
    config: AnalysisConfig | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    reanalyze: bool = False,
    max_side: int | None = None,
    model: str | Path | None = None,
    annotate: bool = False,
    report: str | None = None,
    progress: bool = True,
) -> BatchResult:
    """Analyse many clips into ``out_dir`` and build the aggregate tables.

    Parameters
    ----------
    inputs
        Files, folders (scanned recursively for video suffixes) or glob patterns.
    out_dir
        Output folder: ``clips/<clip-id>/`` per clip, ``reps.{csv,parquet}``,
        ``clips.{csv,parquet}``, ``run.log``. It is locked for the run
        (``.hipcheck.lock``): a second batch on it fails at once.
    manifest
        CSV with a ``path`` column (relative to the manifest) and metadata columns;
        ``task``/``side``/``sex`` cells override ``config`` per clip. Use instead of
        ``inputs``.
    config
        Default analysis options.
    workers
        Local worker processes (default: min(CPUs, clips)); 1 runs in this process.
        With ``scheduler="local"``: the LocalCluster's worker count. Worker processes
        are spawned, so a script calling this with more than one worker needs the
        ``if __name__ == "__main__":`` guard (notebooks need nothing).
    scheduler
        None for local processes; ``"local"`` for an in-process Dask LocalCluster;
        else a Dask scheduler address (``tcp://host:8786``). Workers must see the
        videos and ``out_dir`` at the same paths (shared file system).
    overwrite
        Re-analyse clips that are already done.
    reanalyze
        Recompute every clip from its stored landmarks (no pose model).
    max_side, model
        Pose model options (see :func:`hipcheck.pipeline.analyze_video`).
    annotate, report
        Also write each clip's ``annotated.mp4`` and its report (``pdf`` or ``html``).
    progress
        Show a progress bar (clips, and frames of the running clips) on stderr.

    Returns
    -------
    BatchResult

    Raises
    ------
    HipcheckError
        No inputs, bad manifest, unreachable scheduler (exit 1); invalid options
        (:class:`~hipcheck.errors.UsageError`); an output folder that cannot be written
        or is in use by another batch, or a full disk during the run
        (:class:`~hipcheck.errors.OutputError`; finished clips are kept). Failures of
        single clips are not raised: they are rows of the clips table and entries of
        ``failures``.
    KeyboardInterrupt
        Ctrl-C: no further clip is started, running ones are stopped (they are redone
        by the next run), the log says what was finished and the tables are rebuilt.
    """
    from hipcheck.outputs.lock import FolderLock
    from hipcheck.outputs.writers import select_formats

    t0 = time.perf_counter()
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    if manifest is not None and inputs:
        raise UsageError("Give either inputs or a manifest, not both.", "Pick one.")
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1, got {workers}.")
    if max_side is not None and max_side < 1:
        raise UsageError(f"max_side must be positive, got {max_side}.")
    check_scheduler(scheduler)
    formats = select_formats(annotate=annotate, report=report)
    if scheduler and scheduler != "local":
        probe_scheduler(scheduler)  # before anything is written
    if manifest is not None:
        jobs = read_manifest(manifest)
    elif inputs:
        jobs = discover_inputs(inputs)
    else:
        raise UsageError("No inputs given.", "Pass files, folders or globs, or --manifest.")
    target = Path(out_dir).expanduser().resolve()
    # an output folder inside a scanned folder must not feed its own annotated videos back
    jobs = [j for j in jobs if manifest is not None or not Path(j.path).is_relative_to(target)]
    if not jobs:
        raise BatchInputError(
            f"The only videos found are inside the output folder {target}.",
            "Point the inputs at the recordings, or write the results elsewhere (--out).",
        )
    config = config or AnalysisConfig()
    out = _prepare_out_dir(out_dir)
    with FolderLock(out, "hipcheck batch"):
        return _run_locked(
            jobs, out, config, workers, scheduler, overwrite, reanalyze, formats, t0,
            {"max_side": max_side, "model": None if model is None else str(model)},
            progress,
        )  # fmt: skip


def _run_locked(
    jobs: list[ClipJob],
    out: Path,
    config: AnalysisConfig,
    workers: int | None,
    scheduler: str | None,
    overwrite: bool,
    reanalyze: bool,
    formats: tuple[str, ...],
    t0: float,
    pose_kw: dict[str, Any],
    progress: bool,
) -> BatchResult:
    """Run the body of :func:`run_batch` with the output folder locked."""
    from hipcheck.batch.progress import BatchProgress

    result = BatchResult(out_dir=out, total=len(jobs))
    work = []
    for job in jobs:
        kw = _needs_work(job, str(out), config, overwrite, reanalyze, formats)
        if kw is None:
            result.skipped += 1
        else:
            work.append((job, {**kw, **pose_kw, "formats": formats}))
    n_workers = workers or default_workers(len(work))
    stop: OutputError | None = None
    finished: list[str] = []
    with RunLog(out / "run.log") as log, BatchProgress(jobs, enabled=progress) as bar:
        how = f"scheduler {scheduler}" if scheduler else f"{min(n_workers, len(work))} worker(s)"
        log.write(
            f"run start: {len(jobs)} clips, {len(work)} to analyse, {result.skipped} already "
            f"done; {how}; hipcheck {__version__}; options {config.to_dict()}"
            + (f"; outputs {', '.join(formats)}" if formats != CORE_FORMATS else "")
            + ("; reanalyze" if reanalyze else "")
            + ("; overwrite" if overwrite else "")
        )
        bar.advance(result.skipped)
        runner: Any
        outcomes: Generator[dict[str, Any], None, None]
        if scheduler:
            runner = None
            outcomes = _run_dask(work, str(out), config, scheduler, workers)
        elif n_workers <= 1 or len(work) <= 1:
            runner = SerialRunner()
            outcomes = runner.run(work, str(out), config, bar.frames)
        else:
            runner = LocalPool(n_workers)
            outcomes = runner.run(
                analyze_clip,
                work,
                str(out),
                config,
                bar.frames,
                lambda job, exc: crashed_status(job, str(out), exc),
            )
        try:
            for status in outcomes:
                bar.finish(status["clip_id"])
                _record(result, status, log)
                if status["status"] == "ok":
                    finished.append(status["clip_id"])
                elif (status.get("error") or {}).get("code") == "output":
                    err = status["error"]
                    stop = OutputError(err["message"], err.get("hint"))
                    log.write(f"run stopped: {err['message']} (no further clip was started)")
                    break
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                outcomes.close()  # stops the workers first
            running = []
            for clip_id in sorted(getattr(runner, "running", set())):
                status = read_status(clips_dir(out) / clip_id) or {}
                if status.get("status") == "ok":  # finished as the signal came
                    finished.append(clip_id)
                else:
                    running.append(clip_id)
            started = len(finished) + result.failed + len(running)
            log.write(
                f"run interrupted (Ctrl-C): no further clip was started; finished in this run: "
                f"{', '.join(finished) or 'none'}; stopped while running (redone on the next "
                f"run): {', '.join(running) or 'none'}; not started: "
                f"{max(0, len(work) - started)}. Finished clips are kept; re-run the same "
                "command to resume."
            )
            raise
        finally:
            with contextlib.suppress(Exception):
                outcomes.close()
            for clip_id in getattr(runner, "running", ()):  # stopped mid-clip
                clean_leftovers(clips_dir(out) / clip_id)
            reps, clips = build_tables(jobs, out)
            result.tables = write_tables(reps, clips, out)
        result.no_reps = [
            r["clip_id"]
            for r in clips.to_dict("records")
            if r["status"] == "ok" and not r["n_reps"]
        ]
        result.elapsed_s = time.perf_counter() - t0
        log.write(
            f"run end: {result.done} analysed, {result.skipped} skipped, {result.failed} "
            f"failed, {len(result.no_reps)} ok without measurable reps; "
            f"{result.elapsed_s:.1f} s"
        )
    if stop is not None:
        raise stop
    return result


def _record(result: BatchResult, status: dict[str, Any], log: RunLog) -> None:
    where = f"{status['clip_id']} ({status['rel']})"
    if status["status"] == "ok":
        result.done += 1
        log.write(
            f"ok      {where}: {status['n_reps']} reps from {status['analysed_from']}, "
            f"{status['elapsed_s']:.1f} s on {status['host']}"
        )
        return
    err = status["error"] or {}
    result.failed += 1
    result.failures.append(
        {
            "clip_id": status["clip_id"],
            "path": status["path"],
            "code": err.get("code"),
            "message": err.get("message"),
            "hint": err.get("hint"),
        }
    )
    log.write(
        f"failed  {where}: [{err.get('code')}] {err.get('message')}"
        + (f"\n{err['traceback']}" if err.get("traceback") else "")
    )
