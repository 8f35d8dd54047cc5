"""Encoding and decoding of message values and the ``schema`` header."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import ValidationError

from .models import Message

M = TypeVar("M", bound=Message)

SCHEMA_HEADER = "schema"


class SchemaMismatch(ValueError):
    """A message's ``schema`` header names another type or major version."""


class InvalidMessage(ValueError):
    """A message's value does not decode into its model."""


def encode(message: Message) -> bytes:
    return orjson.dumps(message.model_dump(mode="json"))


def headers_for(message: Message) -> list[tuple[str, bytes]]:
    return [(SCHEMA_HEADER, message.schema_header())]


def decode(model: type[M], value: bytes | None, headers: object = ()) -> M:
    """Decode ``value`` into ``model``, checking the ``schema`` header when present."""
    for key, raw in headers or ():  # type: ignore[attr-defined]
        if key == SCHEMA_HEADER:
            name, _, major = raw.decode("utf-8", "replace").partition("/")
            if name != model.SCHEMA_NAME or major != str(model.SCHEMA_MAJOR):
                raise SchemaMismatch(
                    f"expected {model.SCHEMA_NAME}/{model.SCHEMA_MAJOR}, got {raw!r}"
                )
    if value is None:
        raise InvalidMessage(f"{model.SCHEMA_NAME}: empty value")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        raise InvalidMessage(f"{model.SCHEMA_NAME}: {exc.error_count()} invalid field(s): "
                             f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc
