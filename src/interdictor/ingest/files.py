"""Read posts from JSON Lines, CSV or Parquet, one record at a time.

Every input line (or row) becomes exactly one :class:`Record`: a post, or an error
saying why that line could not be read. Nothing is buffered beyond one line or one
Parquet batch, so memory does not grow with the file.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from interdictor.detect.base import Post

# A post larger than this is refused, so one runaway line cannot exhaust memory.
MAX_LINE_BYTES = 16 * 1024 * 1024
FORMATS = ("jsonl", "csv", "parquet")
_KNOWN = ("id", "text", "surface", "lang", "author", "created_at")


class InputError(ValueError):
    """A record that cannot become a post; the message is shown to the user."""


@dataclass(slots=True)
class Record:
    line: int
    post: Post | None = None
    error: str | None = None
    id: str | None = None  # known even for some bad records, to help find them


def post_from_mapping(obj: Any) -> Post:
    """Validate one decoded record (SPEC §2 input shape)."""
    if not isinstance(obj, Mapping):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}")
    if "id" not in obj or obj["id"] is None or obj["id"] == "":
        raise InputError("missing 'id'")
    pid = obj["id"]
    if isinstance(pid, bool) or not isinstance(pid, str | int):
        raise InputError(f"'id' must be a string, got {type(pid).__name__}")
    if "text" not in obj or obj["text"] is None:
        raise InputError("missing 'text'")
    text = obj["text"]
    if not isinstance(text, str):
        raise InputError(f"'text' must be a string, got {type(text).__name__}")
    fields: dict[str, str | None] = {}
    for key in ("surface", "lang", "author", "created_at"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"'{key}' must be a string, got {type(value).__name__}")
        fields[key] = value or None
    extra = {k: v for k, v in obj.items() if k not in _KNOWN}
    return Post(
        str(pid), text, fields["surface"], fields["lang"], fields["author"], fields["created_at"], extra
    )


def _record(line: int, obj: Any) -> Record:
    try:
        return Record(line, post=post_from_mapping(obj))
    except InputError as exc:
        pid = obj.get("id") if isinstance(obj, Mapping) else None
        return Record(line, error=str(exc), id=pid if isinstance(pid, str) else None)


def detect_format(path: str) -> str:
    name = path.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return "jsonl"


class PostReader:
    """Iterates :class:`Record` s from a file or standard input (``-``).

    ``position`` and ``size`` (bytes) drive a progress bar; ``size`` is ``None`` when
    the input is a stream.
    """

    def __init__(self, path: str, fmt: str | None = None) -> None:
        self.path = path
        self.format = fmt or detect_format(path)
        if self.format not in FORMATS:
            raise InputError(f"unknown input format {self.format!r}; one of {', '.join(FORMATS)}")
        if path != "-" and not Path(path).is_file():
            raise InputError(f"no such file: {path}")
        if path == "-" and self.format == "parquet":
            raise InputError("Parquet cannot be read from standard input; give a file")
        self.size: int | None = None if path == "-" else Path(path).stat().st_size
        self.position = 0

    def __iter__(self) -> Iterator[Record]:
        if self.format == "parquet":
            yield from self._parquet()
            return
        stream: IO[bytes] = sys.stdin.buffer if self.path == "-" else open(self.path, "rb")  # noqa: SIM115
        try:
            yield from (self._jsonl(stream) if self.format == "jsonl" else self._csv(stream))
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()

    def _lines(self, stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
        """Physical lines; ``None`` for a line over the size limit (skipped to its end)."""
        n = 0
        while True:
            raw = stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            n += 1
            self.position += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = stream.readline(1 << 20)
                    self.position += len(raw)
                yield n, None
            else:
                yield n, raw

    def _jsonl(self, stream: IO[bytes]) -> Iterator[Record]:
        for n, raw in self._lines(stream):
            if raw is None:
                yield Record(n, error=f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                yield Record(n, error="empty line")
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as uexc:
                    yield Record(n, error=f"invalid UTF-8 at byte {uexc.start}")
                    continue
                yield Record(n, error=f"not valid JSON: {exc}")
                continue
            yield _record(n, obj)

    def _csv(self, stream: IO[bytes]) -> Iterator[Record]:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.DictReader(text)
        if reader.fieldnames is None:
            return
        missing = {"id", "text"} - set(reader.fieldnames)
        n = 0
        for row in reader:
            n += 1
            self.position = stream.tell() if stream.seekable() else self.position
            if missing:
                yield Record(n, error=f"CSV header lacks {', '.join(sorted(missing))}")
                continue
            if None in row:
                yield Record(n, error="row has more fields than the header")
                continue
            bad = next((k for k, v in row.items() if isinstance(v, str) and _has_surrogates(v)), None)
            if bad is not None:
                yield Record(n, error=f"invalid UTF-8 in column {bad!r}")
                continue
            yield _record(n, {k: v for k, v in row.items() if v != "" or k in ("id", "text")})

    def _parquet(self) -> Iterator[Record]:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(self.path)
        total = max(pf.metadata.num_rows, 1)
        n = 0
        for batch in pf.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                n += 1
                yield _record(n, row)
            self.position = int((self.size or 0) * n / total)


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
