"""Write the JSON Schema of every message type: ``python -m newsflow.schemas.export [DIR]``."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from .models import MESSAGE_TYPES, Message


def json_schema(model: type[Message]) -> dict[str, object]:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://newsflow.dev/schemas/{model.SCHEMA_NAME}-{model.SCHEMA_MAJOR}.json"
    return schema


def render(model: type[Message]) -> bytes:
    return orjson.dumps(json_schema(model), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).parent / "json"
    out.mkdir(parents=True, exist_ok=True)
    for model in MESSAGE_TYPES:
        path = out / f"{model.SCHEMA_NAME}-{model.SCHEMA_MAJOR}.schema.json"
        path.write_bytes(render(model))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
