"""A byte-by-byte reading of one Avro ``durable_workflow.protocol.Value`` datum, for the handbook.

It explains the bytes the harness's codec produced (it is not a decoder the
harness relies on: :mod:`conformance.avro_codec` decodes). Each line is the
bytes of one item (a union index, a length, a string, a block count...) and
what it means, so an author can compare their own encoder's output item by
item. A datum that ends early or has a branch the schema lacks stops the walk
with a line saying so.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

BRANCHES = (
    "null",
    "BooleanValue",
    "LongValue",
    "DoubleValue",
    "BytesValue",
    "StringValue",
    "ArrayValue",
    "MapValue",
)


@dataclass(frozen=True)
class ByteLine:
    hex: str
    meaning: str
    depth: int


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def long(self) -> tuple[int, bytes]:
        start = self.position
        shift = result = 0
        while True:
            if self.position >= len(self.data):
                raise EOFError
            byte = self.data[self.position]
            self.position += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
        return (result >> 1) ^ -(result & 1), self.data[start : self.position]

    def take(self, count: int) -> bytes:
        if count < 0 or self.position + count > len(self.data):
            raise EOFError
        chunk = self.data[self.position : self.position + count]
        self.position += count
        return chunk


def _hex(raw: bytes) -> str:
    return raw.hex(" ")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def walk_datum(datum: bytes) -> list[ByteLine]:
    """The lines explaining ``datum`` (the bytes after the 10-byte single-object header)."""
    reader = _Reader(datum)
    lines: list[ByteLine] = []
    # a stack of pending work: ("value", depth) or ("block", depth, is_map)
    stack: list[tuple[str, int, bool]] = [("value", 0, False)]
    try:
        while stack:
            kind, depth, is_map = stack.pop()
            if kind == "block":
                count, raw = reader.long()
                if count == 0:
                    lines.append(ByteLine(_hex(raw), "end of the " + ("map" if is_map else "array"), depth))
                    continue
                if count < 0:
                    _size, size_raw = reader.long()
                    raw += size_raw
                    count = -count
                noun = "entries" if is_map else "items"
                lines.append(ByteLine(_hex(raw), f"block of {count} {noun} (zig-zag varint)", depth))
                stack.append(("block", depth, is_map))
                for _ in range(count):
                    stack.append(("value", depth + 1, False))
                    if is_map:
                        stack.append(("key", depth + 1, False))
                continue
            if kind == "key":
                length, raw = reader.long()
                text = reader.take(length)
                lines.append(ByteLine(_hex(raw), f"key length {length}", depth))
                lines.append(ByteLine(_hex(text), f"key {_short(text.decode('utf-8', 'replace'))!r}", depth))
                continue
            branch, raw = reader.long()
            if not 0 <= branch < len(BRANCHES):
                lines.append(ByteLine(_hex(raw), f"union index {branch}: not a Value branch", depth))
                return lines
            label = f"union index {branch}: {BRANCHES[branch]}"
            if branch == 0:
                lines.append(ByteLine(_hex(raw), label, depth))
            elif branch == 1:
                flag = reader.take(1)
                truth = "true" if flag == b"\x01" else "false"
                lines.append(ByteLine(_hex(raw + flag), f"{label} {truth}", depth))
            elif branch == 2:
                number, number_raw = reader.long()
                lines.append(ByteLine(_hex(raw), label, depth))
                lines.append(ByteLine(_hex(number_raw), f"long {number} (zig-zag varint)", depth))
            elif branch == 3:
                eight = reader.take(8)
                (number,) = struct.unpack("<d", eight)
                lines.append(ByteLine(_hex(raw), label, depth))
                lines.append(
                    ByteLine(_hex(eight), f"double {number!r} (8 bytes, little-endian IEEE 754)", depth)
                )
            elif branch in (4, 5):
                length, length_raw = reader.long()
                content = reader.take(length)
                lines.append(ByteLine(_hex(raw), label, depth))
                lines.append(ByteLine(_hex(length_raw), f"length {length}", depth))
                shown = _short(content.decode("utf-8", "replace")) if branch == 5 else f"{length} bytes"
                lines.append(ByteLine(_hex(content), repr(shown) if branch == 5 else shown, depth))
            else:
                lines.append(ByteLine(_hex(raw), label, depth))
                stack.append(("block", depth, branch == 7))
    except EOFError:
        lines.append(ByteLine("", "the datum ends here, before the value is complete", 0))
        return lines
    if reader.position < len(datum):
        lines.append(ByteLine(_hex(datum[reader.position :]), "bytes after the datum (not allowed)", 0))
    return lines
