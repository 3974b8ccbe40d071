"""Real sockets, the real client: which transport failures may have reached Notify and which cannot have."""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from notifier.gateway import EmailRequest, NotifyGateway, OutcomeKind

API_KEY = f"transport-{uuid.uuid4()}-{uuid.uuid4()}"
TEMPLATE_ID = str(uuid.uuid4())
REQUEST = EmailRequest(
    email_address="someone@example.gov.uk", subject="s", body="b", reference=f"delivery-{uuid.uuid4()}"
)
Handler = Callable[[socket.socket], None]


def gateway_for(port: int, timeout_seconds: float = 0.5) -> NotifyGateway:
    return NotifyGateway(f"http://127.0.0.1:{port}", API_KEY, TEMPLATE_ID, timeout_seconds)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


@pytest.fixture
def tcp_server() -> Iterator[Callable[[Handler], int]]:
    """A listening socket whose connections are handed to `handler` once the request has been read."""
    servers: list[socket.socket] = []
    threads: list[threading.Thread] = []
    stop = threading.Event()

    def start(handler: Handler) -> int:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(0.1)
        servers.append(server)

        def serve() -> None:
            while not stop.is_set():
                try:
                    connection, _ = server.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.recv(65536)  # the whole small POST has arrived
                    handler(connection)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        threads.append(thread)
        port: int = server.getsockname()[1]
        return port

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    for server in servers:
        server.close()


def reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def hang(connection: socket.socket) -> None:
    time.sleep(1.0)


def close(connection: socket.socket) -> None:
    return None


def test_nothing_listening_is_retryable() -> None:
    outcome = gateway_for(free_port()).send(REQUEST)
    assert outcome.kind is OutcomeKind.RETRYABLE
    assert outcome.reason is not None
    assert "NewConnectionError" in outcome.reason


def test_a_connect_timeout_is_retryable() -> None:
    # A listener with a full accept queue drops new SYNs, so the connect itself times out.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.05)
        try:
            outcome = gateway_for(port, timeout_seconds=0.3).send(REQUEST)
        finally:
            for filler in fillers:
                filler.close()
    assert outcome.kind is OutcomeKind.RETRYABLE
    assert outcome.reason is not None
    assert "ConnectTimeout" in outcome.reason


@pytest.mark.parametrize(
    ("handler", "expected_cause"),
    # A reset may surface as ConnectionResetError or, if the RST lands first, as RemoteDisconnected.
    [(hang, "ReadTimeout"), (reset, "ConnectionError <- ProtocolError"), (close, "RemoteDisconnected")],
    ids=["read-timeout", "reset-after-send", "closed-after-send"],
)
def test_failures_after_the_request_was_sent_are_ambiguous(
    tcp_server: Callable[[Handler], int], handler: Handler, expected_cause: str
) -> None:
    outcome = gateway_for(tcp_server(handler)).send(REQUEST)
    assert outcome.kind is OutcomeKind.AMBIGUOUS
    assert outcome.reason is not None
    assert expected_cause in outcome.reason
