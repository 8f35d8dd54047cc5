"""The guarded transport: every TCP connection newsflow opens passes the address guard.

The guard sits in the connection layer (an ``httpcore`` network backend), so polls,
fetches, robots.txt and every redirect hop are covered alike: the host is resolved by the
injectable :class:`~newsflow.core.addresses.Resolver`, every address it resolves to is
checked, and the connection is made to the checked address itself (a name cannot resolve
to one address for the check and another for the connection). Each new connection
resolves again, which covers DNS rebinding; a kept-alive connection stays on its address.

Proxies (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``): through a proxy, the target is
resolved and checked here before the request is handed to the proxy, and the connection
to the proxy itself is checked against the allowed networks plus
``NEWSFLOW_HTTP_PROXY_ALLOW_NETWORKS``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable

import httpcore
import httpx

from .addresses import AddressGuard, Resolver, SystemResolver, parse_networks
from .errors import ForbiddenAddress
from .settings import Settings


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address."""

    def __init__(self, guard: AddressGuard, resolver: Resolver) -> None:
        self.guard = guard
        self.resolver = resolver
        self._backend = httpcore.AnyIOBackend()

    async def addresses(self, host: str, port: int, limit_s: float | None) -> list[str]:
        """Every address of ``host``, each allowed by the guard (or an error)."""
        try:
            async with asyncio.timeout(limit_s):
                found = await self.resolver.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except (socket.gaierror, OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not found:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        for address in found:  # one forbidden address refuses the host: no mixing
            self.guard.check(host, address)
        return found

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self.addresses(host, port, timeout):
            try:
                return await self._backend.connect_tcp(address, port, timeout, local_address,
                                                       socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenAddress(f"unix socket {path}: refused by the address guard")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded backend; through a proxy, the target is checked too."""

    def __init__(self, guard: AddressGuard, resolver: Resolver, *, verify: ssl.SSLContext | bool,
                 limits: httpx.Limits, proxy: str | None = None,
                 proxy_guard: AddressGuard | None = None) -> None:
        super().__init__(verify=verify, limits=limits, proxy=proxy, trust_env=False)
        self._target: GuardedBackend | None = None
        backend = GuardedBackend(guard, resolver)
        if proxy:  # the target is checked per request; the connection goes to the proxy
            self._target = backend
            backend = GuardedBackend(proxy_guard or guard, resolver)
        pool = self._pool
        assert hasattr(pool, "_network_backend"), "httpcore's pool layout changed"
        pool._network_backend = backend

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._target is not None:
            port = request.url.port or (443 if request.url.scheme == "https" else 80)
            timeout = request.extensions.get("timeout", {}).get("connect")
            try:
                await self._target.addresses(request.url.host, port, timeout)
            except httpcore.ConnectTimeout as exc:
                raise httpx.ConnectTimeout(str(exc), request=request) from exc
            except httpcore.ConnectError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
        return await super().handle_async_request(request)


def _no_proxy_patterns(no_proxy: str) -> list[str] | None:
    """httpx mount patterns for ``NO_PROXY`` entries; None when it is ``*`` (no proxy at all)."""
    patterns = []
    for entry in (e.strip() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return None
        if "://" in entry:
            patterns.append(entry)
            continue
        try:
            address = ipaddress.ip_address(entry.strip("[]"))
        except ValueError:
            address = None
        if address is not None:
            patterns.append(f"all://[{address}]" if address.version == 6 else f"all://{address}")
        elif entry.lower() == "localhost":
            patterns.append(f"all://{entry}")
        else:
            patterns.append(f"all://*{entry.lstrip('*')}")
    return patterns


def ssl_verification(settings: Settings) -> ssl.SSLContext | bool:
    """Default verification, or a context of the CA bundle ``NEWSFLOW_HTTP_CA_BUNDLE``."""
    if settings.http_ca_bundle is None:
        return True
    return ssl.create_default_context(cafile=str(settings.http_ca_bundle))


def make_transports(
    settings: Settings, resolver: Resolver | None = None
) -> tuple[httpx.AsyncBaseTransport, dict[str, httpx.AsyncBaseTransport]]:
    """The direct transport and the proxy mounts (httpx patterns) for the settings."""
    resolver = resolver or SystemResolver()
    allow = parse_networks(settings.http_allow_networks)
    guard = AddressGuard(allow)
    proxy_guard = AddressGuard(allow + parse_networks(settings.http_proxy_allow_networks))
    verify = ssl_verification(settings)
    limits = httpx.Limits(max_connections=settings.http_max_connections,
                          max_keepalive_connections=min(settings.http_max_connections, 50))
    direct = GuardedTransport(guard, resolver, verify=verify, limits=limits)
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    bypass = _no_proxy_patterns(settings.no_proxy or "")
    if bypass is None:
        return direct, mounts
    for scheme, secret in (("http", settings.http_proxy), ("https", settings.https_proxy)):
        if secret is not None and secret.get_secret_value().strip():
            mounts[f"{scheme}://"] = GuardedTransport(
                guard, resolver, verify=verify, limits=limits,
                proxy=secret.get_secret_value().strip(), proxy_guard=proxy_guard)
    if mounts:
        mounts.update(dict.fromkeys(bypass, direct))
    return direct, mounts
