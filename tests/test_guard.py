"""The address guard: no spelling of a forbidden address is ever asked for anything.

The allowed server listens on 127.0.0.2 and is the only address the settings allow
(``127.0.0.2/32``); the forbidden targets listen on other loopback addresses (127.0.0.3,
127.0.0.1, ``::1``) and count every connection they accept.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from newsflow.core.addresses import AddressGuard, literal_address, parse_networks
from newsflow.core.errors import ForbiddenAddress, PermanentError
from newsflow.core.http import HttpClient, HttpResponse
from newsflow.core.kafka import KafkaFactory
from newsflow.core.runtime import Failure
from newsflow.core.settings import Settings
from newsflow.demo.site import DemoSite
from newsflow.ingest.download import download
from newsflow.ingest.poller import initial_state, poll_feed
from newsflow.pipeline import Pipeline
from newsflow.registry import feed_states, make_spec, register
from newsflow.schemas import feed_id

from support.kafka import read_all, wait_for_values
from support.rawhttp import Request, Server, respond, serve

pytestmark = pytest.mark.timeout(240)

GOOD = "127.0.0.2"
BAD = "127.0.0.3"
PAGE = b"<html><head><title>Allowed</title></head><body><p>An allowed article.</p></body></html>"


def guard_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = dict(http_allow_networks=f"{GOOD}/32", http_timeout_s=5.0,
                                  http_connect_timeout_s=2.0, fetch_attempts=1)
    values.update(overrides)
    return Settings(**values)


class MapResolver:
    """Names of a test mapped to addresses; anything else resolves as the system would."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.names:
            return list(self.names[host])
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in infos]


def ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


