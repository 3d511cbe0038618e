"""Socket audit for subprocess tests: log every network call of this interpreter.

Put this folder first on PYTHONPATH and set HIPCHECK_SOCKET_LOG to a file: every
connect, sendto, bind and name lookup is appended to it as one JSON line (``call``,
``args``, ``pid``), before the call runs. The test then reads the file and checks that
nothing but loopback was touched. Only active when HIPCHECK_SOCKET_LOG is set.
"""

import json
import os
import socket

_LOG = os.environ.get("HIPCHECK_SOCKET_LOG")


def _log(call, *args):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"call": call, "args": [repr(a) for a in args], "pid": os.getpid()}))
        fh.write("\n")


def _wrap_method(name):
    original = getattr(socket.socket, name)

    def wrapper(self, *args, **kwargs):
        _log(name, self.family.name if hasattr(self.family, "name") else self.family, *args)
        return original(self, *args, **kwargs)

    setattr(socket.socket, name, wrapper)


def _wrap_function(name):
    original = getattr(socket, name)

    def wrapper(*args, **kwargs):
        _log(name, *args)
        return original(*args, **kwargs)

    setattr(socket, name, wrapper)


if _LOG:
    for _m in ("connect", "connect_ex", "sendto", "bind"):
        _wrap_method(_m)
    for _f in (
        "getaddrinfo",
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "create_connection",
    ):
        _wrap_function(_f)
