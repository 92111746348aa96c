"""The dashboard end to end in headless Chromium, on the atlas built from ../shared/data.

Load, change selections, see the chart update, open provenance, follow a permalink, download CSV; each view is
written as a screenshot under the test's temporary folder for inspection."""
from __future__ import annotations

import csv
import shutil
import threading
import time
from pathlib import Path

import pytest

from reports.store.database import Store
from tests.conftest import IN_CI, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not IN_CI and not (CHROMIUM and CHROMEDRIVER),
                                reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
TIMEOUT = 30


@pytest.fixture(scope="module")
def server(real_atlas: Store):
    """The dashboard on the real atlas, served by werkzeug in a thread on a free localhost port."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    app = create_app(real_atlas)
    port = free_port()
    httpd = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", app
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1400,1700"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait_for(condition, what: str, timeout: float = TIMEOUT):
    """Poll until condition() is truthy; fail naming what was awaited."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 (the page is still rendering)
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def chart_title(driver, view: str = "trends-view") -> str:
    return driver.execute_script(
        f"const g = document.querySelector('#{view} .js-plotly-plot'); return g && g.layout && g.layout.title "
        "? g.layout.title.text : ''")


def trace_count(driver, view: str = "trends-view") -> int:
    return driver.execute_script(f"const g = document.querySelector('#{view} .js-plotly-plot'); "
                                 "return g && g.data ? g.data.length : 0")


def text(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.ID, element_id).text


def click_label(driver, container_id: str, label: str) -> None:
    """Click the radio/checkbox whose visible label is `label` inside a container, the way a user would."""
    from selenium.webdriver.common.by import By
    for element in driver.find_elements(By.CSS_SELECTOR, f"#{container_id} label"):
        if element.text.strip() == label:
            element.click()
            return
    raise AssertionError(f"no label {label!r} in #{container_id}")


