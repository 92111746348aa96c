"""Fetch published files over HTTP politely and defensively: retries, conditional GET, size cap, sniffing."""
from __future__ import annotations

import codecs
import email.utils
import errno
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests
import urllib3

from reports.model.errors import AtlasError, ParseError

USER_AGENT = ("TransparencyAtlas-collector/0.1 (research dataset of platforms' published transparency reports; "
              "fetches each file at most once per run and honours Retry-After; python-requests)")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 1 << 16


class FetchError(AtlasError):
    """A file could not be downloaded (network, HTTP status, size cap)."""


class NotPublished(FetchError):
    """The server answered 404/410: the file is not (or no longer) there."""


@dataclass
class FetchPolicy:
    """How politely and how patiently to fetch; tests shrink the waits and inject the clock."""

    connect_timeout: float = 15.0
    read_timeout: float = 120.0
    retries: int = 4
    backoff: float = 2.0  # seconds; doubles each attempt
    max_backoff: float = 120.0
    max_retry_after: float = 600.0  # a server asking us to wait longer than this is treated as a failure
    max_bytes: int = 2 << 30
    # The whole of one download, however the server drips it (the read timeout restarts with every byte).
    max_seconds: float = 1800.0
    max_redirects: int = 10
    min_interval: float = 1.0  # seconds between two requests to the same host
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass
class Fetched:
    """One answer: either not modified (304) or a body written to `path`, with what the server said."""

    url: str
    final_url: str
    status: int
    retrieved_at: str
    not_modified: bool = False
    path: Path | None = None
    sha256: str = ""
    size: int = 0
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    filename: str = ""
    attempts: int = 1
    redirects: list[str] = field(default_factory=list)


