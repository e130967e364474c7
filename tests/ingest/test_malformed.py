"""Malformed input: an IngestError with a bilingual message and file:line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.errors import IngestError, LoadError
from policykg.ingest import Registry, ingest_file, ingest_text


def _error(path: Path, registry: Registry) -> IngestError:
    with pytest.raises(IngestError) as info:
        ingest_file(path, registry=registry)
    return info.value


def test_not_utf8_names_the_line_and_byte(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "gbk.txt"
    # 27 bytes of title, a line break, "(一)" in 5 bytes, then a byte no UTF-8 text holds
    path.write_bytes("关于支持企业的意见\n(一)".encode() + b"\xff" + "减免。".encode())
    e = _error(path, registry)
    assert e.location == f"{path}:2"
    assert "UTF-8" in e.message and "第 33 字节" in e.message and "byte offset 33" in e.message
    assert isinstance(e, LoadError)


def test_gbk_text_is_refused(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("关于支持企业的意见\n(一)减免。".encode("gbk"))
    assert _error(path, registry).location == f"{path}:1"


def test_empty_file(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    e = _error(path, registry)
    assert e.location == f"{path}:1"
    assert e.message == "文本为空 / the text is empty"


def test_missing_file(tmp_path: Path, registry: Registry) -> None:
    e = _error(tmp_path / "nope.txt", registry)
    assert e.location == str(tmp_path / "nope.txt")
    assert "cannot read" in e.message


def test_no_title(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "untitled.txt"
    path.write_text("<p></p>\n\n(一)减免收费。(市财政局负责)\n", encoding="utf-8")
    e = _error(path, registry)
    assert e.location == f"{path}:3"
    assert "未找到标题" in e.message and "no title found" in e.message


def test_no_article(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "no-articles.txt"
    path.write_text("关于支持企业的意见\n各区市政府:\n为支持企业发展,制定本意见。\n", encoding="utf-8")
    e = _error(path, registry)
    assert e.location == f"{path}:1"
    assert "未找到任何条款" in e.message and "no article found" in e.message


def test_article_marker_without_text(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "bare-marker.txt"
    path.write_text("关于支持企业的意见\n(一)减免收费。\n(二)\n(三)加强服务。\n", encoding="utf-8")
    e = _error(path, registry)
    assert e.location == f"{path}:3"
    assert "(二)" in e.message and "has no text" in e.message


def test_unreadable_date(registry: Registry) -> None:
    with pytest.raises(IngestError) as info:
        ingest_text("关于支持企业的意见\n成文日期 2012-13-45\n(一)减免。", source="x.txt", registry=registry)
    assert info.value.location == "x.txt:2"
    assert "成文日期" in info.value.message and "2012-13-45" in info.value.message


def test_malformed_document_number(registry: Registry) -> None:
    with pytest.raises(IngestError) as info:
        ingest_text("关于支持企业的意见\n编号 第四十六号\n(一)减免。", source="x.txt", registry=registry)
    assert info.value.location == "x.txt:2"
    assert "not a document number" in info.value.message


def test_str_of_the_error_is_one_line(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    assert "\n" not in str(_error(path, registry))


def test_bad_registry_file(tmp_path: Path) -> None:
    bad = tmp_path / "agencies.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        Registry.from_files([bad])
    assert info.value.location == str(bad)
    with pytest.raises(LoadError):
        Registry.from_files([tmp_path / "missing.ttl"])
