"""How the gateway spreads conversations over engine replicas: each conversation to its own
replica, the next one when that one does not answer, and one conversation's turns one at a time
in the order they came. The replicas are real HTTP servers on loopback that answer as Rasa's
REST channel does (the real engines are in tests/e2e/test_replicated.py)."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.engine_client import EngineClient, EngineUnavailable, replica_order
from bot.pipeline import converse
from bot.runner import free_port
from bot.settings import Settings


class Replica:
    """A loopback server answering `/webhooks/rest/webhook` with the message it got, slowly
    and at random speed, and noting who overlapped whom."""

    def __init__(self, name: str):
        self.name, self.received, self.overlaps = name, [], 0
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                sender = body["sender"]
                with replica._lock:
                    replica.overlaps += sender in replica._busy
                    replica._busy.add(sender)
                    replica.received.append((sender, body["message"]))
                time.sleep(random.uniform(0.0, 0.03))
                with replica._lock:
                    replica._busy.discard(sender)
                answer = json.dumps([{"text": f"{replica.name}: {body['message']}"}]).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self) -> None:
                self.send_response(200 if self.path.startswith("/status") else 404)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    running = [Replica("a"), Replica("b")]
    yield running
    for replica in running:
        replica.stop()


def test_each_conversation_has_its_own_replica_and_they_share_the_load():
    urls = ["http://engine-1:5005", "http://engine-2:5005", "http://engine-3:5005"]
    firsts = [replica_order(f"web-{n}", urls)[0] for n in range(3000)]
    assert firsts == [replica_order(f"web-{n}", urls)[0] for n in range(3000)]  # stable
    for url in urls:
        assert 800 < firsts.count(url) < 1200, (url, firsts.count(url))
    # Without engine-3, only the conversations it served move.
    without = [replica_order(f"web-{n}", urls[:2])[0] for n in range(3000)]
    moved = [n for n in range(3000) if firsts[n] != without[n]]
    assert moved and all(firsts[n] == urls[2] for n in moved)


async def test_a_conversation_whose_replica_is_down_is_answered_by_the_next(replicas):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    live = replicas[0]
    client = EngineClient([dead, live.url], "token", timeout=5)
    try:
        # Conversations that hash to the dead replica first, and some that hash to the live one.
        ids = [f"web-{n}" for n in range(40)]
        assert {replica_order(i, [dead, live.url])[0] for i in ids} == {dead, live.url}
        replies = [await client.send(i, "hello") for i in ids]
        assert all(r.messages[0].text == "a: hello" for r in replies)
        assert len(live.received) == len(ids)
        assert (await client.replicas_up()) == {dead: False, live.url: True}
    finally:
        await client.aclose()


async def test_with_every_replica_down_the_person_is_told_to_try_again():
    client = EngineClient(
        [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"], "t", timeout=5
    )
    try:
        with pytest.raises(EngineUnavailable):
            await client.send("web-x", "hello")
        reply = await converse(client, Settings(), "web-x", "bonjour, quelles formations ?")
        assert reply.language is None and "réessa" in reply.messages[0].text.lower()
    finally:
        await client.aclose()


async def test_turns_of_one_conversation_sent_together_are_answered_one_at_a_time_in_order(
    replicas,
):
    replica = replicas[1]
    client = EngineClient([replica.url], "token", timeout=5)
    try:
        messages = [f"message {n}" for n in range(12)]
        # Two conversations, each sending its 12 messages at once, interleaved.
        replies = await asyncio.gather(
            *(
                converse(client, Settings(), conversation, message)
                for message in messages
                for conversation in ("web-one", "web-two")
            )
        )
        assert all(r.messages for r in replies)
        for conversation in ("web-one", "web-two"):
            got = [m for sender, m in replica.received if sender == conversation]
            assert got == messages
        assert replica.overlaps == 0
    finally:
        await client.aclose()
