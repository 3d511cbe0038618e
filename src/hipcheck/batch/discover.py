"""Turn batch inputs (files, folders, globs, or a manifest CSV) into clip jobs.

Every clip gets a stable, unique id: a slug of its path relative to the folder it was
found in (or to the manifest's folder) plus a short hash of its absolute path, so two
``left.mp4`` files in different subject folders never share an output folder, and the
same file always maps to the same folder on a re-run.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hipcheck.config import AnalysisConfig
from hipcheck.errors import HipcheckError
from hipcheck.sanitize import clean_id, strip_control

#: file suffixes picked up when scanning folders (explicitly named files are always used)
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"})
#: manifest columns that override the analysis options of their clip
OVERRIDE_COLUMNS = ("task", "side", "sex")
_SLUG_MAX = 60


class BatchInputError(HipcheckError):
    """The batch inputs or the manifest cannot be used."""

    code = "input"


class ClipConfigError(HipcheckError):
    """A clip's options (manifest task/side/sex) are invalid."""

    code = "config"


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse.

    Attributes
    ----------
    clip_id
        Output folder name under ``clips/`` (slug of ``rel`` + hash of ``path``).
    path
        Absolute path of the video.
    rel
        Path relative to the folder or manifest it came from (for people).
    metadata
        Manifest columns other than ``path`` (strings), copied into every output row.
    overrides
        Non-empty ``task``/``side``/``sex`` manifest values; they replace the defaults.
    """

    clip_id: str
    path: str
    rel: str
    metadata: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)

    def config(self, base: AnalysisConfig) -> AnalysisConfig:
        """Return ``base`` with this clip's overrides applied.

        Raises
        ------
        ClipConfigError
            An override value is not allowed (e.g. ``side=middle``).
        """
        try:
            return base.with_(**self.overrides)
        except ValueError as exc:
            raise ClipConfigError(
                f"Invalid options for {self.rel}: {exc}",
                "Fix the task/side/sex cells of this clip in the manifest "
                "(task: auto, single_leg_squat, step_down, double_leg_squat; side: auto, left, "
                "right; sex: unspecified, female, male).",
            ) from exc


def clip_id(path: str | Path, rel: str | Path) -> str:
    """Return the clip id: ``<slug of rel without suffix>-<8 hex of sha1(abs path)>``."""
    rel_path = Path(rel)
    stem = rel_path.with_suffix("").as_posix()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[-_SLUG_MAX:].strip("-")
    digest = hashlib.sha1(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'clip'}-{digest}"


def _job(path: Path, rel: str | Path, metadata: dict[str, str] | None = None) -> ClipJob:
    metadata = dict(metadata or {})
    overrides = {
        k: metadata[k].strip().lower()
        for k in OVERRIDE_COLUMNS
        if k in metadata and metadata[k].strip()
    }
    return ClipJob(
        clip_id=clip_id(path, rel),
        path=str(path.resolve()),
        rel=Path(rel).as_posix(),
        metadata=metadata,
        overrides=overrides,
    )


def _scan_folder(folder: Path) -> Iterable[tuple[Path, Path]]:
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue  # hidden folders and files (.DS_Store, ._clip.mp4 resource forks)
        if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES:
            yield p, rel


def discover_inputs(inputs: Sequence[str | Path]) -> list[ClipJob]:
    """Expand files, folders (recursively, video suffixes only) and glob patterns.

    Files named explicitly are used whatever their suffix (a bad file then fails with a
    reason instead of being silently ignored). Duplicates are dropped; order is the
    order of the inputs, folder contents sorted.

    Raises
    ------
    BatchInputError
        An input matches nothing, or no clip was found at all.
    """
    jobs: dict[str, ClipJob] = {}
    for item in inputs:
        p = Path(item).expanduser()
        if p.is_dir():
            found = [_job(f, rel) for f, rel in _scan_folder(p)]
        elif p.is_file():
            found = [_job(p, p.name)]
        elif glob.has_magic(str(item)):
            matches = sorted(glob.glob(str(p), recursive=True))
            found = []
            for m in map(Path, matches):
                if m.is_dir():
                    found += [_job(f, rel) for f, rel in _scan_folder(m)]
                elif m.is_file() and m.suffix.lower() in VIDEO_SUFFIXES:
                    found.append(_job(m, m.name))
        else:
            raise BatchInputError(f"Input not found: {item}", "Check the path or the pattern.")
        if not found:
            raise BatchInputError(
                f"No video files in {item}.",
                f"Videos are found by suffix: {', '.join(sorted(VIDEO_SUFFIXES))}.",
            )
        for job in found:
            jobs.setdefault(job.path, job)
    return list(jobs.values())


def read_manifest(manifest: str | Path) -> list[ClipJob]:
    """Read a manifest CSV: a ``path`` column plus any metadata columns.

    Paths are relative to the manifest's folder (absolute paths are kept). All other
    columns are metadata, read as text (``01`` stays ``01``; control characters are
    removed from names and cells, so they cannot reach a terminal); ``task``, ``side`` and
    ``sex`` cells, when not empty, override the analysis options of their clip. A
    missing video is not an error here: it becomes a failed clip with a reason.

    Raises
    ------
    BatchInputError
        The manifest is missing, unreadable, has no ``path`` column, or repeats a path.
    """
    import pandas as pd

    manifest = Path(manifest).expanduser()
    if not manifest.is_file():
        raise BatchInputError(f"Manifest not found: {manifest}", "Check the path.")
    try:
        df = pd.read_csv(manifest, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BatchInputError(
            f"{manifest} is not a readable CSV file ({exc}).",
            "Save the manifest as CSV (comma-separated, UTF-8) with a header row.",
        ) from exc
    df.columns = [clean_id(c) for c in df.columns]
    if "path" not in df.columns:
        raise BatchInputError(
            f"{manifest} has no 'path' column (columns: {', '.join(df.columns)}).",
            "Add a header 'path' with the video file of each row, relative to the manifest.",
        )
    root = manifest.parent
    jobs: list[ClipJob] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(df.to_dict("records"), start=2):
        raw = row.pop("path").strip()
        if not raw:
            raise BatchInputError(f"{manifest}, line {i}: empty path.", "Fill in or drop the row.")
        p = Path(raw).expanduser()
        p = p if p.is_absolute() else root / p
        job = _job(p, raw, {str(k): strip_control(v).strip() for k, v in row.items()})
        if job.path in seen:
            raise BatchInputError(
                f"{manifest}, lines {seen[job.path]} and {i} name the same video {raw}.",
                "List every video once (add a 'condition' or 'session' column to tell "
                "repeated measurements apart, with their own files).",
            )
        seen[job.path] = i
        jobs.append(job)
    if not jobs:
        raise BatchInputError(f"{manifest} lists no videos.", "Add one row per video.")
    return jobs
