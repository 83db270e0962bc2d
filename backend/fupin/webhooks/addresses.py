"""Where deliveries may go: unless `webhook_allow_private`, never to private, loopback, link-local or otherwise
special addresses (a subscription must not turn the server into a probe of its own network). A URL naming an
address is checked when the subscription is written; a host name is checked again against every address it
resolves to before each delivery (the name may change)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class AddressRefused(Exception):
    pass


def is_public_ip(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def refused_host(host: str) -> bool:
    """Is the URL's host, as written, one deliveries may not go to (an address literal or a local name)?"""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False  # a host name: resolved and checked before each delivery
    return not is_public_ip(name)


def url_refused(url: str) -> bool:
    return refused_host(urlsplit(url).hostname or "")


async def check_resolved(url: str, *, timeout: float = 10.0) -> None:
    """Raise `AddressRefused` if the URL's host is, or resolves to, an address deliveries may not go to."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if refused_host(host):
        raise AddressRefused(f"{host} is a private or local address")
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    port = parts.port or (443 if parts.scheme == "https" else 80)
    lookup = asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    infos = await asyncio.wait_for(lookup, timeout)
    for info in infos:
        address = str(info[4][0])
        if not is_public_ip(address):
            raise AddressRefused(f"{host} resolves to {address}, a private or local address")
