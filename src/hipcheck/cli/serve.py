"""``hipcheck app``: start the Streamlit app on this machine only, from any folder.

Streamlit reads its settings from ``.streamlit/config.toml`` in the *current* folder,
so ``streamlit run app.py`` started elsewhere falls back to its defaults: listening on
every interface, usage statistics on. This launcher passes the settings on Streamlit's
command line instead (flags override every config file and environment variable):

- ``server.address`` ``127.0.0.1`` (``--expose``: ``0.0.0.0``, every interface, for a
  clinic network; say so to the people whose videos are analysed);
- ``browser.gatherUsageStats`` false, ``server.headless`` true (no browser is opened,
  no e-mail prompt), ``server.fileWatcherType`` none, quiet logs;
- ``browser.serverAddress`` set, so the start-up banner prints one URL instead of
  working out the machine's network and *external* addresses: with a wildcard
  ``server.address`` and headless on, Streamlit would otherwise open a UDP socket
  towards 8.8.8.8 (``net_util.get_internal_ip``) and ask ``checkip.amazonaws.com``
  over HTTP (``net_util.get_external_ip``) at every start.

The same two functions are also called by Streamlit's WebSocket origin check for a
cross-origin connection; the launcher replaces them (in the app's own process only)
by functions that return no address, so no code path can make that lookup. The
process changes into the app's package folder, so a ``.streamlit/config.toml`` of the
folder it was started from (which could name a remote theme file) is not read.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from hipcheck.cli.present import out, present_errors
from hipcheck.errors import UsageError

#: the default port (Streamlit's)
DEFAULT_PORT = 8501
LOCAL_ADDRESS = "127.0.0.1"
ALL_ADDRESSES = "0.0.0.0"  # noqa: S104 - only with --expose, documented
#: largest upload accepted by the app, MB (a 60 s 1080p phone clip is 100-200 MB)
MAX_UPLOAD_MB = 500


def entry_script() -> Path:
    """Return the Streamlit script of the app (inside the installed package)."""
    return Path(__file__).resolve().parents[1] / "app" / "entry.py"


def samples_dir() -> Path | None:
    """Return the demo clips folder of a source checkout, if there is one."""
    folder = Path(__file__).resolve().parents[3] / "sample_videos"
    return folder if folder.is_dir() else None


def streamlit_flags(port: int, expose: bool, verbose: bool = False) -> list[str]:
    """Return the Streamlit command-line settings of ``hipcheck app`` (module docstring)."""
    settings = {
        "server.address": ALL_ADDRESSES if expose else LOCAL_ADDRESS,
        "server.port": str(port),
        "server.headless": "true",
        "server.showEmailPrompt": "false",
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "server.enableCORS": "true",
        "server.enableXsrfProtection": "true",
        "server.enableStaticServing": "false",
        "server.maxUploadSize": str(MAX_UPLOAD_MB),
        "browser.gatherUsageStats": "false",
        "browser.serverAddress": socket.gethostname() if expose else "localhost",
        "browser.serverPort": str(port),
        "client.toolbarMode": "minimal",
        "logger.level": "info" if verbose else "warning",
    }
    return [item for key, value in settings.items() for item in (f"--{key}", value)]


def _check_port(address: str, port: int) -> None:
    """Fail now, with a message, if the port cannot be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"Port {port} is already in use (another app, or hipcheck app already "
                    "running?).",
                    f"Open the running app, or start this one with --port {port + 1}.",
                ) from None
            raise UsageError(
                f"Cannot listen on {address}:{port} ({exc.strerror}).",
                "Choose a port between 1024 and 65535 with --port.",
            ) from None


def _no_address_lookups() -> None:
    """Make Streamlit's network/external address helpers answer 'unknown' without I/O."""
    from streamlit import net_util

    def unknown() -> None:
        return None

    net_util.get_external_ip = unknown
    net_util.get_internal_ip = unknown


def run_streamlit(flags: list[str], script_args: list[str]) -> None:
    """Run Streamlit on the app's script in this process (blocks until it stops)."""
    from streamlit.web import cli as streamlit_cli

    _no_address_lookups()
    script = entry_script()
    os.chdir(script.parent)
    args = ["run", str(script), *flags, "--", *script_args]
    sys.argv = ["streamlit", *args]
    streamlit_cli.main.main(args=args, prog_name="streamlit", standalone_mode=False)


@present_errors
def app_command(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port to serve the app on.")
    ] = DEFAULT_PORT,
    expose: Annotated[
        bool,
        typer.Option(
            "--expose",
            help="Listen on every network interface (other machines can open the app and "
            "see uploaded videos). Default: this machine only (127.0.0.1).",
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log what the app does.")] = False,
) -> None:
    """Start the app on this machine: local only, no usage statistics, offline.

    Open the printed URL (http://localhost:8501 by default). Stop with Ctrl-C.
    """
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise UsageError(
            "The app needs Streamlit, which is not installed.",
            "pip install 'hipcheck[app]'",
        ) from None
    address = ALL_ADDRESSES if expose else LOCAL_ADDRESS
    _check_port(address, port)
    host = socket.gethostname() if expose else "localhost"
    out.print(
        f"hipcheck app on http://{host}:{port} "
        + (
            "(every network interface: other machines can reach it)"
            if expose
            else "(this machine only)"
        )
        + "; Ctrl-C stops it.",
        highlight=False,
        markup=False,
    )
    samples = samples_dir()
    script_args = ["--log-level", "INFO" if verbose else "WARNING"]
    if samples is not None:
        script_args += ["--samples", str(samples)]
    run_streamlit(streamlit_flags(port, expose, verbose), script_args)


def register(app: typer.Typer) -> None:
    """Add the ``app`` command to a Typer app."""
    app.command("app")(app_command)