class Fetcher:
    """One requests session for a whole collect, with a per-host rate limit."""

    def __init__(self, policy: FetchPolicy | None = None):
        self.policy = policy or FetchPolicy()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.policy.user_agent
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, dest: Path, *, etag: str = "", last_modified: str = "", max_bytes: int | None = None,
            source: str | None = None) -> Fetched:
        """GET url into dest (conditionally when validators are given), retrying what is worth retrying."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = max_bytes or self.policy.max_bytes
        last_problem = ""
        for attempt in range(1, self.policy.retries + 2):
            self._wait_for_host(url)
            try:
                with self._follow(url, headers, source) as response:
                    if response.status_code in RETRY_STATUSES:
                        last_problem = f"HTTP {response.status_code} {response.reason}"
                        delay = self._retry_delay(response, attempt, url, source)
                        if attempt <= self.policy.retries:
                            self.policy.sleep(delay)
                            continue
                        break
                    return self._answer(url, response, dest, cap, attempt, source)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError, urllib3.exceptions.HTTPError, _Incomplete) as exc:
                dest.unlink(missing_ok=True)
                last_problem = f"{type(exc).__name__}: {_short(exc)}"
                if attempt <= self.policy.retries:
                    self.policy.sleep(min(self.policy.backoff * 2 ** (attempt - 1), self.policy.max_backoff))
                    continue
                break
        raise FetchError(f"gave up after {self.policy.retries + 1} attempts; last: {last_problem}", file=url,
                         source=source)

    def get_small(self, url: str, dest: Path, *, limit: int = 1 << 16, source: str | None = None) -> bytes:
        """A small companion file (e.g. a checksum), read whole."""
        fetched = self.get(url, dest, max_bytes=limit, source=source)
        return fetched.path.read_bytes()

    # -- steps ------------------------------------------------------------------------------------
    def _follow(self, url: str, headers: dict, source: str | None) -> requests.Response:
        """GET url, following redirects ourselves: only to http(s) addresses, never in a loop, at most
        `max_redirects`; the final response (streaming) carries the addresses passed through in `.history`."""
        seen, history, current = [url], [], url
        while True:
            response = self.session.get(current, headers=headers, stream=True, allow_redirects=False,
                                        timeout=(self.policy.connect_timeout, self.policy.read_timeout))
            location = response.headers.get("Location") if response.is_redirect else None
            if location is None:
                response.history = history
                return response
            response.close()
            target = urljoin(current, location)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise FetchError(f"redirected to {target[:200]!r}: only http and https addresses are followed",
                                 file=url, source=source)
            if target in seen:
                raise FetchError("redirect loop: " + " -> ".join([*seen[seen.index(target):], target]), file=url,
                                 source=source)
            if len(seen) > self.policy.max_redirects:
                raise FetchError(f"more than {self.policy.max_redirects} redirects", file=url, source=source)
            history.append(response)
            seen.append(target)
            current = target

    def _wait_for_host(self, url: str) -> None:
        """Keep at least `min_interval` seconds between two requests to the same host."""
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            wait = self.policy.min_interval - (self.policy.clock() - last)
            if wait > 0:
                self.policy.sleep(wait)
        self._last_request[host] = self.policy.clock()

    def _retry_delay(self, response: requests.Response, attempt: int, url: str, source: str | None) -> float:
        """Retry-After when the server sends one (seconds or an HTTP date), else exponential backoff."""
        said = response.headers.get("Retry-After", "").strip()
        delay = None
        if said.isdigit():
            delay = float(said)
        elif said:
            try:
                when = email.utils.parsedate_to_datetime(said)
                delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                delay = None
        if delay is None:
            return min(self.policy.backoff * 2 ** (attempt - 1), self.policy.max_backoff)
        if delay > self.policy.max_retry_after:
            raise FetchError(f"HTTP {response.status_code}: the server asks us to wait {delay:.0f} s "
                             f"(Retry-After: {said}); try later", file=url, source=source)
        return delay

    def _answer(self, url: str, response: requests.Response, dest: Path, cap: int, attempt: int,
                source: str | None) -> Fetched:
        """Turn a final (non-retried) response into a Fetched, streaming the body to dest under the cap."""
        common = dict(url=url, final_url=response.url, status=response.status_code, attempts=attempt,
                      retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
                      redirects=[r.url for r in response.history],
                      etag=response.headers.get("ETag", ""), last_modified=response.headers.get("Last-Modified", ""),
                      content_type=response.headers.get("Content-Type", ""))
        if response.status_code == 304:
            return Fetched(**common, not_modified=True)
        if response.status_code in (404, 410):
            raise NotPublished(f"HTTP {response.status_code} {response.reason}", file=url, source=source)
        if response.status_code != 200:
            raise FetchError(f"HTTP {response.status_code} {response.reason}", file=url, source=source)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"file is {int(declared)} bytes, over the {cap}-byte cap for this source", file=url,
                             source=source)
        digest, size = hashlib.sha256(), 0
        dest.parent.mkdir(parents=True, exist_ok=True)
        # A server that drips a byte at a time never trips the read timeout: a deadline closes the connection.
        expired = threading.Event()
        watchdog = threading.Timer(self.policy.max_seconds, lambda: (expired.set(), response.close()))
        watchdog.daemon = True
        watchdog.start()
        try:
            with dest.open("wb") as out:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(f"file exceeds the {cap}-byte cap for this source; stopped downloading",
                                         file=url, source=source)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
        except Exception as exc:  # whatever stopped the download, the partial file goes; then say why
            dest.unlink(missing_ok=True)
            if expired.is_set():
                raise FetchError(f"the download took longer than {self.policy.max_seconds:.0f} s (after {size} "
                                 "bytes); stopped", file=url, source=source) from None
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise FetchError(f"no space left on the device for the download (after {size} bytes); nothing was "
                                 "archived", file=url, source=source) from None
            raise
        finally:
            watchdog.cancel()
        if expired.is_set():
            dest.unlink(missing_ok=True)
            raise FetchError(f"the download took longer than {self.policy.max_seconds:.0f} s (after {size} bytes); "
                             "stopped", file=url, source=source)
        if declared.isdigit() and size != int(declared) and not response.headers.get("Content-Encoding"):
            raise _Incomplete(f"got {size} of {declared} bytes")
        return Fetched(**common, path=dest, sha256=digest.hexdigest(), size=size,
                       filename=filename_from(response.headers.get("Content-Disposition", ""), response.url))


class _Incomplete(Exception):
    """The body ended before Content-Length bytes arrived (a dropped connection): worth a retry."""


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")


def filename_from(disposition: str, url: str) -> str:
    """The file name the server suggests (Content-Disposition), else the URL's last segment; made safe."""
    name = ""
    match = re.search(r"filename\*\s*=\s*(?:UTF-8'')?([^;]+)", disposition, re.I) or \
        re.search(r'filename\s*=\s*"?([^";]+)"?', disposition, re.I)
    if match:
        name = unquote(match.group(1).strip().strip('"'))
    if not name:
        name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return safe_name(name)


def safe_name(name: str) -> str:
    """A name that stays inside its folder: no separators, no leading dots, no odd characters, and never the name
    of one of the archive's own files (a provenance sidecar)."""
    from reports.ingest.register import SIDECAR_SUFFIX

    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _SAFE_NAME.sub("_", name).strip(" .")[:150]
    if name.lower().endswith(SIDECAR_SUFFIX):
        name = name[: -len(SIDECAR_SUFFIX)] + "_provenance.json"
    return name