def test_trends_change_selection_provenance_permalink_and_csv(server, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    base, _app = server
    browser.get(base + "/?metric=content_actioned&policy_area=STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
                       "&platforms=facebook,instagram&sources=meta-cser")
    wait_for(lambda: "Content actioned: Protection of minors" in chart_title(browser), "the first chart")
    wait_for(lambda: "value(s) in" in text(browser, "trends-status"), "the status line")
    assert trace_count(browser) >= 4  # Facebook and Instagram, old and new child-safety labels, each its own line
    assert "Meta splits child-safety categories" in text(browser, "trends-notes")
    browser.save_screenshot(str(tmp_path / "trends.png"))

    # Change selections: indexed values on a log scale; the chart and the URL follow.
    click_label(browser, "mode", "Indexed (first period = 100)")
    wait_for(lambda: "indexed" in chart_title(browser), "the indexed chart")
    click_label(browser, "scale", "Log")
    wait_for(lambda: browser.execute_script(
        "return document.querySelector('#trends-view .js-plotly-plot')._fullLayout.yaxis.type") == "log", "log axis")
    wait_for(lambda: "mode=indexed" in browser.current_url and "scale=log" in browser.current_url, "the URL")
    click_label(browser, "show-annotations", "Show annotations (events, data corrections)")
    wait_for(lambda: text(browser, "trends-notes") == "", "annotations switched off")
    browser.save_screenshot(str(tmp_path / "trends-indexed-log.png"))
    click_label(browser, "mode", "Absolute")
    click_label(browser, "scale", "Linear")
    wait_for(lambda: "indexed" not in chart_title(browser), "the absolute chart")

    # Click a point: the provenance panel names the document, its sha256, the locator and the caveats.
    points = wait_for(lambda: [p for p in browser.find_elements(By.CSS_SELECTOR, "#trends-view .scatterlayer .point")
                               if p.size["width"] > 0], "clickable points")
    ActionChains(browser).move_to_element(points[len(points) // 2]).click().perform()
    wait_for(lambda: "Document sha256" in text(browser, "provenance"), "the provenance panel")
    panel = text(browser, "provenance")
    assert "meta-cser" in panel and "Locator" in panel and "line " in panel and "Caveats from the source card" in panel
    link = browser.find_element(By.CSS_SELECTOR, "#provenance a")
    assert link.get_attribute("href") == "https://transparency.fb.com/sr/community-standards/"
    browser.save_screenshot(str(tmp_path / "provenance.png"))

    # Download CSV: the plotted rows, with their citations.
    browser.find_element(By.ID, "download-csv").click()
    path = wait_for(lambda: next(iter(browser.downloads.glob("*.csv")), None), "the CSV download")
    assert [p.name for p in browser.downloads.glob("*.csv")] == [
        "transparency-atlas-content_actioned-statement_category_protection_of_minors-absolute.csv"]
    wait_for(lambda: path.stat().st_size > 0 and not list(browser.downloads.glob("*.crdownload")), "a whole file")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"platform", "period", "value", "source_url", "document_sha256", "locator", "citation"} <= set(rows[0])
    assert {r["platform"] for r in rows} == {"facebook", "instagram"}
    # Meta's 2024-Q2 edition: Facebook, Child Endangerment: Sexual Exploitation, content actioned 2021-Q4.
    match = [r for r in rows if r["platform"] == "facebook" and r["period"] == "2021-Q4"
             and r["policy_label"] == "Child Endangerment: Sexual Exploitation"]
    assert [float(r["value"]) for r in match] == [19_800_000]
    assert all(r["citation"].startswith("Meta Platforms") for r in rows)

    # Download SVG: the chart as drawn, with the source line under it.
    browser.find_element(By.ID, "download-svg").click()
    svg = wait_for(lambda: next(iter(browser.downloads.glob("*.svg")), None), "the SVG download")
    wait_for(lambda: "</svg>" in svg.read_text(encoding="utf-8", errors="replace"), "a whole SVG")
    assert "Source: Meta Platforms, Inc., Community Standards Enforcement Report" in svg.read_text(encoding="utf-8")

    # Follow a permalink: a fresh page with another metric and one platform reproduces that view.
    browser.get(base + "/?metric=proactive_rate&policy_area=STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
                       "&platforms=instagram&sources=meta-cser&mode=indexed")
    wait_for(lambda: chart_title(browser).startswith("Proactive rate: Protection of minors"), "the permalinked chart")
    assert "indexed" in chart_title(browser)
    assert "Instagram" in text(browser, "trends-view")
    permalink = wait_for(lambda: text(browser, "permalink"), "the permalink text")
    assert permalink.startswith(base + "/?") and "metric=proactive_rate" in permalink and "platforms=instagram" in permalink

    # An empty selection says so in words.
    browser.get(base + "/?metric=content_actioned&platforms=")
    wait_for(lambda: "No platform selected" in text(browser, "trends-status"), "the empty-selection message")
    assert len(list(browser.downloads.glob("*.csv"))) == 1  # changing selections never downloads by itself


def test_every_view_renders(server, browser, tmp_path):
    base, _app = server
    browser.get(base + "/?view=profile&profile=twitch")
    wait_for(lambda: "Twitch:" in text(browser, "profile-summary"), "the Twitch profile")
    wait_for(lambda: "which periods each source covers" in chart_title(browser, "profile-view"), "the coverage chart")
    assert "curated-twitch" in text(browser, "profile-cards") and "Caveats" in text(browser, "profile-cards")
    time.sleep(1)
    browser.save_screenshot(str(tmp_path / "profile.png"))

    click_label(browser, "view", "Cross-check")
    wait_for(lambda: "comparable" in text(browser, "check-status"), "the cross-check")
    assert "Twitch: own count of reports to NCMEC vs NCMEC's count" in chart_title(browser, "crosscheck-view")
    table = text(browser, "check-table")
    assert "14,508" in table and "14,296" in table  # NCMEC 2022 vs Twitch's 2022 halves (6,711 + 7,585)
    browser.save_screenshot(str(tmp_path / "crosscheck.png"))
    click_label(browser, "check", "DSA reports vs statements of reasons in the Transparency Database")
    wait_for(lambda: "Every service: DSA reports vs Transparency Database" in chart_title(browser, "crosscheck-view"),
             "every DSA report ranked against the Transparency Database")
    wait_for(lambda: "20,868,183" in text(browser, "check-table"), "the ranked table")
    table = text(browser, "check-table")
    assert "own_initiative" in table and "sent no voluntary statement of reasons" in table and "132/184" in table
    assert "ranked by disagreement" in text(browser, "check-status")
    assert trace_count(browser, "crosscheck-view") >= 3
    browser.save_screenshot(str(tmp_path / "crosscheck-dsa.png"))
    browser.get(base + "/?view=crosscheck&check=dsa&check_platform=tiktok")
    wait_for(lambda: chart_title(browser, "crosscheck-view") == "TikTok: DSA report vs Transparency Database",
             "TikTok's reconciliation")
    wait_for(lambda: "258,691,522" in text(browser, "check-table"), "TikTok's rows")
    assert "169,189,795" in text(browser, "check-table") and "148/184" in text(browser, "check-table")
    browser.save_screenshot(str(tmp_path / "crosscheck-dsa-tiktok.png"))

    click_label(browser, "view", "Changes")
    browser.get(base + "/?view=changes&changes=facebook")
    wait_for(lambda: "were revised between editions" in text(browser, "changes-status"), "the changes table")
    assert "meta-cser" in text(browser, "changes-table") and "2021-Q2" in text(browser, "changes-table")
    browser.save_screenshot(str(tmp_path / "changes.png"))
    assert Path(tmp_path / "changes.png").stat().st_size > 10_000


def test_the_dashboard_works_from_the_keyboard(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    base, _app = server
    browser.get(base + "/?metric=content_actioned&policy_area=STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
                       "&platforms=facebook&sources=meta-cser")
    wait_for(lambda: "Content actioned: Protection of minors" in chart_title(browser), "the first chart")
    # The first Tab reaches the skip link, so keyboard users need not walk through every control.
    browser.execute_script("document.activeElement && document.activeElement.blur()")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("textContent") == "Skip to the chart"
    # Radio groups move with the arrow keys, as native controls do: linear -> log redraws the chart.
    browser.execute_script("document.querySelector('#scale input[value=linear]').focus()")
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    wait_for(lambda: browser.execute_script(
        "const g = document.querySelector('#trends-view .js-plotly-plot'); return g.layout.yaxis.type") == "log",
        "the log scale")
    assert "scale=log" in browser.current_url
    # Views switch from the keyboard too.
    browser.execute_script("document.querySelector('#view input[value=trends]').focus()")
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    wait_for(lambda: browser.execute_script("return document.getElementById('trends-view').hidden")
             and not browser.execute_script("return document.getElementById('profile-view').hidden"),
             "the platform profile view")


def test_tables_page_sort_and_filter_from_the_keyboard(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, _app = server
    browser.get(base + "/?view=changes&changes=facebook")
    wait_for(lambda: "were revised between editions" in text(browser, "changes-status"), "the changes table")
    assert browser.find_element(By.CSS_SELECTOR, "#changes-data caption").text.startswith("Facebook: figures revised")
    assert "page 1 of" in text(browser, "changes-data-status")
    # Next page from the keyboard: focus stays on the button, so Enter again goes on.
    browser.execute_script("document.getElementById('changes-data-next').focus()")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: "page 2 of" in text(browser, "changes-data-status"), "page 2")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: "page 3 of" in text(browser, "changes-data-status"), "page 3")
    # Sort by a header button: back to page 1, the header says how it is sorted (aria-sort), largest change first.
    header = "#changes-data th button[title='Sort by change']"
    browser.execute_script(f"document.querySelector(\"{header}\").focus()")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: browser.execute_script(f"return document.querySelector(\"{header}\").parentElement"
                                            ".getAttribute('aria-sort')") == "ascending", "ascending sort")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(lambda: browser.execute_script(f"return document.querySelector(\"{header}\").parentElement"
                                            ".getAttribute('aria-sort')") == "descending", "descending sort")
    assert "page 1 of" in text(browser, "changes-data-status")
    changes = [float(c.text.rstrip("%")) for c in browser.find_elements(
        By.CSS_SELECTOR, "#changes-data tbody tr td:nth-child(10)") if c.text]
    assert changes == sorted(changes, reverse=True) and changes
    # Filter: only rows holding the text stay.
    box = browser.find_element(By.ID, "changes-data-filter")
    box.send_keys("2021-Q2", Keys.ENTER)
    shown = lambda: [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#changes-data tbody tr")]  # noqa: E731
    wait_for(lambda: shown() and all("2021-Q2" in r for r in shown()), "the filtered rows")
