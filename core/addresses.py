"""Which addresses outbound HTTP may connect to, and how host names become addresses.

Every URL newsflow fetches comes from a third party's feed, so by default only globally
routable unicast addresses are allowed: loopback, private (RFC 1918), shared (CGNAT,
100.64/10), link-local, multicast, unspecified and reserved ranges, IPv6 unique-local and
link-local, and the IPv4 forms hidden inside IPv6 (mapped, compatible, NAT64, 6to4, Teredo)
are refused, and so are the cloud metadata addresses. ``allow`` (CIDRs, from
``NEWSFLOW_HTTP_ALLOW_NETWORKS``) opens ranges; the metadata addresses stay refused.

The check is made on the address a connection is about to use, after name resolution, so
every spelling of an address (``2130706433``, ``0x7f.1``, ``127.1``, ``[::ffff:7f00:1]``,
a name that resolves to it) meets the same rule.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from .errors import ForbiddenAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Instance metadata services of the usual clouds; refused even inside an allowed range.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
    "169.254.170.2",    # AWS ECS task metadata
    "169.254.169.253",  # AWS DNS resolver
    "100.100.100.200",  # Alibaba Cloud
    "fd00:ec2::254",    # AWS IPv6
    "fd00:ec2::23",
))
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPATIBLE = ipaddress.ip_network("::/96")


class Resolver(Protocol):
    """Turns a host name into the addresses to connect to (injectable, for tests)."""

    async def resolve(self, host: str, port: int) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``), off the event loop."""

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_networks(text: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDRs from a comma-separated string (or a list); a bare address is a /32 or /128."""
    items = text.split(",") if isinstance(text, str) else list(text)
    networks = []
    for item in items:
        item = item.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"not a network (CIDR): {item!r}") from exc
    return tuple(networks)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _COMPATIBLE and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _category(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address, or None if it is one."""
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared address space (CGNAT)"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.IPv6Network("fc00::/7"):
        return "unique local"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not globally routable"
    return None


class AddressGuard:
    """Decides whether a connection may be made to an address."""

    def __init__(self, allow: Sequence[IPNetwork] = ()) -> None:
        self.allow = tuple(allow)

    def _allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allow)

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why a connection to ``address`` is refused, or None when it is allowed."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str)
                                      else address)
        except ValueError:
            return "not an IP address"
        inner = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
        if ip in METADATA or (inner is not None and inner in METADATA):
            return "a cloud metadata address"
        if self._allowed(ip) or (inner is not None and self._allowed(inner)):
            return None
        if inner is not None:
            why = _category(inner)
            return f"{why} (IPv4 {inner} inside IPv6)" if why else None
        return _category(ip)

    def check(self, host: str, address: str) -> None:
        """Raise :class:`ForbiddenAddress` unless ``address`` (of ``host``) is allowed."""
        why = self.refusal(address)
        if why is not None:
            shown = address if host == address else f"{host} ({address})"
            raise ForbiddenAddress(f"address {shown} is {why}: refused by the address guard "
                                   "(NEWSFLOW_HTTP_ALLOW_NETWORKS opens ranges)")


def literal_address(host: str) -> str | None:
    """The address a host spelled as an IP literal means, legacy IPv4 forms included.

    ``0177.0.0.1`` (octal), ``0x7f.1`` (hex), ``2130706433`` (a 32-bit number) and ``127.1``
    are read as ``inet_aton`` reads them; None when ``host`` is a name.
    """
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if not host or not all(c in "0123456789abcdefABCDEFxX." for c in host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def check_url_literal(guard: AddressGuard, url: str) -> None:
    """Refuse a URL whose host is a forbidden IP literal, even one an URL parser rejects."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return
    address = literal_address(host) if host else None
    if address is not None:
        guard.check(host or address, address)
