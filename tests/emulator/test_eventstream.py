"""The event-stream encoder against botocore's own decoder (the judge)."""

from __future__ import annotations

import json

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from bedrock_emulator import eventstream

pytestmark = pytest.mark.timeout(30)


def decode_all(data: bytes, step: int | None = None) -> list:
    buffer = EventStreamBuffer()
    messages = []
    chunks = [data] if step is None else [data[i : i + step] for i in range(0, len(data), step)]
    for chunk in chunks:
        buffer.add_data(chunk)
        messages.extend(buffer)
    return messages


def test_event_round_trips_with_headers_payload_and_crcs() -> None:
    payload = {"contentBlockIndex": 0, "delta": {"text": "héllo ✓"}}
    frame = eventstream.encode_event("contentBlockDelta", payload)
    [message] = decode_all(frame)
    assert message.headers == {
        ":event-type": "contentBlockDelta",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert json.loads(message.payload) == payload
    assert message.prelude.total_length == len(frame)
    response = message.to_response_dict()
    assert response["status_code"] == 200


def test_many_frames_split_at_every_byte_boundary() -> None:
    frames = [eventstream.encode_event("chunk", {"bytes": "x" * n}) for n in range(0, 40, 7)]
    data = b"".join(frames)
    for step in (1, 3, 17, len(data)):
        messages = decode_all(data, step)
        assert [json.loads(m.payload)["bytes"] for m in messages] == ["x" * n for n in range(0, 40, 7)]


def test_exception_frame_is_an_error_for_botocore() -> None:
    frame = eventstream.encode_exception("throttlingException", {"message": "Too many requests"})
    [message] = decode_all(frame)
    assert message.headers[":message-type"] == "exception"
    assert message.headers[":exception-type"] == "throttlingException"
    assert message.to_response_dict()["status_code"] == 400


def test_empty_payload_and_arbitrary_headers() -> None:
    frame = eventstream.encode_message([(":event-type", "initial-response"), ("x-custom", "v")], b"")
    [message] = decode_all(frame)
    assert message.headers == {":event-type": "initial-response", "x-custom": "v"}
    assert message.payload == b""


@pytest.mark.parametrize("where", ["prelude", "headers", "payload", "message-crc"])
def test_a_corrupted_byte_is_rejected_by_botocore(where: str) -> None:
    frame = bytearray(eventstream.encode_event("messageStop", {"stopReason": "end_turn"}))
    headers_length = int.from_bytes(frame[4:8], "big")
    index = {"prelude": 2, "headers": 14, "payload": 12 + headers_length + 3, "message-crc": len(frame) - 1}[where]
    frame[index] ^= 0x01
    with pytest.raises(Exception) as excinfo:
        decode_all(bytes(frame))
    if where != "prelude":
        assert isinstance(excinfo.value, ChecksumMismatch)
