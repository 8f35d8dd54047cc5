"""One poll of one feed against real local servers: results, state, politeness."""

from __future__ import annotations

from newsflow.core.http import make_http_client
from newsflow.core.settings import Settings
from newsflow.demo.farm import FeedFarm
from newsflow.demo.site import DemoSite
from newsflow.ingest.poller import initial_state, poll_feed
from newsflow.registry import make_spec

LOCAL = dict(http_allow_networks="127.0.0.0/8", http_host_delay_s=0)


async def test_new_then_unchanged_then_conditional_get() -> None:
    settings = Settings(**LOCAL)
    async with make_http_client(settings) as http:
        with DemoSite() as site:
            spec = make_spec(site.feed_urls[0], min_interval_s=60, max_interval_s=600)
            first = await poll_feed(http, spec, initial_state(spec, settings), settings)
            assert first.result == "new" and first.links
            assert first.state.etag and first.state.last_modified and first.state.body_hash
            assert len(first.state.seen) == len(first.links)
            assert first.state.error_streak == 0 and first.state.next_poll_at
            second = await poll_feed(http, spec, first.state, settings)
            assert second.result == "not_modified", "ETag / Last-Modified were sent back"
            assert second.links == []
            assert second.state.interval_s > first.state.interval_s
            again = await poll_feed(http, spec, first.state.model_copy(
                update={"etag": None, "last_modified": None}), settings)
            assert again.result == "unchanged", "same body, same hash: nothing new"


async def test_errors_are_recorded_on_the_state_and_back_off() -> None:
    settings = Settings(**LOCAL)
    async with make_http_client(settings) as http:
        with FeedFarm(feeds=1, items=3) as farm:
            for url, expected in ((f"{farm.base_url}/broken/feed.xml", "not well-formed"),
                                  (f"{farm.base_url}/feeds/99.xml", "HTTP 404")):
                spec = make_spec(url, min_interval_s=60)
                state = initial_state(spec, settings)
                first = await poll_feed(http, spec, state, settings)
                second = await poll_feed(http, spec, first.state, settings)
                assert first.result == second.result == "error"
                assert second.state.error_streak == 2
                assert second.state.last_error and expected in second.state.last_error
                assert second.links == []
                wait_1 = first.state.next_poll_at - first.state.last_polled_at
                wait_2 = second.state.next_poll_at - second.state.last_polled_at
                assert wait_2 > wait_1, "a failing feed rests longer each time"


async def test_max_age_skips_old_items_and_counts_them() -> None:
    settings = Settings(poll_max_item_age_days=30, **LOCAL)
    async with make_http_client(settings) as http:
        with FeedFarm(feeds=1, items=4) as farm:  # the farm's items are from 2024
            spec = make_spec(farm.feed_urls[0])
            result = await poll_feed(http, spec, initial_state(spec, settings), settings)
    assert result.links == []
    assert result.skipped["too_old"] == 4
    assert len(result.state.seen) == 4, "old items are remembered, not re-examined"
