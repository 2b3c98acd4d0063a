"""The scan contract (SPEC §2): fields, order, one line per input line, bad input."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import read_jsonl, run_cli
from interdictor.ingest import files
from interdictor.ingest.files import PostReader

FIELDS = {"id", "labels", "scores", "substances", "indicators", "evidence"}
SALE = "🔌 got blues m30s 💊 5 for 100, tap in on tele @plugexample"
RECRUIT = "Se buscan choferes con troca, pago por viaje $2000, zona Laredo"


def test_every_field_in_order_one_line_per_input(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    rows = [
        {"id": f"p{i}", "text": t, "surface": "social_post"}
        for i, t in enumerate([SALE, "hello world", RECRUIT, "nice weather"] * 5)
    ]
    out = tmp_path / "out.jsonl"
    proc = run_cli("scan", str(write_jsonl(rows)), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    result = read_jsonl(out)
    assert [r["id"] for r in result] == [r["id"] for r in rows]
    for r in result:
        assert set(r) == FIELDS
        assert set(r["scores"]) == {"drug_sale", "smuggling_recruitment"}
        assert all(0.0 <= v <= 1.0 for v in r["scores"].values())
    assert "drug_sale" in result[0]["labels"]
    assert "smuggling_recruitment" in result[2]["labels"]
    assert result[1]["labels"] == []
    assert b"posts scanned" in proc.stderr


def test_evidence_offsets_point_into_the_original_text(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    text = "ｘ\u200bａｎａｘ bars, no prescription, ships today"
    out = tmp_path / "out.jsonl"
    run_cli("scan", str(write_jsonl([{"id": "a", "text": text}])), "-o", str(out))
    [row] = read_jsonl(out)
    assert row["evidence"]
    for ev in row["evidence"]:
        assert text[ev["start"] : ev["end"]] == ev["text"]
    assert any(ev["text"] == "ｘ\u200bａｎａｘ bars" for ev in row["evidence"])


BAD_LINES: list[tuple[bytes, str]] = [
    (b"this line is not json", "not valid JSON"),
    (b'{"id": "m"}', "missing 'text'"),
    (b'{"text": "no id here"}', "missing 'id'"),
    (b'{"id": "n", "text": 42}', "'text' must be a string"),
    (b'{"id": "o", "text": ["a"]}', "'text' must be a string"),
    (b'["an", "array"]', "expected a JSON object"),
    (b'{"id": "u", "text": "caf\xe9 \xff"}', "invalid UTF-8"),
    (b"", "empty line"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_LINES)
def test_bad_line_gets_an_error_and_nothing_else_is_lost(
    bad: bytes, message: str, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_jsonl([{"id": "a", "text": SALE}, bad, {"id": "c", "text": RECRUIT}])
    out = tmp_path / "out.jsonl"
    proc = run_cli("scan", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    first, middle, last = read_jsonl(out)
    assert first["id"] == "a" and "drug_sale" in first["labels"]
    assert middle["line"] == 2 and message in middle["error"]
    assert last["id"] == "c" and "smuggling_recruitment" in last["labels"]


def test_a_one_megabyte_post_is_scanned(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    big = ("lorem ipsum dolor sit amet " * 40000)[:1_000_000] + " " + SALE
    out = tmp_path / "out.jsonl"
    proc = run_cli(
        "scan", str(write_jsonl([{"id": "big", "text": big}, {"id": "b", "text": "hi"}])), "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    big_row, small = read_jsonl(out)
    assert "drug_sale" in big_row["labels"]
    assert small["id"] == "b"


def test_a_line_over_the_limit_is_refused_and_skipped(
    monkeypatch: pytest.MonkeyPatch, write_jsonl: Callable[..., Path]
) -> None:
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 1000)
    path = write_jsonl([{"id": "a", "text": "x" * 5000}, {"id": "b", "text": "fine"}])
    records = list(PostReader(str(path)))
    assert records[0].error is not None and "longer than" in records[0].error
    assert records[1].post is not None and records[1].post.id == "b"
    assert [r.line for r in records] == [1, 2]


def test_standard_input_and_output() -> None:
    lines = orjson.dumps({"id": "a", "text": SALE}) + b"\nnot json\n"
    proc = run_cli("scan", "-", input=lines)
    assert proc.returncode == 0, proc.stderr
    out = [orjson.loads(x) for x in proc.stdout.splitlines()]
    assert out[0]["id"] == "a" and out[1]["line"] == 2


def test_csv_input(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "surface", "extra"])
        w.writerow(["1", SALE, "social_post", "kept"])
        w.writerow(["2", "multi\nline, quoted text", "", ""])
        w.writerow(["", "no id", "", ""])
    out = tmp_path / "out.jsonl"
    proc = run_cli("scan", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = read_jsonl(out)
    assert [r.get("id") for r in rows[:2]] == ["1", "2"]
    assert "drug_sale" in rows[0]["labels"]
    assert "missing 'id'" in rows[2]["error"]


def test_csv_without_text_column_reports_each_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,body\n1,hello\n2,world\n", encoding="utf-8")
    rows = list(PostReader(str(path)))
    assert [r.error for r in rows] == ["CSV header lacks text"] * 2


def test_csv_invalid_utf8_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,text\n1,ok\n2,bad \xff byte\n3,fine\n")
    rows = list(PostReader(str(path)))
    assert rows[0].post is not None and rows[2].post is not None
    assert rows[1].error is not None and "invalid UTF-8" in rows[1].error


def test_parquet_input(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": [SALE, "hello", None]}), path)
    out = tmp_path / "out.jsonl"
    proc = run_cli("scan", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = read_jsonl(out)
    assert [r.get("id") for r in rows[:2]] == ["a", "b"]
    assert "drug_sale" in rows[0]["labels"]
    assert "missing 'text'" in rows[2]["error"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli("scan", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert b"no such file" in proc.stderr


def test_reader_streams_instead_of_loading_the_file(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([{"id": str(i), "text": "x" * 100} for i in range(20000)])
    reader = PostReader(str(path))
    first = next(iter(reader))
    assert first.post is not None and first.post.id == "0"
    assert reader.size is not None and reader.position < reader.size / 100


def test_workers_give_the_same_output(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    rows: list[object] = [{"id": str(i), "text": t} for i, t in enumerate([SALE, RECRUIT, "hi"] * 300)]
    rows.insert(17, b"broken")
    path = write_jsonl(rows)
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    assert run_cli("scan", str(path), "-o", str(one)).returncode == 0
    assert run_cli("scan", str(path), "-o", str(two), "--workers", "2").returncode == 0
    assert one.read_bytes() == two.read_bytes()
    assert len(read_jsonl(one)) == len(rows)


def test_output_does_not_depend_on_the_hash_seed(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    # "zips" is both a quantity and a sale cue: equal spans must still come out in one order.
    path = write_jsonl([{"id": str(i), "text": f"ZIPS of kush {i}0 each, 3 zips left, dm"} for i in range(5)])
    outputs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"{seed}.jsonl"
        proc = subprocess.run(
            [sys.executable, "-m", "interdictor.cli", "scan", str(path), "-o", str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_no_rerank_changes_only_long_unsure_posts(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    from test_rerank import SPAM

    path = write_jsonl([{"id": "spam", "text": SPAM}, {"id": "sale", "text": SALE}] * 3)
    outputs = {}
    for name, args in {
        "one": (),
        "two": ("--workers", "2"),
        "fast": ("--workers", "2", "--no-rerank"),
    }.items():
        out = tmp_path / f"{name}.jsonl"
        proc = run_cli("scan", str(path), "-o", str(out), *args)
        assert proc.returncode == 0, proc.stderr
        outputs[name] = read_jsonl(out)
    assert outputs["one"] == outputs["two"]
    reranked, fast = outputs["one"], outputs["fast"]
    assert reranked[0]["scores"]["drug_sale"] != pytest.approx(fast[0]["scores"]["drug_sale"])
    assert reranked[1] == fast[1]
