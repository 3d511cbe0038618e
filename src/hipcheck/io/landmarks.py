"""Save and load landmark series.

The native format is **Parquet** (``landmarks.parquet``), one row per frame:

=========================== ======= ===================================================
column                      type    meaning
=========================== ======= ===================================================
``frame``                   int32   0-based index of the decoded frame
``t_s``                     float64 presentation timestamp, seconds
``{name}_x``, ``{name}_y``  float32 pixel coordinates (x right, y down, upright frame)
``{name}_z``                float32 MediaPipe relative depth, pixels (scaled by width)
``{name}_visibility``       float32 0-1
``{name}_presence``         float32 0-1, NaN if the backend has none
=========================== ======= ===================================================

``{name}`` runs over :data:`hipcheck.landmarks.LANDMARK_NAMES` (subject's sides).
Frames without a person have NaN in every landmark column. The file's schema metadata
key ``hipcheck`` holds JSON with ``format_version``, ``frame_size`` ([width, height]),
``model``, ``source``, ``video`` (video facts) and ``log`` (provenance). A save/load
round trip is lossless.

:func:`load_landmark_csv` also reads the CSV exports of other MediaPipe tools, whose
coordinates are normalised (0-1) and need the image size to become pixels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hipcheck.errors import LandmarkFileError
from hipcheck.landmarks import LANDMARK_NAMES, LandmarkSeries, strictly_increasing

FORMAT_VERSION = 1
_FIELDS = ("x", "y", "z", "visibility", "presence")


def series_to_frame(series: LandmarkSeries) -> pd.DataFrame:
    """Return the landmark series as the wide table described in the module docstring."""
    cols: dict[str, np.ndarray] = {
        "frame": np.arange(series.n_frames, dtype=np.int32),
        "t_s": series.t_s.astype(np.float64),
    }
    for k, name in enumerate(LANDMARK_NAMES):
        cols[f"{name}_x"] = series.xy[:, k, 0].astype(np.float32)
        cols[f"{name}_y"] = series.xy[:, k, 1].astype(np.float32)
        cols[f"{name}_z"] = series.z[:, k].astype(np.float32)
        cols[f"{name}_visibility"] = series.visibility[:, k].astype(np.float32)
        cols[f"{name}_presence"] = series.presence[:, k].astype(np.float32)
    return pd.DataFrame(cols)


def save_landmarks(series: LandmarkSeries, path: str | Path) -> Path:
    """Write a landmark series to Parquet (atomically: a temp file renamed into place).

    Raises
    ------
    hipcheck.errors.OutputError
        The file cannot be written (a folder in the way, disk full, no permission).
    """
    from hipcheck.outputs.atomic import atomic_path, output_error

    path = Path(path)
    if path.is_dir():
        raise output_error(IsADirectoryError(21, "Is a directory"), path, str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, path.parent, str(path)) from exc
    table = pa.Table.from_pandas(series_to_frame(series), preserve_index=False)
    meta = {
        "format_version": FORMAT_VERSION,
        "frame_size": list(series.frame_size),
        "model": series.model,
        "source": series.source,
        "video": series.video,
        "log": series.log,
    }
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"hipcheck": json.dumps(meta, default=str).encode()}
    )
    with atomic_path(path, str(path)) as tmp:
        pq.write_table(table, tmp)
    return path


def load_landmarks(path: str | Path) -> LandmarkSeries:
    """Read a landmark series written by :func:`save_landmarks`, checking every field.

    A landmark file may come from anywhere, so it is validated before use: the metadata
    must be JSON with the expected fields and types, timestamps finite and strictly
    increasing, every landmark column numeric with no infinite values, x and y missing
    together, and visibility/presence within 0-1 (visibility present wherever the
    landmark has coordinates).

    Raises
    ------
    hipcheck.errors.LandmarkFileError
        Missing file, not Parquet, not a hipcheck landmark file, or a field that fails
        the checks above (the message names the file and the field).
    """
    path = Path(path)
    if not path.is_file():
        raise LandmarkFileError(
            f"Landmark file not found: {path}.", "Check the path (a landmarks.parquet file)."
        )
    if path.suffix.lower() == ".csv":
        raise LandmarkFileError(
            f"{path} is a CSV file.",
            "Use load_landmark_csv(path, frame_size=(W, H)) for normalised CSV exports.",
        )
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise LandmarkFileError(
            f"{path} is not a readable Parquet file ({exc}).",
            "Pass a landmarks.parquet file written by hipcheck.",
        ) from exc
    meta = _metadata(table, path)
    df = table.to_pandas()
    arrays = _arrays_from_frame(df, path)
    try:
        return LandmarkSeries(
            t_s=arrays.pop("t_s"),
            frame_size=(int(meta["frame_size"][0]), int(meta["frame_size"][1])),
            model=meta.get("model", ""),
            source=meta.get("source", ""),
            video=meta.get("video", {}),
            log=[*meta.get("log", []), {"operation": "load_landmarks", "path": str(path)}],
            **arrays,
        )
    except ValueError as exc:  # pragma: no cover - the checks above should catch it all
        raise LandmarkFileError(f"{path}: {exc}", _HINT) from None


_HINT = "Pass a landmarks.parquet file written by hipcheck (hipcheck landmarks VIDEO -o FILE)."


def _bad(path: Path, field: str, problem: str) -> LandmarkFileError:
    return LandmarkFileError(f"{path}: field {field!r} {problem}.", _HINT)


def _metadata(table: pa.Table, path: Path) -> dict:
    raw_meta = (table.schema.metadata or {}).get(b"hipcheck")
    if raw_meta is None:
        raise LandmarkFileError(f"{path} has no hipcheck metadata.", _HINT)
    try:
        meta = json.loads(raw_meta)
    except (ValueError, RecursionError):
        raise _bad(path, "hipcheck metadata", "is not valid JSON") from None
    if not isinstance(meta, dict):
        raise _bad(path, "hipcheck metadata", "is not a JSON object")
    if meta.get("format_version") != FORMAT_VERSION:
        raise LandmarkFileError(
            f"{path} has landmark format version {meta.get('format_version')!r}; "
            f"this hipcheck reads version {FORMAT_VERSION}.",
            "Re-extract the landmarks with this version of hipcheck.",
        )
    size = meta.get("frame_size")
    if not (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in size)
        and all(np.isfinite(v) and v == int(v) and 0 < v <= _MAX_FRAME_SIDE for v in size)
    ):
        raise _bad(path, "frame_size", f"must be [width, height] in pixels, got {size!r:.80}")
    for key, kind, name in (
        ("model", str, "text"),
        ("source", str, "text"),
        ("video", dict, "an object"),
        ("log", list, "a list"),
    ):
        if key in meta and not isinstance(meta[key], kind):
            raise _bad(path, key, f"must be {name}, got {type(meta[key]).__name__}")
    return meta


#: largest frame side accepted in a landmark file (pixels; 16K video is 15360 wide)
_MAX_FRAME_SIDE = 20000


def _numeric(df: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    series = df[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise _bad(path, column, f"must be numbers, got {series.dtype}")
    return series.to_numpy(np.float64)


def _arrays_from_frame(df: pd.DataFrame, path: Path) -> dict[str, np.ndarray]:
    missing = [f"{name}_{f}" for name in LANDMARK_NAMES for f in _FIELDS if f"{name}_{f}" not in df]
    if "t_s" not in df:
        missing.insert(0, "t_s")
    if missing:
        raise LandmarkFileError(
            f"{path} lacks {len(missing)} landmark columns (e.g. {missing[:3]}).", _HINT
        )
    if len(df) == 0:
        raise LandmarkFileError(f"{path} holds no frames.", _HINT)
    t = _numeric(df, "t_s", path)
    if not np.isfinite(t).all():
        row = int(np.flatnonzero(~np.isfinite(t))[0])
        raise _bad(path, "t_s", f"is missing or infinite at row {row}")
    steps = np.diff(t)
    if (steps <= 0).any():
        row = int(np.flatnonzero(steps <= 0)[0]) + 1
        how = "repeats" if steps[row - 1] == 0 else "decreases"
        raise _bad(
            path,
            "t_s",
            f"{how} at row {row} ({t[row]:.4f} s after {t[row - 1]:.4f} s); timestamps must "
            "strictly increase",
        )
    values: dict[str, np.ndarray] = {}
    for name in LANDMARK_NAMES:
        for f in _FIELDS:
            column = f"{name}_{f}"
            v = _numeric(df, column, path)
            if np.isinf(v).any():
                row = int(np.flatnonzero(np.isinf(v))[0])
                raise _bad(path, column, f"is infinite at row {row}")
            if f in ("visibility", "presence"):
                outside = np.isfinite(v) & ((v < -1e-6) | (v > 1 + 1e-6))
                if outside.any():
                    row = int(np.flatnonzero(outside)[0])
                    raise _bad(path, column, f"must lie in 0-1, got {v[row]:g} at row {row}")
            values[column] = v
        x, y = values[f"{name}_x"], values[f"{name}_y"]
        odd = np.isfinite(x) != np.isfinite(y)
        if odd.any():
            row = int(np.flatnonzero(odd)[0])
            raise _bad(path, f"{name}_x/{name}_y", f"has only one of x and y at row {row}")
        unseen = np.isfinite(x) & ~np.isfinite(values[f"{name}_visibility"])
        if unseen.any():
            row = int(np.flatnonzero(unseen)[0])
            raise _bad(path, f"{name}_visibility", f"is missing at row {row} (x, y are there)")

    def stack(field: str) -> np.ndarray:
        return np.stack(
            [values[f"{name}_{field}"].astype(np.float32) for name in LANDMARK_NAMES], axis=1
        )

    return {
        "t_s": t,
        "xy": np.stack([stack("x"), stack("y")], axis=2),
        "z": stack("z"),
        "visibility": stack("visibility"),
        "presence": stack("presence"),
    }


def load_landmark_csv(
    path: str | Path,
    frame_size: tuple[int, int],
    *,
    time_unit: str = "auto",
    fps: float | None = None,
) -> LandmarkSeries:
    """Read a CSV of normalised MediaPipe landmarks into a pixel landmark series.

    Two layouts are recognised:

    - indexed: ``lm{i}_x, lm{i}_y, lm{i}_z, lm{i}_v`` for i = 0..32 (MediaPipe index),
      with a time column ``t`` (milliseconds; epoch milliseconds are shifted to 0);
    - named: ``{name}_x, {name}_y, {name}_z, {name}_v`` for any subset of the BlazePose
      landmark names (upper-case accepted); missing landmarks stay NaN.

    Parameters
    ----------
    path
        CSV file.
    frame_size
        (width, height) in pixels of the images the landmarks came from. Normalised
        coordinates carry no aspect ratio, so this must be known or estimated.
    time_unit
        ``"ms"``, ``"s"`` or ``"auto"`` (``t`` column in milliseconds if present).
    fps
        Frame rate for files without a time column (default 30, recorded in the log).
    """
    path = Path(path)
    if not path.is_file():
        raise LandmarkFileError(f"Landmark CSV not found: {path}.", "Check the path.")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise LandmarkFileError(f"{path} is not a readable CSV file ({exc}).") from exc
    w, h = frame_size
    n = len(df)
    series = LandmarkSeries.empty(n, (w, h), model="csv import", source=str(path))
    lower = {c.lower(): c for c in df.columns}
    found = 0
    for k, name in enumerate(LANDMARK_NAMES):
        for prefix in (f"lm{k}", name):
            cx, cy = lower.get(f"{prefix}_x"), lower.get(f"{prefix}_y")
            if cx is None or cy is None:
                continue
            series.xy[:, k, 0] = df[cx].to_numpy(np.float32) * w
            series.xy[:, k, 1] = df[cy].to_numpy(np.float32) * h
            if (cz := lower.get(f"{prefix}_z")) is not None:
                series.z[:, k] = df[cz].to_numpy(np.float32) * w
            for vis in (f"{prefix}_v", f"{prefix}_visibility"):
                if (cv := lower.get(vis)) is not None:
                    series.visibility[:, k] = df[cv].to_numpy(np.float32)
            found += 1
            break
    if found == 0:
        raise LandmarkFileError(
            f"{path} has no landmark columns (expected lm0_x ... or nose_x ...).",
            "Export MediaPipe landmarks with x, y, z and visibility columns.",
        )
    t_s, how = _csv_times(df, n, time_unit, fps)
    # Landmarks without a visibility column are treated as seen (1.0) where present.
    vis_missing = np.isnan(series.visibility) & np.isfinite(series.xy[:, :, 0])
    series.visibility[vis_missing] = 1.0
    series.t_s = t_s
    series.validate()
    series.log.append(
        {"operation": "load_landmark_csv", "path": str(path), "frame_size": [w, h], "time": how}
    )
    series.video = {"path": str(path), "width": w, "height": h, "fps": _median_fps(t_s)}
    return series


def _csv_times(
    df: pd.DataFrame, n: int, time_unit: str, fps: float | None
) -> tuple[np.ndarray, str]:
    col = next((c for c in df.columns if c.lower() in ("t", "t_s", "time", "timestamp")), None)
    if col is None or time_unit == "frames":
        rate = fps or 30.0
        return np.arange(n) / rate, f"frame index / {rate} fps"
    t = df[col].to_numpy(np.float64)
    unit = time_unit
    if unit == "auto":
        unit = "s" if col.lower() == "t_s" else "ms"
    t = t / 1000.0 if unit == "ms" else t
    t = t - t[0]
    return strictly_increasing(t), f"column {col!r} in {unit}"


def _median_fps(t_s: np.ndarray) -> float | None:
    if t_s.size < 2:
        return None
    return float(round(1.0 / np.median(np.diff(t_s)), 3))


def landmark_columns() -> list[str]:
    """Names of the per-landmark columns of the Parquet format, in order."""
    return [f"{name}_{f}" for name in LANDMARK_NAMES for f in _FIELDS]
