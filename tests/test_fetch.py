"""The fetch step's pieces: politeness (rate limit, Retry-After), names, sniffing, the collect plan."""
from __future__ import annotations

import email.utils
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug import Response

from collectors import REGISTRY
from reports.fetch.archive import Archive
from reports.fetch.collect import collectors_plan, load_plan, source_plans, targets
from reports.fetch.http import Fetcher, FetchError, FetchPolicy, check_content, filename_from, safe_name, sniff
from reports.model.errors import AtlasError
from tests.faults import tiny_pdf, zip_of


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_requests_to_one_host_are_spaced_by_the_rate_limit(httpserver):
    httpserver.expect_request("/a").respond_with_data("a")
    clock = FakeClock()
    fetcher = Fetcher(FetchPolicy(min_interval=2.5, sleep=clock.sleep, clock=clock))
    for n in range(3):
        fetcher.get(httpserver.url_for("/a"), Path(f"/tmp/tatlas-rate-{n}"))
        clock.now += 1.0  # the work between two requests took one second
    assert clock.slept == [1.5, 1.5]


def test_retry_after_as_an_http_date_is_honoured(httpserver):
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    httpserver.expect_ordered_request("/b").respond_with_response(Response("wait", status=503,
                                                                           headers={"Retry-After": when}))
    httpserver.expect_ordered_request("/b").respond_with_data("ok")
    clock = FakeClock()
    fetched = Fetcher(FetchPolicy(min_interval=0, sleep=clock.sleep, clock=clock)).get(httpserver.url_for("/b"),
                                                                                          Path("/tmp/tatlas-b"))
    assert fetched.attempts == 2 and 28 <= clock.slept[0] <= 30


def test_a_retry_after_beyond_patience_is_a_clear_error(httpserver):
    httpserver.expect_request("/c").respond_with_response(Response("wait", status=429, headers={"Retry-After": "86400"}))
    with pytest.raises(FetchError) as err:
        Fetcher(FetchPolicy(min_interval=0, sleep=lambda s: None)).get(httpserver.url_for("/c"), Path("/tmp/tatlas-c"),
                                                                       source="meta-cser")
    assert str(err.value) == (f"source meta-cser: {httpserver.url_for('/c')}: HTTP 429: the server asks us to wait "
                              "86400 s (Retry-After: 86400); try later")


def test_a_refused_connection_is_retried_then_reported(tmp_path):
    policy = FetchPolicy(connect_timeout=0.5, retries=2, backoff=0.001, min_interval=0, sleep=lambda s: None)
    with pytest.raises(FetchError) as err:
        Fetcher(policy).get("http://127.0.0.1:9/none.csv", tmp_path / "x", source="discord")
    assert str(err.value).startswith("source discord: http://127.0.0.1:9/none.csv: gave up after 3 attempts; "
                                     "last: ConnectionError: ")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("disposition, url, expected", [
    ('attachment; filename="CSER 2024 Q2.csv"', "https://x/y", "CSER 2024 Q2.csv"),
    ("attachment; filename*=UTF-8''report%202024.csv", "https://x/y", "report 2024.csv"),
    ("", "https://example.org/pdfs/2023-reports-by-esp.pdf?x=1", "2023-reports-by-esp.pdf"),
    ('attachment; filename="../../etc/passwd"', "https://x/y", "passwd"),
    ('attachment; filename=".hidden.csv"', "https://x/y", "hidden.csv"),
])
def test_file_names_stay_inside_their_folder(disposition, url, expected):
    assert filename_from(disposition, url) == expected
    assert "/" not in safe_name("a/b\\c")


@pytest.mark.parametrize("head, kind", [
    (b"%PDF-1.7\n", "pdf"), (b"PK\x03\x04rest", "zip"), (b"PAR1....", "parquet"), (b"", "empty"),
    (b"\xef\xbb\xbf  <!doctype HTML><html>", "html"), (b"<?xml version='1.0'?>", "xml"),
    (b"app,policy_area,metric,period,value\n", "text"), (b"\x00\x01\x02", "binary"),
])
def test_sniff(head, kind):
    assert sniff(head) == kind


def test_content_checks_accept_real_kinds_and_refuse_others(tmp_path):
    good = {"a.pdf": (tiny_pdf(["2024 CyberTipline Reports by"]), "pdf"), "b.zip": (zip_of({"x.csv": b"a\n"}), "zip"),
            "c.csv": ("ü,ß\n1,2\n".encode(), "csv")}
    for name, (data, expect) in good.items():
        (tmp_path / name).write_bytes(data)
        check_content(tmp_path / name, expect, label=name, table_hint="CyberTipline" if expect == "pdf" else "")
    (tmp_path / "d.csv").write_bytes(tiny_pdf(["x"]))
    with pytest.raises(AtlasError) as err:
        check_content(tmp_path / "d.csv", "csv", label="d.csv", source="discord")
    assert str(err.value) == "source discord: d.csv: byte 0: pdf content where a CSV file was expected " \
                             "(starts with b'%PDF-1.4\\n1 0 obj\\n<< /Type /Catalog /Page')"
    (tmp_path / "e.csv").write_bytes("a,b\n1,é".encode()[:-1])
    with pytest.raises(AtlasError) as err:
        check_content(tmp_path / "e.csv", "csv", label="e.csv")
    assert str(err.value) == "e.csv: line 2: not UTF-8 text: the file ends inside a multi-byte character (truncated?)"


def test_the_bundled_plan_is_valid_and_names_only_sure_urls():
    plan = collectors_plan(REGISTRY)
    plans = {p.id: p for p in source_plans(plan, REGISTRY)}
    assert plans["meta-cser"].folder == "meta-cser" and plans["ncmec-esp"].folder == "ncmec"
    assert plans["tiktok-cger"].manual and plans["x"].manual
    daily = targets(plans["dsa-tdb"], Archive(Path("/nonexistent")), today=date(2024, 3, 15))
    assert [(t.url, t.checksum_url) for t in daily] == [(
        "https://dsa-sor-data-dumps.s3.eu-central-1.amazonaws.com/sor-global-2024-03-14-full.zip",
        "https://dsa-sor-data-dumps.s3.eu-central-1.amazonaws.com/sor-global-2024-03-14-full.zip.sha1")]
    since = targets(plans["ncmec-esp"], Archive(Path("/nonexistent")), since=date(2024, 1, 1))
    assert [t.url.rsplit("/", 1)[-1] for t in since] == ["2023-reports-by-esp.pdf", "2024-reports-by-esp.pdf"]
    week = targets(plans["dsa-tdb"], Archive(Path("/nonexistent")), since=date(2024, 1, 1), today=date(2024, 3, 15))
    assert len(week) == 7 and week[-1].release_date == "2024-01-07"  # max_days caps one run


def test_a_plan_with_an_unknown_key_is_refused(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('[sources.meta-cser]\npage = "https://example.org"\nurls = []\n')
    with pytest.raises(AtlasError) as err:
        load_plan(plan)
    assert str(err.value) == f"{plan}: [sources.meta-cser]: unknown keys ['urls']"
    with pytest.raises(AtlasError) as err:
        source_plans({}, REGISTRY, ["nope"])
    assert str(err.value) == "no collect plan for nope; known: "
