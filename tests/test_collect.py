"""tatlas collect against a local server: real files, injected faults, bad inputs; nothing stored is ever lost."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import threading
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from collectors import REGISTRY
from reports.fetch.archive import Archive
from reports.fetch.collect import collect, load_plan, source_plans
from reports.fetch.http import Fetcher, FetchPolicy
from reports.ingest.build import build
from reports.ingest.register import SIDECAR_SUFFIX
from reports.model.errors import StoreError
from reports.store.checking import check_store
from reports.store.database import Store
from reports.store.locks import locked
from tests.conftest import REPO, shared
from tests.faults import corrupt_member_data, drop_column, tiny_pdf, write_plan, zip_of

META_PATH = "/sr/community-standards/"
MODIFIED = "Tue, 30 Jul 2024 12:00:00 GMT"


class Publisher:
    """A fake publisher's site: files at paths, ETag/Last-Modified, conditional GET, and queued faults."""

    def __init__(self, server):
        self.server = server
        self.released = threading.Event()  # a stalled answer waits for this (set when the test ends)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.seen: list[tuple[str, dict, int]] = []
        self.etag_salt = b""  # change it to serve the same bytes under a new ETag
        server.expect_request(re.compile("^/")).respond_with_handler(self.handle)

    def put(self, path: str, data: bytes, content_type: str = "text/csv") -> str:
        self.files[path] = (data, content_type)
        return self.url(path)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def fail(self, path: str, *faults: str) -> None:
        self.faults[path] += faults

    def statuses(self, path: str) -> list[int]:
        return [status for p, _, status in self.seen if p == path]

    def handle(self, request):
        response = self._answer(request)
        self.seen.append((request.path, dict(request.headers), response.status_code))
        return response

    def _answer(self, request):
        path = request.path
        if self.faults[path]:
            fault = self.faults[path].pop(0)
            kind, _, arg = fault.partition(":")
            if kind == "status":
                return Response("busy", status=int(arg))
            if kind == "retry-after":
                return Response("slow down", status=429, headers={"Retry-After": arg})
            if kind == "stall":  # never answers in time: held until the test ends (at most arg seconds)
                self.released.wait(float(arg))
            if kind == "redirect":
                return Response("", status=302, headers={"Location": self.url(arg)})
            if kind == "location":  # a Location header exactly as a (hostile) server sends it
                return Response("", status=302, headers={"Location": arg})
            if kind == "drip":  # one byte at a time, until the test ends
                def drip():
                    while not self.released.wait(0.2):
                        yield b"a"
                return Response(drip(), headers={"Content-Type": "text/csv"})
            if kind == "named":  # a server-chosen file name
                data, content_type = self.files[path]
                return Response(data, headers={"Content-Type": content_type,
                                               "Content-Disposition": f'attachment; filename="{arg}"'})
            if kind == "drop":
                data = self.files[path][0]

                def cut():
                    yield data[: len(data) // 3]
                    raise ConnectionResetError("dropped mid-body")
                return Response(cut(), headers={"Content-Length": str(len(data))})
        if path not in self.files:
            return Response("not found", status=404)
        data, content_type = self.files[path]
        etag = '"' + hashlib.sha256(data + self.etag_salt).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag, "Last-Modified": MODIFIED})
        return Response(data, headers={"ETag": etag, "Last-Modified": MODIFIED, "Content-Type": content_type})


@pytest.fixture
def site(httpserver):
    publisher = Publisher(httpserver)
    yield publisher
    publisher.released.set()