async def forbidden(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
    await respond(writer, 200, b"<html><body><p>secret admin page</p></body></html>",
                  {"Content-Type": "text/html"})


@dataclass
class Hosts:
    good: Server
    bad: list[Server]  # every forbidden target
    spellings: dict[str, str]  # name -> URL of a forbidden target

    @property
    def bad_requests(self) -> int:
        return sum(s.connections for s in self.bad)


@pytest.fixture
async def hosts() -> AsyncIterator[Hosts]:
    async with AsyncExitStack() as stack:
        bad = await stack.enter_async_context(serve({"*": forbidden}, BAD))
        bad_lo = await stack.enter_async_context(serve({"*": forbidden}, "127.0.0.1"))
        bad_servers = [bad, bad_lo]
        b, p = bad.port, bad_lo.port
        spellings = {
            "another 127/8 address": f"http://{BAD}:{b}/admin/secret",
            "decimal": f"http://2130706435:{b}/admin/secret",
            "hex": f"http://0x7f000003:{b}/admin/secret",
            "dotted hex": f"http://0x7f.0.0.3:{b}/admin/secret",
            "octal": f"http://017700000003:{b}/admin/secret",
            "dotted octal": f"http://0177.0.0.3:{b}/admin/secret",
            "short form 127.3": f"http://127.3:{b}/admin/secret",
            "localhost": f"http://localhost:{p}/admin/secret",
            "IPv4-mapped IPv6": f"http://[::ffff:{BAD}]:{b}/admin/secret",
            "IPv4-mapped IPv6, hex": f"http://[::ffff:7f00:3]:{b}/admin/secret",
            "a name resolving to a forbidden address": f"http://intranet.test:{b}/admin/secret",
        }
        if ipv6_loopback():
            bad_v6 = await stack.enter_async_context(serve({"*": forbidden}, "::1"))
            bad_servers.append(bad_v6)
            spellings["[::1]"] = f"http://[::1]:{bad_v6.port}/admin/secret"

        async def feed(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            items = [("allowed", server.url("/article.html"))]
            items += [(name, url) for name, url in spellings.items()]
            items.append(("redirect from the allowed host", server.url("/go")))
            body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                    + "".join(f"<item><title>{n}</title><link>{u}</link></item>" for n, u in items)
                    + "</channel></rss>").encode()
            await respond(writer, 200, body, {"Content-Type": "application/rss+xml"})

        async def article(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            await respond(writer, 200, PAGE, {"Content-Type": "text/html"})

        async def go(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            await respond(writer, 302, b"", {"Location": f"http://{BAD}:{b}/admin/secret"})

        good = await stack.enter_async_context(
            serve({"/feed.xml": feed, "/article.html": article, "/go": go}, GOOD))
        yield Hosts(good, bad_servers, spellings)


async def test_every_spelling_of_a_forbidden_address_is_refused(hosts: Hosts) -> None:
    settings = guard_settings()
    resolver = MapResolver({"intranet.test": [BAD]})
    async with HttpClient(settings, resolver=resolver) as http:
        spec = make_spec(hosts.good.url("/feed.xml"))
        polled = await poll_feed(http, spec, initial_state(spec, settings), settings)
        assert polled.result == "new", polled.state.last_error
        outcomes: dict[str, HttpResponse | Failure] = {}
        for link in polled.links:
            assert link.title is not None
            outcomes[link.title] = await download(http, link.url, settings)
    allowed = outcomes.pop("allowed")
    assert isinstance(allowed, HttpResponse) and allowed.body == PAGE
    reasons = {name: o.reason if isinstance(o, Failure) else "fetched"
               for name, o in outcomes.items()}
    assert reasons == dict.fromkeys(reasons, "forbidden_address")
    assert len(reasons) == len(hosts.spellings) + 1
    assert hosts.bad_requests == 0, "a forbidden server was contacted"
    assert "intranet.test" in resolver.asked, "the injected resolver is the one used"


async def test_a_forbidden_feed_is_refused_and_said_so_on_its_state(hosts: Hosts) -> None:
    settings = guard_settings()
    async with HttpClient(settings) as http:
        for url in (hosts.spellings["decimal"], hosts.good.url("/go")):
            spec = make_spec(url)
            polled = await poll_feed(http, spec, initial_state(spec, settings), settings)
            assert polled.result == "error"
            assert polled.state.last_error and "ForbiddenAddress" in polled.state.last_error
    assert hosts.bad_requests == 0


async def test_an_address_that_changes_between_connections_is_checked_each_time(
    hosts: Hosts,
) -> None:
    """DNS rebinding: the name is resolved, and the address checked, on every connection."""
    async with serve({"*": forbidden}, BAD, hosts.good.port) as twin:
        answers = iter([[GOOD], [BAD], [BAD]])

        class Rebinding:
            async def resolve(self, host: str, port: int) -> list[str]:
                return next(answers)

        async with HttpClient(guard_settings(http_robots=False), resolver=Rebinding()) as http:
            url = f"http://news.test:{hosts.good.port}/article.html"
            first = await http.get(url)
            assert first.body == PAGE
            with pytest.raises(ForbiddenAddress) as caught:
                await http.get(url)
    assert isinstance(caught.value, PermanentError) and caught.value.reason == "forbidden_address"
    assert twin.connections == 0


async def test_by_default_loopback_is_refused_and_an_allowed_range_admits_it(hosts: Hosts) -> None:
    async with HttpClient(Settings()) as http:
        with pytest.raises(ForbiddenAddress, match="127.0.0.2"):
            await http.get(hosts.good.url("/article.html"))
    assert hosts.good.connections == 0
    async with HttpClient(Settings(http_allow_networks="127.0.0.0/8")) as http:
        assert (await http.get(hosts.good.url("/article.html"))).body == PAGE


async def test_the_pipeline_dead_letters_forbidden_links_and_publishes_the_allowed_one(
    hosts: Hosts, make_settings: Callable[..., Settings],
) -> None:
    """End to end: each refused link is in news.dlq with reason forbidden_address, the
    allowed article reaches the sink, a refused feed says so on its state."""
    settings = make_settings(http_allow_networks=f"{GOOD}/32")
    names = ["decimal", "localhost", "IPv4-mapped IPv6", "another 127/8 address"]
    with DemoSite(host=GOOD) as site:
        article_url = site.article_urls[0]

        async def feed(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
            links = [article_url, *(hosts.spellings[n] for n in names), hosts.good.url("/go")]
            body = ('<rss version="2.0"><channel><title>t</title>'
                    + "".join(f"<item><title>i{i}</title><link>{u}</link></item>"
                              for i, u in enumerate(links))
                    + "</channel></rss>").encode()
            await respond(writer, 200, body, {"Content-Type": "application/rss+xml"})

        hosts.good.routes["/mixed.xml"] = feed
        refused_feed = hosts.spellings["hex"].replace("/admin/secret", "/feed.xml")
        pipeline = Pipeline(settings)
        stop = asyncio.Event()

        async def add(factory: KafkaFactory) -> None:
            await register(factory, pipeline.topics, [
                make_spec(hosts.good.url("/mixed.xml"), min_interval_s=600),
                make_spec(refused_feed, min_interval_s=600)])

        task = asyncio.create_task(pipeline.run(stop, before_stages=add))
        try:
            await asyncio.wait_for(pipeline.started.wait(), 60)
            factory = KafkaFactory(settings, settings.kafka_bootstrap)
            enriched = await wait_for_values(factory, pipeline.topics.enriched, 1, timeout_s=120)
            dlq: list[Any] = []
            for _ in range(200):
                dlq = await read_all(factory, pipeline.topics.dlq)
                if len(dlq) >= len(names) + 1:
                    break
                await asyncio.sleep(0.1)
            states = await feed_states(factory, pipeline.topics, settings.topic_partitions)
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)
    assert [v["url"] for v in enriched] == [article_url]
    assert len(dlq) == len(names) + 1
    assert {dict(r.headers)["dlq.reason"] for r in dlq} == {b"forbidden_address"}
    refused = states[feed_id(refused_feed)]
    assert refused.last_result == "error"
    assert refused.last_error and "ForbiddenAddress" in refused.last_error
    assert hosts.bad_requests == 0, "a forbidden server was contacted"


async def test_through_a_proxy_the_target_is_checked_and_the_proxy_allowed_apart(
    hosts: Hosts,
) -> None:
    proxied: list[str] = []

    async def relay(server: Server, request: Request, writer: asyncio.StreamWriter) -> None:
        proxied.append(request.path)
        async with httpx.AsyncClient(trust_env=False) as plain:
            answer = await plain.get(request.path)
        await respond(writer, answer.status_code, answer.content,
                      {k: answer.headers[k] for k in ("Content-Type", "Location")
                       if k in answer.headers})

    async with serve({"*": relay}, "127.0.0.4") as proxy:
        secret = "s3cret-proxy-pass"
        proxy_url = f"http://newsflow:{secret}@127.0.0.4:{proxy.port}"
        settings = guard_settings(http_proxy=proxy_url, http_proxy_allow_networks="127.0.0.4/32",
                                  http_robots=False)
        assert secret not in repr(settings) and secret not in str(settings.model_dump())
        async with HttpClient(settings) as http:
            response = await http.get(hosts.good.url("/article.html"))
            assert response.body == PAGE
            assert proxied == [hosts.good.url("/article.html")], "it went through the proxy"
            assert proxy.requests[0].headers["proxy-authorization"].startswith("Basic ")
            with pytest.raises(ForbiddenAddress):
                await http.get(hosts.spellings["another 127/8 address"])
            with pytest.raises(ForbiddenAddress):
                await http.get(hosts.good.url("/go"))
        assert len(proxied) == 2, "the refused target was never handed to the proxy"
        unallowed = guard_settings(http_proxy=proxy_url, http_robots=False)
        async with HttpClient(unallowed) as http:
            with pytest.raises(ForbiddenAddress, match="127.0.0.4"):
                await http.get(hosts.good.url("/article.html"))
        bypass = guard_settings(http_proxy=proxy_url, no_proxy=GOOD, http_robots=False)
        async with HttpClient(bypass) as http:
            assert (await http.get(hosts.good.url("/article.html"))).body == PAGE
        assert len(proxied) == 2, "NO_PROXY hosts are reached directly"
    assert hosts.bad_requests == 0


def test_the_guard_refuses_every_non_public_range_by_default() -> None:
    guard = AddressGuard()
    refused = ["127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "192.168.1.1",
               "100.64.0.1", "100.127.255.254", "169.254.169.254", "169.254.1.1", "224.0.0.1",
               "239.255.255.250", "0.0.0.0", "240.0.0.1", "255.255.255.255", "192.0.2.1",
               "198.18.0.1", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1",
               "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
               "64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1", "fd00:ec2::254",
               "100.100.100.200"]
    allowed = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34",
               "64:ff9b::5db8:d822"]
    assert [a for a in refused if guard.refusal(a) is None] == []
    assert [a for a in allowed if guard.refusal(a) is not None] == []
    opened = AddressGuard(parse_networks("10.0.0.0/8, 127.0.0.2/32, 169.254.0.0/16"))
    assert opened.refusal("10.9.9.9") is None and opened.refusal("::ffff:10.9.9.9") is None
    assert opened.refusal("127.0.0.2") is None and opened.refusal("127.0.0.3") == "loopback"
    assert opened.refusal("169.254.169.254") == "a cloud metadata address", "never opened"
    assert [literal_address(h) for h in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1",
                                         "[::1]", "example.com", "deadbeef")] == [
        "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "::1", None, None]
    with pytest.raises(ValueError, match="not a network"):
        Settings(http_allow_networks="127.0.0.0/8, nonsense")
