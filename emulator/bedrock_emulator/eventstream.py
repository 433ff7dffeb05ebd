"""Encoder for the AWS event-stream binary framing (``application/vnd.amazon.eventstream``).

One message on the wire::

    prelude   total length (uint32, big endian) | headers length (uint32) | CRC32 of the 8 bytes before it
    headers   per header: name length (uint8) | name (utf-8) | value type (uint8, 7 = string)
              | value length (uint16) | value (utf-8)
    payload   the raw bytes (JSON for Bedrock)
    CRC32     of everything before it (prelude and its CRC included)

botocore's ``botocore.eventstream.EventStreamBuffer`` decodes exactly this.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable
from functools import lru_cache

CONTENT_TYPE = "application/vnd.amazon.eventstream"

_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")
_PRELUDE_LENGTH = 12
_CRC_LENGTH = 4
_STRING_TYPE = 7


def encode_headers(headers: Iterable[tuple[str, str]]) -> bytes:
    """Encode string-valued headers (type 7) in the given order."""
    out = bytearray()
    for name, value in headers:
        raw_name = name.encode("utf-8")
        raw_value = value.encode("utf-8")
        if len(raw_name) > 255:
            raise ValueError(f"header name too long: {name!r}")
        if len(raw_value) > 0xFFFF:
            raise ValueError(f"header value too long for {name!r}")
        out.append(len(raw_name))
        out += raw_name
        out.append(_STRING_TYPE)
        out += struct.pack(">H", len(raw_value))
        out += raw_value
    return bytes(out)


def encode_message_raw(encoded_headers: bytes, payload: bytes) -> bytes:
    """Frame already-encoded headers and a payload into one event-stream message."""
    total_length = _PRELUDE_LENGTH + len(encoded_headers) + len(payload) + _CRC_LENGTH
    prelude = _PRELUDE.pack(total_length, len(encoded_headers))
    prelude_crc = zlib.crc32(prelude)
    head = prelude + _CRC.pack(prelude_crc)
    crc = zlib.crc32(payload, zlib.crc32(encoded_headers, zlib.crc32(head)))
    return b"".join((head, encoded_headers, payload, _CRC.pack(crc)))


def encode_message(headers: Iterable[tuple[str, str]], payload: bytes) -> bytes:
    """Frame string headers and a payload into one event-stream message."""
    return encode_message_raw(encode_headers(headers), payload)


@lru_cache(maxsize=64)
def _event_headers(event_type: str) -> bytes:
    return encode_headers(
        (
            (":event-type", event_type),
            (":content-type", "application/json"),
            (":message-type", "event"),
        )
    )


@lru_cache(maxsize=64)
def _exception_headers(exception_type: str) -> bytes:
    return encode_headers(
        (
            (":exception-type", exception_type),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        )
    )


def _json_bytes(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_event(event_type: str, payload: object) -> bytes:
    """An ``:message-type: event`` frame whose payload is ``payload`` as JSON."""
    return encode_message_raw(_event_headers(event_type), _json_bytes(payload))


def encode_exception(exception_type: str, payload: object) -> bytes:
    """An ``:message-type: exception`` frame (e.g. ``throttlingException``) with a JSON payload."""
    return encode_message_raw(_exception_headers(exception_type), _json_bytes(payload))