@pytest.fixture
def threaded_site():
    """A publisher whose server answers each request on its own thread (on 127.0.0.1, stopped at the end), so a
    stalled answer does not hold up the retry that follows it."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    publisher = Publisher(server)
    try:
        yield publisher
    finally:
        publisher.released.set()
        server.clear()
        server.stop()


def fast_policy(sleeps: list | None = None) -> FetchPolicy:
    """Real retries, tiny waits: sleeps are recorded, not slept (except the read timeout, above a loaded machine's pauses)."""
    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    return FetchPolicy(connect_timeout=2, read_timeout=1.5, retries=3, backoff=0.001, min_interval=0, sleep=record)


class Atlas:
    """An archive and a store in a temp folder, collected from a local plan with a fast fetch policy."""

    def __init__(self, root: Path, plan: Path, sources=("meta-cser",), policy: FetchPolicy | None = None):
        self.policy = policy
        self.archive = Archive(root / "archive")
        self.db = root / "atlas.duckdb"
        self.plan = plan
        self.collectors = {s: REGISTRY[s] for s in sources if s in REGISTRY}
        self.sleeps: list[float] = []

    def collect(self, only=None, build_too=True):
        plans = source_plans(load_plan(self.plan), self.collectors, only)
        fetcher = Fetcher(self.policy or fast_policy(self.sleeps))
        summary = collect(self.archive, plans, fetcher, self.collectors)
        fetcher.close()
        if build_too and self.archive.root.is_dir():
            build(self.archive.root, self.db, self.collectors)
        return summary

    def state(self) -> dict:
        """Everything a later fault must not change: archived files with their bytes, and the store's rows."""
        files = {str(p.relative_to(self.archive.root)): hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted(self.archive.root.rglob("*")) if p.is_file() and not p.name.startswith(".")}
        rows = {}
        if self.db.exists():
            with Store(self.db, read_only=True) as store:
                rows = {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv() for t in ("documents", "observations")}
        return {"files": files, "rows": rows}

    def consistent(self) -> None:
        problems, _ = self.archive.check()
        store_problems, _ = check_store(self.db)
        assert problems + store_problems == []


def meta_plan(tmp_path, site, **extra) -> Path:
    entry = {"page": site.url("/sr/"), "expect": "csv",
             "files": [{"url": site.url(META_PATH), "name": "meta-cser-latest.csv"}], **extra}
    return write_plan(tmp_path / "plan.toml", {"meta-cser": entry})


def meta_value(db: Path, period="2020-Q1", area="Child Nudity & Sexual Exploitation") -> list[float]:
    with Store(db, read_only=True) as store:
        latest = store.latest("platform = 'facebook' AND policy_label = ? AND metric_label = 'Content Actioned' "
                              "AND period = ?", [area, period])
    return list(latest.value)


# -- the happy path, conditional GET, new versions at the same URL -------------------------------------
def test_collect_snapshots_the_real_file_with_provenance_and_builds_it(tmp_path, site):
    data = shared("meta-cser", "meta-2024-q2.csv").read_bytes()
    site.put(META_PATH, data, "text/csv; charset=utf-8")
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect()
    sha = hashlib.sha256(data).hexdigest()
    assert summary.errors == [] and summary.new == [f"meta-cser/{sha[:16]}/meta-cser-latest.csv"]
    path = atlas.archive.root / "meta-cser" / sha[:16] / "meta-cser-latest.csv"
    assert path.read_bytes() == data
    sidecar = json.loads(path.with_name(path.name + SIDECAR_SUFFIX).read_text())
    assert sidecar["url"] == sidecar["final_url"] == site.url(META_PATH)
    assert (sidecar["status"], sidecar["bytes"], sidecar["sha256"]) == (200, len(data), sha)
    assert sidecar["content_type"] == "text/csv; charset=utf-8"
    assert sidecar["publisher"] == "Meta Platforms, Inc." and sidecar["license"].startswith("No open licence stated")
    assert sidecar["etag"] == '"' + sha[:20] + '"' and sidecar["last_modified"] == MODIFIED
    assert "User-Agent" in site.seen[0][1] and site.seen[0][1]["User-Agent"].startswith("TransparencyAtlas-collector/")
    assert meta_value(atlas.db, "2017-Q4", "Adult Nudity & Sexual Activity") == [20_800_000]
    with Store(atlas.db, read_only=True) as store:
        doc = store.documents().iloc[0]
    assert (doc["source_url"], doc["edition"]) == (site.url(META_PATH), "2024-Q2")
    atlas.consistent()


def test_second_collect_with_nothing_changed_downloads_nothing_and_changes_nothing(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2023-q1.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    before = atlas.state()
    summary = atlas.collect()
    assert summary.new == [] and summary.not_modified == [site.url(META_PATH)]
    _, headers, status = site.seen[-1]
    assert headers["If-None-Match"] == '"' + hashlib.sha256(site.files[META_PATH][0]).hexdigest()[:20] + '"'
    assert headers["If-Modified-Since"] == MODIFIED
    assert status == 304
    assert atlas.state() == before


def test_a_new_version_at_the_same_url_is_a_new_snapshot_and_its_restatements_show_in_changes(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    assert meta_value(atlas.db) == [8_600_000]
    site.put(META_PATH, shared("meta-cser", "meta-2021-q3.csv").read_bytes())
    summary = atlas.collect()
    assert len(summary.new) == 1 and site.statuses(META_PATH) == [200, 200]
    assert len(atlas.archive.snapshots()) == 2
    assert meta_value(atlas.db) == [8_500_000]
    with Store(atlas.db, read_only=True) as store:
        changes = store.changes(platform="facebook")
        assert store.counts()["documents"] == 2
    revised = changes[(changes.policy_label == "Child Nudity & Sexual Exploitation")
                      & (changes.metric_label == "Content Actioned") & (changes.period == "2020-Q1")]
    assert list(zip(revised.old_value, revised.new_value, strict=True)) == [(8_600_000, 8_500_000)]
    assert list(zip(revised.old_edition, revised.new_edition, strict=True)) == [("2021-Q2", "2021-Q3")]
    atlas.consistent()


def test_the_same_bytes_served_again_with_a_new_etag_add_no_snapshot(tmp_path, site):
    data = shared("meta-cser", "meta-2021-q2.csv").read_bytes()
    site.put(META_PATH, data)
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    before = atlas.state()
    site.etag_salt = b"v2"
    summary = atlas.collect()
    assert summary.new == [] and len(summary.unchanged) == 1 and site.statuses(META_PATH) == [200, 200]
    assert atlas.state() == before
    assert atlas.collect().not_modified == [site.url(META_PATH)]  # the new ETag was remembered
    assert site.statuses(META_PATH) == [200, 200, 304]


# -- network faults ----------------------------------------------------------------------------------------
def test_500s_are_retried_with_backoff(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    site.fail(META_PATH, "status:500", "status:503")
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect()
    assert summary.errors == [] and len(summary.new) == 1
    assert site.statuses(META_PATH) == [500, 503, 200]
    assert atlas.sleeps == [0.001, 0.002]


def test_429_honours_retry_after(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    site.fail(META_PATH, "retry-after:7")
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect()
    assert summary.errors == [] and site.statuses(META_PATH) == [429, 200]
    assert atlas.sleeps == [7.0]


def test_a_timeout_is_retried(tmp_path, threaded_site):
    site = threaded_site
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    site.fail(META_PATH, "stall:60")  # the first answer never comes in time; the retry is answered on another thread
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect()
    assert summary.errors == [] and len(summary.new) == 1 and len(atlas.sleeps) == 1


def test_a_connection_dropped_mid_body_is_retried_and_never_archived_half(tmp_path, site):
    data = shared("meta-cser", "meta-2021-q2.csv").read_bytes()
    site.put(META_PATH, data)
    site.fail(META_PATH, "drop", "drop")
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect()
    assert summary.errors == [] and site.statuses(META_PATH) == [200, 200, 200]
    (snapshot,) = atlas.archive.snapshots()
    assert snapshot.path.read_bytes() == data and snapshot.provenance["attempts"] == 3
    atlas.consistent()


def test_redirects_are_followed_and_the_final_url_recorded(tmp_path, site):
    site.put("/files/cser-2021q2.csv", shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    site.fail(META_PATH, "redirect:/files/cser-2021q2.csv")
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    (snapshot,) = atlas.archive.snapshots()
    assert snapshot.path.name == "cser-2021q2.csv"  # the name the final URL gives
    assert snapshot.provenance["url"] == site.url(META_PATH)
    assert snapshot.provenance["final_url"] == site.url("/files/cser-2021q2.csv")
    assert snapshot.provenance["redirects"] == [site.url(META_PATH)]


def test_a_server_that_keeps_failing_gives_a_clear_error_and_loses_nothing(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    before = atlas.state()
    site.put(META_PATH, shared("meta-cser", "meta-2021-q3.csv").read_bytes())
    site.fail(META_PATH, *["status:503"] * 4)
    summary = atlas.collect()
    assert [str(e) for e in summary.errors] == [
        f"source meta-cser: {site.url(META_PATH)}: gave up after 4 attempts; last: HTTP 503 SERVICE UNAVAILABLE"]
    assert atlas.state() == before
    atlas.consistent()


def test_a_file_over_the_size_cap_is_refused(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site, max_bytes=1000))
    summary = atlas.collect()
    assert [str(e) for e in summary.errors] == [
        f"source meta-cser: {site.url(META_PATH)}: file is 136982 bytes, over the 1000-byte cap for this source"]
    assert atlas.archive.snapshots() == []


# -- bad input: each refused with source, file and place, and nothing already stored lost ----------------
@pytest.fixture
def stored(tmp_path, site):
    """An atlas that already holds Meta's 2021-Q2 edition, and its state, before a bad file arrives."""
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    return atlas, atlas.state()


def refused(atlas: Atlas, before: dict, site, path: str = META_PATH) -> str:
    """Collect again, expect exactly one error, and check that nothing was archived, stored or lost."""
    summary = atlas.collect()
    assert summary.new == [] and len(summary.errors) == 1
    assert atlas.state() == before
    assert meta_value(atlas.db) == [8_600_000]
    atlas.consistent()
    return str(summary.errors[0])


def test_html_where_a_csv_was_expected(stored, site):
    atlas, before = stored
    site.put(META_PATH, b"<!DOCTYPE html><html><head><title>Log in</title></head><body></body></html>", "text/html")
    assert refused(atlas, before, site) == (
        f"source meta-cser: meta-cser-latest.csv from {site.url(META_PATH)}: byte 0: an HTML page where a CSV file "
        "was expected (starts with b'<!DOCTYPE html><html><head><title>Log in')")


def test_html_is_refused_by_the_parser_too(tmp_path):
    page = tmp_path / "meta-cser" / "meta-2024-q3.csv"
    page.parent.mkdir()
    page.write_text("<!DOCTYPE html>\n<html><body>Sign in</body></html>\n")
    summary = build(tmp_path, tmp_path / "atlas.duckdb", {"meta-cser": REGISTRY["meta-cser"]})
    assert [error for _, error in summary.failed] == [
        f"{page}: line 1: an HTML page, not a data file (a login, error or download page saved in its place?)"]
    with Store(tmp_path / "atlas.duckdb", read_only=True) as store:
        assert store.counts()["documents"] == 0


def test_a_csv_whose_header_lost_a_column(stored, site):
    atlas, before = stored
    text = shared("meta-cser", "meta-2021-q3.csv").read_text(encoding="utf-8-sig")
    site.put(META_PATH, drop_column(text, "metric").encode())
    assert refused(atlas, before, site) == (
        f"source meta-cser: meta-cser-latest.csv from {site.url(META_PATH)}: line 1: missing column(s) metric: "
        "expected header app,policy_area,metric,period,value (in any order), found ['app', 'policy_area', 'period', "
        "'value'], and no other column holds what it would")


def test_cp1252_text(stored, site):
    atlas, before = stored
    text = shared("meta-cser", "meta-2021-q3.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    lines[3] = lines[3].replace("Facebook", "Facebook’s", 1)
    site.put(META_PATH, "".join(lines).encode("cp1252"))
    offset = len("".join(lines[:3]).encode("cp1252")) + lines[3].index("’")
    assert refused(atlas, before, site) == (
        f"source meta-cser: meta-cser-latest.csv from {site.url(META_PATH)}: line 4, column {lines[3].index('’') + 1}: "
        f"not UTF-8 text: byte 0x92 at offset {offset} (in CP1252 it would be '’'); the file looks re-encoded")


def test_an_empty_file(stored, site):
    atlas, before = stored
    site.put(META_PATH, b"")
    assert refused(atlas, before, site) == (
        f"source meta-cser: meta-cser-latest.csv from {site.url(META_PATH)}: byte 0: empty file (0 bytes)")


SOR_DAY = "2024-03-14"
SOR_NAME = f"sor-global-{SOR_DAY}-full.zip"


def sor_plan(tmp_path, site) -> Path:
    """The EU daily dump rule, pointed at the local server."""
    daily = {"url": site.url("/dumps/sor-global-{date}-full.zip"), "checksum": "{url}.sha1", "first": "2023-09-25",
             "lookback_days": 1, "max_days": 3}
    return write_plan(tmp_path / "plan.toml", {
        "meta-cser": {"page": site.url("/sr/"), "expect": "csv",
                      "files": [{"url": site.url(META_PATH), "name": "meta-cser-latest.csv"}]},
        "dsa-tdb": {"page": site.url("/"), "folder": "dsa-sor", "expect": "dump", "validate": False,
                    "publisher": "European Commission, DG CONNECT", "license": "CC BY 4.0", "daily": daily}})


def real_dump() -> bytes:
    """A daily dump shaped like the Commission's: a ZIP of ZIPs of the real CSV parts of that day."""
    parts = sorted(shared("dsa-sor").glob(f"sor-global-{SOR_DAY}-full-*.csv"))
    inner = {f"sor-global-{SOR_DAY}-full-{n:05}.csv.zip": zip_of({p.name: p.read_bytes()}) for n, p in enumerate(parts)}
    return zip_of(inner, compression=zipfile.ZIP_STORED)


def sor_collect(atlas: Atlas, site, dump: bytes, sha1: str | None = None):
    site.put(f"/dumps/{SOR_NAME}", dump, "application/zip")
    site.put(f"/dumps/{SOR_NAME}.sha1", f"{sha1 or hashlib.sha1(dump).hexdigest()}  {SOR_NAME}\n".encode(), "text/plain")
    from datetime import date

    plans = source_plans(load_plan(atlas.plan), atlas.collectors, ["dsa-tdb"])
    return collect(atlas.archive, plans, Fetcher(fast_policy()), atlas.collectors, since=date(2024, 3, 14),
                   today=date(2024, 3, 15))


@pytest.fixture
def stored_sor(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, sor_plan(tmp_path, site))
    atlas.collect(only=["meta-cser"])
    return atlas, atlas.state()


def sor_refused(atlas, before, site, dump: bytes, sha1: str | None = None) -> str:
    summary = sor_collect(atlas, site, dump, sha1)
    assert summary.new == [] and len(summary.errors) == 1
    assert atlas.state() == before
    atlas.consistent()
    return str(summary.errors[0])


def test_the_eu_daily_dump_is_named_by_date_verified_by_its_sha1_and_archived(stored_sor, site):
    atlas, _ = stored_sor
    dump = real_dump()
    summary = sor_collect(atlas, site, dump)
    assert summary.errors == [] and summary.new == [f"dsa-sor/{hashlib.sha256(dump).hexdigest()[:16]}/{SOR_NAME}"]
    (snapshot,) = [s for s in atlas.archive.snapshots() if s.folder == "dsa-sor"]
    assert snapshot.provenance["license"] == "CC BY 4.0" and snapshot.provenance["release_date"] == SOR_DAY
    atlas.consistent()


def test_a_checksum_mismatch(stored_sor, site):
    atlas, before = stored_sor
    dump = real_dump()
    wrong = hashlib.sha1(b"another day").hexdigest()
    assert sor_refused(atlas, before, site, dump, wrong) == (
        f"source dsa-tdb: {SOR_NAME} from {site.url('/dumps/' + SOR_NAME)}: checksum mismatch: "
        f"{site.url('/dumps/' + SOR_NAME)}.sha1 says sha1 {wrong}, the download is {hashlib.sha1(dump).hexdigest()}")


def test_a_truncated_zip(stored_sor, site):
    atlas, before = stored_sor
    dump = real_dump()
    assert sor_refused(atlas, before, site, dump[: len(dump) // 2]) == (
        f"source dsa-tdb: {SOR_NAME} from {site.url('/dumps/' + SOR_NAME)}: truncated ZIP archive: its "
        "end-of-central-directory record is not at the end of the file")


def test_a_corrupt_zip(stored_sor, site):
    atlas, before = stored_sor
    member = zip_of({"part.csv": shared("dsa-sor", f"sor-global-{SOR_DAY}-full-00000-00000.csv").read_bytes()})
    dump = zip_of({f"sor-global-{SOR_DAY}-full-00000.csv.zip": member}, compression=zipfile.ZIP_STORED)
    assert sor_refused(atlas, before, site, corrupt_member_data(dump, member)) == (
        f"source dsa-tdb: {SOR_NAME} from {site.url('/dumps/' + SOR_NAME)}: sor-global-{SOR_DAY}-full-00000.csv.zip: "
        f"truncated or corrupt member (Bad CRC-32 for file 'sor-global-{SOR_DAY}-full-00000.csv.zip')")


def test_a_zip_entry_escaping_the_folder(stored_sor, site):
    atlas, before = stored_sor
    dump = zip_of({"../../etc/cron.d/x.csv.zip": b"PK"})
    assert sor_refused(atlas, before, site, dump) == (
        f"source dsa-tdb: {SOR_NAME} from {site.url('/dumps/' + SOR_NAME)}: ../../etc/cron.d/x.csv.zip: "
        "member name escapes the archive's folder")


def test_a_zip_bomb(stored_sor, site):
    atlas, before = stored_sor
    dump = zip_of({f"sor-global-{SOR_DAY}-full-00000.csv.zip": b"\0" * (8 << 20)})
    assert sor_refused(atlas, before, site, dump) == (
        f"source dsa-tdb: {SOR_NAME} from {site.url('/dumps/' + SOR_NAME)}: sor-global-{SOR_DAY}-full-00000.csv.zip: "
        "member expands to 8388608 bytes (ratio 1028); refusing a likely ZIP bomb")


def test_a_day_not_published_yet_is_not_an_error(stored_sor, site):
    atlas, before = stored_sor
    from datetime import date

    plans = source_plans(load_plan(atlas.plan), atlas.collectors, ["dsa-tdb"])
    summary = collect(atlas.archive, plans, Fetcher(fast_policy()), atlas.collectors, since=date(2024, 3, 16),
                      today=date(2024, 3, 17))
    assert summary.errors == [] and summary.not_published == [site.url("/dumps/sor-global-2024-03-16-full.zip")]
    assert atlas.state() == before


def pdf_plan(tmp_path, site) -> Path:
    return write_plan(tmp_path / "plan.toml", {
        "meta-cser": {"page": site.url("/sr/"), "expect": "csv",
                      "files": [{"url": site.url(META_PATH), "name": "meta-cser-latest.csv"}]},
        "ncmec-esp": {"page": site.url("/"), "folder": "ncmec", "expect": "pdf", "table_hint": "CyberTipline Reports by",
                      "files": [{"url": site.url("/pdfs/2024-reports-by-esp.pdf")}]}})


def test_a_pdf_without_the_expected_table(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, pdf_plan(tmp_path, site), sources=("meta-cser", "ncmec-esp"))
    atlas.collect(only=["meta-cser"])
    before = atlas.state()
    site.put("/pdfs/2024-reports-by-esp.pdf", tiny_pdf(["2024 Annual Report", "Thank you to our partners"]),
             "application/pdf")
    assert refused(atlas, before, site) == (
        f"source ncmec-esp: 2024-reports-by-esp.pdf from {site.url('/pdfs/2024-reports-by-esp.pdf')}: pages 1-1: "
        "PDF without the expected table: no page mentions 'CyberTipline Reports by'")


def test_a_pdf_with_the_title_but_no_table_is_refused_by_the_ncmec_parser(tmp_path, site):
    if "ncmec-esp" not in REGISTRY:
        pytest.skip("the NCMEC collector is not registered")
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, pdf_plan(tmp_path, site), sources=("meta-cser", "ncmec-esp"))
    atlas.collect(only=["meta-cser"])
    before = atlas.state()
    site.put("/pdfs/2024-reports-by-esp.pdf", tiny_pdf(["2024 CyberTipline Reports by", "Electronic Service Providers",
                                                        "The table will be published later."]), "application/pdf")
    message = refused(atlas, before, site)
    assert message.startswith(f"source ncmec-esp: 2024-reports-by-esp.pdf from {site.url('/pdfs/2024-reports-by-esp.pdf')}")


def test_the_real_ncmec_pdf_passes_the_pdf_check(tmp_path, site):
    site.put("/pdfs/2023-reports-by-esp.pdf", shared("ncmec", "ncmec-by-esp-2023.pdf").read_bytes(), "application/pdf")
    atlas = Atlas(tmp_path, pdf_plan(tmp_path, site), sources=("ncmec-esp",))
    plan = load_plan(atlas.plan)
    plan["ncmec-esp"]["files"] = [{"url": site.url("/pdfs/2023-reports-by-esp.pdf")}]
    plans = source_plans(plan, atlas.collectors, ["ncmec-esp"])
    summary = collect(atlas.archive, plans, Fetcher(fast_policy()), atlas.collectors)
    assert summary.errors == [] and len(summary.new) == 1
    assert atlas.archive.check() == ([], [])


# -- the lock, check, and the CLI ------------------------------------------------------------------------
def test_a_second_run_is_refused_while_one_holds_the_lock_and_a_dead_runs_lock_is_taken_over(tmp_path):
    db = tmp_path / "atlas.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from reports.store.database import locked\nwith locked(Path(sys.argv[1])):\n"
                               "    print('held', flush=True); time.sleep(60)", str(db)],
                              cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError) as err:
            with locked(db):
                pass
        assert str(err.value) == (f"{db}.lock: another tatlas build/collect is running (pid {holder.pid}); "
                                  "try again when it has finished")
    finally:
        holder.kill()
        holder.wait()
    with locked(db):  # the holder died: its lock is stale and taken over
        assert (tmp_path / "atlas.duckdb.lock").read_text().strip() == str(__import__("os").getpid())


def test_check_finds_a_tampered_snapshot_and_a_missing_sidecar(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    (snapshot,) = atlas.archive.snapshots()
    rel = snapshot.path.relative_to(atlas.archive.root)
    data = snapshot.path.read_bytes()
    snapshot.path.write_bytes(data[:-10])
    (atlas.archive.root / "meta-cser" / "stray.csv").write_bytes(b"a,b\n")
    (atlas.archive.root / "meta-cser" / ".staging-1-abc").mkdir()
    problems, notes = atlas.archive.check()
    sha = hashlib.sha256(data[:-10]).hexdigest()
    assert problems == [
        f"{rel}: sha256 is {sha}, the sidecar says {snapshot.sha256}",
        f"{rel}: sha256 {sha[:16]}... does not match its folder {snapshot.sha256[:16]}",
        f"{rel}: {len(data) - 10} bytes, the sidecar says {len(data)}",
        "meta-cser/stray.csv: not in the <source>/<sha256 prefix>/<name> layout",
    ]
    assert notes == ["meta-cser/.staging-1-abc: left by an interrupted collect (the next collect removes it)"]


def test_check_finds_figures_without_their_document(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    with Store(atlas.db) as store:
        sha = store.documents().iloc[0]["sha256"]
        count = store.counts()["observations"]
        store.con.execute("DELETE FROM documents")
    problems, _ = check_store(atlas.db)
    assert problems == [f"{atlas.db}: {count} row(s) of observations point to document {sha} that the store does not hold",
                        f"{atlas.db}: the latest view is stale: 0 figure version(s) missing, {count} not newest or orphaned"]


def tatlas(*args):
    """Run the CLI in-process (the kill tests run it in real child processes)."""
    from click.testing import CliRunner

    from tatlas.cli import main

    result = CliRunner().invoke(main, list(args))
    result.returncode = result.exit_code
    return result


def test_cli_collect_then_check(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    plan = meta_plan(tmp_path, site)
    archive, db = tmp_path / "archive", tmp_path / "atlas.duckdb"
    dry = tatlas("collect", "--plan", str(plan), "--archive", str(archive), "--db", str(db), "--dry-run")
    assert dry.returncode == 0 and dry.stdout == f"meta-cser: GET {site.url(META_PATH)} -> {archive}/meta-cser/\n"
    assert site.seen == [] and not archive.exists()
    run = tatlas("collect", "--plan", str(plan), "--archive", str(archive), "--db", str(db), "--source", "meta-cser")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("collected 1 new snapshot(s); 0 not modified (304), 0 unchanged")
    assert meta_value(db) == [8_600_000]
    checked = tatlas("check", "--db", str(db), "--archive", str(archive))
    assert checked.returncode == 0 and checked.stdout.endswith("are consistent\n"), checked.stdout
    site.put(META_PATH, b"")
    failed = tatlas("collect", "--plan", str(plan), "--archive", str(archive), "--db", str(db))
    assert failed.returncode == 2
    assert failed.stderr.strip().endswith("error: 1 file(s) could not be collected (listed above); everything already "
                                          "stored is unchanged")
    assert f"error: source meta-cser: meta-cser-latest.csv from {site.url(META_PATH)}: byte 0: empty file" in failed.stdout


def test_cli_check_fails_on_a_broken_archive(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    atlas.collect()
    (snapshot,) = atlas.archive.snapshots()
    snapshot.path.with_name(snapshot.path.name + SIDECAR_SUFFIX).unlink()
    checked = tatlas("check", "--db", str(atlas.db), "--archive", str(atlas.archive.root))
    assert checked.returncode == 1
    assert f"problem: archive {atlas.archive.root}: {snapshot.path.relative_to(atlas.archive.root)}: no provenance " \
           "sidecar" in checked.stdout


@pytest.mark.parametrize("location, error", [
    ("file:///etc/passwd", "redirected to 'file:///etc/passwd': only http and https addresses are followed"),
    ("ftp://files.example/cser.csv", "redirected to 'ftp://files.example/cser.csv': only http and https"),
])
def test_a_redirect_off_the_web_is_refused_clearly(stored, site, location, error):
    atlas, before = stored
    site.fail(META_PATH, f"location:{location}")
    assert error in refused(atlas, before, site)


def test_a_redirect_loop_is_refused_clearly(stored, site):
    atlas, before = stored
    site.fail(META_PATH, "redirect:/a", "redirect:/a")
    site.fail("/a", "redirect:" + META_PATH)
    message = refused(atlas, before, site)
    assert "redirect loop: " + site.url(META_PATH) + " -> " + site.url("/a") + " -> " + site.url(META_PATH) in message


def test_a_server_that_drips_bytes_is_cut_off_at_the_deadline(tmp_path, threaded_site):
    """The read timeout restarts with every byte; the download's own deadline does not."""
    site = threaded_site
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    site.fail(META_PATH, "drip")
    policy = FetchPolicy(connect_timeout=2, read_timeout=5, retries=0, min_interval=0, max_seconds=1.0)
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site), policy=policy)
    summary = atlas.collect()
    assert summary.new == [] and len(summary.errors) == 1
    assert "the download took longer than 1 s" in str(summary.errors[0])
    assert atlas.state()["files"] == {}


def test_a_server_chosen_name_cannot_pose_as_a_provenance_sidecar(tmp_path, site):
    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    site.fail(META_PATH, "named:meta.csv.provenance.json")
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect()
    assert summary.errors == [] and len(summary.new) == 1
    (snapshot,) = atlas.archive.snapshots()
    assert snapshot.path.name == "meta.csv_provenance.json"
    atlas.consistent()


def test_a_full_disk_during_a_download_is_a_clear_error_and_archives_nothing(tmp_path, site, monkeypatch):
    import errno as errnos

    site.put(META_PATH, shared("meta-cser", "meta-2021-q2.csv").read_bytes())
    real_open = Path.open

    def full_disk(self, mode="r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        if "w" in mode and self.name == ".download":
            handle.close()
            raise OSError(errnos.ENOSPC, "No space left on device")
        return handle

    monkeypatch.setattr(Path, "open", full_disk)
    atlas = Atlas(tmp_path, meta_plan(tmp_path, site))
    summary = atlas.collect(build_too=False)
    monkeypatch.undo()
    assert summary.new == [] and len(summary.errors) == 1
    assert "no space left on the device for the download" in str(summary.errors[0])
    assert atlas.state()["files"] == {}


def test_a_download_cut_inside_a_figure_is_refused_not_archived_as_an_edition(stored, site):
    """A server whose Content-Length ends inside "31,800,000" sends a complete-looking file: the parser refuses it."""
    atlas, before = stored
    whole = shared("meta-cser", "meta-2021-q3.csv").read_bytes()
    site.put(META_PATH, whole[: whole.index(b'"31,800,000"') + len(b'"31,8')])
    message = refused(atlas, before, site)
    assert "the file ends inside a quoted field" in message