# -- content sniffing ---------------------------------------------------------------------------------
def sniff(head: bytes) -> str:
    """What the first bytes of a file look like: pdf, zip, parquet, html, xml, text, binary or empty."""
    if not head:
        return "empty"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in text[:1024]:
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


# `dump`: a ZIP of ZIPs as big as a day of the EU DSA Transparency Database (checked with safezip.DUMP_LIMITS).
EXPECTED_KINDS = {"csv": "text", "text": "text", "json": "text", "zip": "zip", "dump": "zip", "xlsx": "zip",
                  "pdf": "pdf", "parquet": "parquet"}


def check_content(path: Path, expect: str, *, label: str, source: str | None = None,
                  table_hint: str = "") -> None:
    """Refuse a download that is not what the source publishes (HTML error page, wrong type, bad text, ...)."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    kind = sniff(head)
    if kind == "empty":
        raise ParseError("empty file (0 bytes)", file=label, place="byte 0", source=source)
    wanted = EXPECTED_KINDS.get(expect, "")
    if not wanted:
        return
    if kind != wanted:
        what = "an HTML page" if kind == "html" else f"{kind} content"
        raise ParseError(f"{what} where a {expect.upper()} file was expected (starts with {head[:40]!r})",
                         file=label, place="byte 0", source=source)
    if wanted == "text":
        _check_utf8(path, label=label, source=source)
    elif wanted == "zip":
        _check_zip(path, label=label, source=source, dump=expect == "dump")
    elif wanted == "pdf":
        _check_pdf(path, label=label, source=source, table_hint=table_hint)
    elif wanted == "parquet":
        _check_parquet(path, label=label, source=source)


def _check_utf8(path: Path, *, label: str, source: str | None) -> None:
    """The text must be UTF-8 (a BOM is fine); name the line and column of the first byte that is not."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, column, offset = 1, 1, 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = chunk[:exc.start]
                line += before.count(b"\n")
                column = exc.start - before.rfind(b"\n") if b"\n" in before else column + exc.start
                byte = chunk[exc.start]
                guess = bytes([byte]).decode("cp1252", errors="replace")
                raise ParseError(f"not UTF-8 text: byte 0x{byte:02x} at offset {offset + exc.start} "
                                 f"(in CP1252 it would be {guess!r}); the file looks re-encoded",
                                 file=label, place=f"line {line}, column {column}", source=source) from None
            line += chunk.count(b"\n")
            column = len(chunk) - chunk.rfind(b"\n") if b"\n" in chunk else column + len(chunk)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ParseError("not UTF-8 text: the file ends inside a multi-byte character (truncated?)",
                             file=label, place=f"line {line}", source=source) from None


def _check_zip(path: Path, *, label: str, source: str | None, dump: bool = False) -> None:
    """Open the archive safely and read every member through the capped reader (checks every CRC)."""
    from reports.ingest.safezip import DOCUMENT_LIMITS, DUMP_LIMITS, open_member, open_zip, safe_members

    try:
        with open_zip(path, name=label) as archive:
            for info in safe_members(archive, name=label, limits=DUMP_LIMITS if dump else DOCUMENT_LIMITS):
                with open_member(archive, info, name=label) as member:
                    while member.read(CHUNK):
                        pass
    except AtlasError as exc:
        exc.source = exc.source or source
        raise


def _check_pdf(path: Path, *, label: str, source: str | None, table_hint: str) -> None:
    """The PDF must open (reports.ingest.pdfio); when the source names a phrase its table carries, a page must show it."""
    from reports.ingest.pdfio import open_pdf

    try:
        with open_pdf(path.read_bytes(), file=label) as pdf:
            pages = len(pdf.pages)
            if pages == 0:
                raise ParseError("PDF has no pages", file=label, source=source)
            if not table_hint or any(table_hint.lower() in (page.extract_text() or "").lower() for page in pdf.pages):
                return
    except ParseError as exc:
        exc.source = exc.source or source
        raise
    raise ParseError(f"PDF without the expected table: no page mentions {table_hint!r}", file=label,
                     place=f"pages 1-{pages}", source=source)


def _check_parquet(path: Path, *, label: str, source: str | None) -> None:
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        if handle.read(4) != b"PAR1":
            raise ParseError("truncated Parquet file (no footer)", file=label, place="end of file", source=source)
