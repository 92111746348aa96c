"""Benchmark the dashboard: time from `tatlas serve` start to the first chart rendered in headless Chromium, and
callback latency (p50/p95) over 200 selection changes on the trends chart.

Targets: first chart under 3 s, p95 under 150 ms. Baselines measured in the same run: a bare Python process that
imports the same libraries (startup), and the DuckDB query alone for each selection (latency).
Run: python bench/dashboard.py [--db STORE]   (default: the bundled atlas, as `tatlas serve` shows it)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TATLAS = Path(sys.executable).with_name("tatlas")
CHANGES = 200
FIRST_CHART_TARGET = 3.0
P95_TARGET = 0.150


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser():
    """Headless Chromium with the flags that work here."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}", "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def serve(db: Path | None, port: int) -> subprocess.Popen:
    """`tatlas serve` as a user starts it; without --db a missing default store makes it open the bundled atlas."""
    env = dict(os.environ)
    command = [str(TATLAS), "serve", "--port", str(port)]
    if db:
        command += ["--db", str(db)]
    else:
        env["TATLAS_DB"] = str(Path(tempfile.mkdtemp()) / "absent.duckdb")
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_chart(driver, url: str, started: float, timeout: float = 120) -> tuple[float, float]:
    """Seconds from `started` until the server answers, and until the trends chart has drawn its lines."""
    while time.perf_counter() - started < timeout:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.02)
    ready = time.perf_counter() - started
    driver.get(url)
    script = ("const g = document.querySelector('#trends-view .js-plotly-plot');"
              "return !!(g && g.data && g.data.length && document.querySelector('#trends-view .scatterlayer .trace'));")
    while time.perf_counter() - started < timeout:
        if driver.execute_script(script):
            return ready, time.perf_counter() - started
        time.sleep(0.01)
    raise TimeoutError("no chart within the timeout")


def trends_callback(url: str) -> dict:
    deps = requests.get(url + "/_dash-dependencies", timeout=10).json()
    return next(d for d in deps if '"name":"trends"' in d["output"])


def selections(store, count: int, seed: int = 6) -> list[dict]:
    """Random but reproducible selection changes a user could make: metric, policy area, platforms, mode, scale."""
    from reports.query import holdings

    rng = random.Random(seed)
    metrics = holdings.available_metrics(store)["metric"].tolist()
    out = []
    while len(out) < count:
        metric = rng.choice(metrics)
        areas = holdings.available_policy_areas(store, metric)["policy_area"].tolist()
        area = rng.choice(areas)
        platforms = holdings.available_platforms(store, metric, area)
        regions = holdings.available_regions(store, metric, area)
        chosen = rng.sample(platforms["platform"].tolist(), k=min(len(platforms), rng.randint(1, 5)))
        sources = sorted({s for group in platforms["sources"] for s in group.split(",")})
        out.append({"metric": metric, "policy_area": area, "region": regions[0] if regions else "",
                    "platforms": chosen, "sources": sources, "mode": rng.choice(["absolute", "absolute", "indexed",
                                                                                 "per_million"]),
                    "scale": rng.choice(["linear", "log"])})
    return out


def payload(dep: dict, s: dict) -> dict:
    values = {"metric": s["metric"], "policy-area": s["policy_area"], "region": s["region"], "platforms": s["platforms"],
              "sources": s["sources"], "since": "", "until": "", "mode": s["mode"], "scale": s["scale"],
              "show-annotations": ["on"]}
    inputs = [{"id": i["id"], "property": i["property"], "value": values[i["id"]]} for i in dep["inputs"]]
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop})
    return {"output": dep["output"], "outputs": outputs, "inputs": inputs, "changedPropIds": ["metric.value"],
            "state": []}


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    """Start `tatlas serve`, time the first chart, then 200 callbacks; print figures, targets and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="Store to serve (default: the bundled atlas).")
    args = parser.parse_args()

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import dash, plotly, duckdb, pandas, reports.store"], check=True)
    import_floor = time.perf_counter() - started

    driver = browser()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = serve(args.db, port)
    try:
        ready, first = first_chart(driver, url, started)
        driver.quit()
        dep = trends_callback(url)
        from reports.model.selection import Selection
        from reports.query import timeseries
        from reports.store.database import Store

        store = Store.open(args.db) if args.db else Store.bundled()
        changes = selections(store, CHANGES)
        session = requests.Session()
        latencies, queries = [], []
        for s in changes:
            t0 = time.perf_counter()
            response = session.post(url + "/_dash-update-component", json=payload(dep, s), timeout=60)
            latencies.append(time.perf_counter() - t0)
            if response.status_code not in (200, 204):
                raise RuntimeError(f"callback failed ({response.status_code}): {response.text[:300]}")
            t0 = time.perf_counter()
            timeseries.series(store, Selection(metrics=[s["metric"]], policy_areas=[s["policy_area"]],
                                             platforms=s["platforms"], sources=s["sources"], regions=[s["region"]]))
            queries.append(time.perf_counter() - t0)
        rows = store.counts()["latest"]
        store.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    q50, q95 = percentile(queries, 50), percentile(queries, 95)
    print(f"store: {args.db or 'bundled atlas'} ({rows:,} latest figures); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"baseline: bare python importing the same libraries   {import_floor:6.2f} s")
    print(f"server answering after `tatlas serve` start           {ready:6.2f} s")
    print(f"first chart rendered after `tatlas serve` start       {first:6.2f} s   target < {FIRST_CHART_TARGET:.0f} s "
          f"({'met' if first < FIRST_CHART_TARGET else 'NOT met'})   {first / import_floor:5.1f}x baseline")
    print(f"trends callback over {CHANGES} selection changes: p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   "
          f"target p95 < {P95_TARGET * 1000:.0f} ms ({'met' if p95 < P95_TARGET else 'NOT met'})")
    print(f"baseline: the DuckDB query alone (in process):         p50 {q50 * 1000:6.1f} ms   p95 {q95 * 1000:6.1f} ms   "
          f"callback/query p95 {p95 / q95:5.1f}x")


if __name__ == "__main__":
    main()
