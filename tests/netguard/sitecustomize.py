"""Loaded by Python at start-up when this folder is on PYTHONPATH (tests only).

Every outbound connection or name lookup to anything but loopback is refused and written to the
file named by NETGUARD_LOG, so a test can run the real program and prove it contacted nobody.
"""

import ipaddress
import os
import socket

_LOG = os.environ.get("NETGUARD_LOG")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return True  # unix sockets
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    if _LOG:
        with open(_LOG, "a") as log:
            log.write(what + "\n")
    raise ConnectionRefusedError(f"netguard: {what} refused")


def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
    if isinstance(address, tuple) and not _loopback(address[0]):
        _refuse(f"connect {address[0]}:{address[1]}")
    return _connect(self, address)


def _guarded_connect_ex(self, address):  # type: ignore[no-untyped-def]
    if isinstance(address, tuple) and not _loopback(address[0]):
        _refuse(f"connect {address[0]}:{address[1]}")
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if not _loopback(host):
        _refuse(f"lookup {host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo
