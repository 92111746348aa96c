"""Dashboard pieces without a browser: URL state, figures drawn across periods, safe text and links."""
from __future__ import annotations

from dashboard import figures
from dashboard.app import create_app
from dashboard.components import safe_link
from dashboard.data import trend_data
from dashboard.state import ViewState, encode, parse
from reports.model.periods import quarter, year
from tests.test_analysis import make_store, obs


def test_state_round_trips_through_the_query_string():
    state = ViewState(view="trends", metric="sor_count", policy_area="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                      region="EU", platforms=["twitch", "tiktok"], sources=["dsa-tdb"], since="2024",
                      until="2025-06-30", mode="indexed", scale="log", annotations=False)
    query = encode(state)
    assert "platforms=twitch%2Ctiktok" in query and "mode=indexed" in query and "annotations=off" in query
    parsed, given = parse(query)
    assert parsed == state and {"platforms", "sources", "metric"} <= given
    # Bad values fall back to defaults instead of reaching a query.
    bad, _ = parse("?mode=<script>&scale=cubic&since=yesterday&view=nowhere")
    assert (bad.mode, bad.scale, bad.since, bad.view) == ("absolute", "linear", "", "trends")
    # An empty platform list is a choice, kept in the link.
    assert parse(encode(ViewState(platforms=[])))[0].platforms == []
    assert "platforms" in parse(encode(ViewState(platforms=[])))[1]


def test_links_are_only_http_and_data_text_is_escaped_in_figures(tmp_path):
    assert safe_link("javascript:alert(1)") == "javascript:alert(1)"  # shown as text, not a link
    assert safe_link("https://example.org").href == "https://example.org"
    store = make_store(tmp_path, {"src": [obs("twitch", quarter(2023, 1), 1, label="<b onmouseover=x>bold</b>"),
                                          obs("twitch", quarter(2023, 2), 2, label="<b onmouseover=x>bold</b>")]})
    app = create_app(store)
    state = ViewState(metric="content_actioned", policy_area="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                      platforms=["twitch"], sources=["src"], region="GLOBAL")
    df, message = trend_data(app.atlas, state)
    fig = figures.trend_figure(df)
    hover = " ".join(t for trace in fig["data"] for t in trace["hovertext"])
    assert "&lt;b onmouseover=x&gt;bold&lt;/b&gt;" in hover and "<b onmouseover" not in hover


def test_a_quarter_is_a_flat_segment_over_its_quarter_and_a_year_is_its_own_line(tmp_path):
    store = make_store(tmp_path, {"src": [obs("twitch", quarter(2023, 1), 10), obs("twitch", quarter(2023, 2), 20),
                                          obs("twitch", year(2023), 100)]})
    app = create_app(store)
    state = ViewState(metric="content_actioned", policy_area="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                      platforms=["twitch"], sources=["src"], region="GLOBAL")
    df, message = trend_data(app.atlas, state)
    assert message == ""
    fig = figures.trend_figure(df, source_line="Source: test")
    quarters = next(t for t in fig["data"] if t["name"].endswith("quarter"))
    assert quarters["x"] == ["2023-01-01", "2023-02-15", "2023-04-01", "2023-04-01", "2023-05-16 12:00", "2023-07-01"]
    assert quarters["y"] == [10, 10, 10, 20, 20, 20]
    assert quarters["marker"]["size"] == [0, 8, 0, 0, 8, 0]
    years = next(t for t in fig["data"] if t["name"].endswith("year"))
    assert years["x"][0] == "2023-01-01" and years["x"][-1] == "2024-01-01" and years["y"] == [100, 100, 100]
    assert any(a.get("name") == "source-line" and a["text"] == "Source: test" for a in fig["layout"]["annotations"])


def test_empty_selections_say_so_in_words(tmp_path):
    store = make_store(tmp_path, {"src": [obs("twitch", quarter(2023, 1), None, value_text="N/A")]})
    app = create_app(store)
    base = dict(metric="content_actioned", policy_area="STATEMENT_CATEGORY_PROTECTION_OF_MINORS", region="GLOBAL")
    assert trend_data(app.atlas, ViewState(**base, platforms=[], sources=["src"]))[1].startswith("No platform selected")
    assert trend_data(app.atlas, ViewState(**base, platforms=["twitch"], sources=[]))[1].startswith("No source selected")
    assert "No figures for" in trend_data(app.atlas, ViewState(**base, platforms=["facebook"], sources=["src"]))[1]
    assert "without a figure" in trend_data(app.atlas, ViewState(**base, platforms=["twitch"], sources=["src"]))[1]
    message = trend_data(app.atlas, ViewState(**base, platforms=["twitch"], sources=["src"], mode="per_million"))[1]
    assert "Per million recipients needs" in message


def test_tables_are_real_tables_that_sort_numbers_as_numbers_filter_and_page(recwarn):
    import pandas as pd
    from dash import html

    from dashboard.table import TableView, page_of, table

    df = pd.DataFrame({"platform": [f"p{n:02d}" for n in range(40)],
                       "value": [f"{n * 1000:,}" for n in range(40)],
                       "note": ["<b>not markup</b>" if n == 7 else "" for n in range(40)]})
    component = table(df, "t", "Forty rows")
    # A <table> with its caption and column headers (scope=col) holding sort buttons; the first page only.
    found = {}

    def walk(node):
        found.setdefault(type(node).__name__, []).append(node)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children] if children is not None else []:
            walk(child)

    walk(component)
    assert found["Caption"][0].children == "Forty rows"
    assert [th.scope for th in found["Th"]] == ["col"] * 3 and all(isinstance(th.children, html.Button)
                                                                      for th in found["Th"])
    assert len(found["Tr"]) == 1 + 15 and "Rows 1 to 15 of 40 (page 1 of 3)." in [s.children for s in found["Span"]]
    assert not [w for w in recwarn.list if issubclass(w.category, DeprecationWarning) and "dash_table" in str(w.message)]

    part, view, status, pages = page_of(df, TableView(sort="value", descending=True, page=5))
    assert (view.page, pages) == (2, 3) and status == "Rows 31 to 40 of 40 (page 3 of 3)."
    assert part["value"].tolist()[:2] == ["9,000", "8,000"]  # numbers sort as numbers: 9,000 after 10,000
    part, _view, status, _pages = page_of(df, TableView(filter="NOT MARKUP"))
    assert part["platform"].tolist() == ["p07"] and part["note"].iloc[0] == "<b>not markup</b>"  # a text cell
    assert page_of(df, TableView(filter="nowhere"))[2] == "No row matches the filter."


def test_forged_callback_requests_get_an_answer_not_a_server_error(tmp_path):
    """Every callback, sent values of the wrong JSON type for each of its inputs, answers without HTTP 500."""
    import json

    store = make_store(tmp_path, {"src": [obs("twitch", quarter(2023, 1), 1), obs("twitch", quarter(2023, 2), 2)]})
    app = create_app(store)
    client = app.server.test_client()
    client.get("/")  # let Dash finish setting up its routes
    forged = [5, {"sql": "1; DROP TABLE latest"}, ["a", 3, None], "' OR 1=1 --", None, True, 1e308]

    def output(spec: str):
        """An output as Dash's renderer sends it; a wildcard (ALL) output matches no component here."""
        name, _, prop = spec.rpartition(".")
        if not name.startswith("{"):
            return {"id": name, "property": prop}
        ident = json.loads(name)
        return [] if any(v == ["ALL"] for v in ident.values()) else {"id": ident, "property": prop}
    failures = []
    for key, spec in app.callback_map.items():
        if "callback" not in spec:  # a clientside callback: the browser runs it, the server never does
            continue
        outputs = [output(o) for o in key.strip(".").split("...")] if key.startswith("..") else output(key)
        for value in forged:
            def payload(items, value=value):
                return [{**item, "value": value} for item in items]
            body = {"output": key, "outputs": outputs, "inputs": payload(spec["inputs"]),
                    "state": payload(spec.get("state", [])),
                    "changedPropIds": [f"{i['id']}.{i['property']}" for i in spec["inputs"][:1]]}
            response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
            if response.status_code >= 500:
                failures.append(f"{key} with {value!r}: HTTP {response.status_code}")
    assert failures == []


def test_a_link_naming_what_the_atlas_does_not_hold_says_so(tmp_path):
    from dashboard.views.navigation import sync_outputs

    store = make_store(tmp_path, {"src": [obs("twitch", quarter(2023, 1), 1), obs("twitch", quarter(2023, 2), 2)]})
    app = create_app(store)
    outputs = sync_outputs(app.atlas, "?metric=content_actioned&platforms=twich", None, [])
    notice = outputs[-1]
    assert "The link asks for platform 'twich', which the atlas does not hold here (did you mean twitch or wickr?)" in notice
    assert outputs[-1] and sync_outputs(app.atlas, "?metric=content_actioned&platforms=twitch", None, [])[-1] == ""


def test_the_cross_check_ranks_every_dsa_report_against_the_database(real_atlas):
    """Every service at once by default, ranked as `tatlas reconcile` ranks them; one service with all its measures
    and categories; both sides' provenance in the table."""
    from dashboard.data import EVERY_SERVICE
    from dashboard.views import crosscheck, navigation

    app = create_app(real_atlas)
    assert app.atlas.check_platforms("dsa") == [EVERY_SERVICE, "facebook", "instagram", "snapchat", "tiktok", "x",
                                                "youtube"]
    state, _platforms = navigation.other_views(app.atlas, ViewState(view="crosscheck", check="dsa", profile="facebook"))
    assert state.check_platform == EVERY_SERVICE
    fig, status, _table = crosscheck.render(app.atlas, "dsa", EVERY_SERVICE)
    assert fig["layout"]["title"]["text"].startswith("Every service: DSA reports vs Transparency Database")
    zero = next(t for t in fig["data"] if t["name"].startswith("one side is zero"))
    assert zero["y"][:2] == ["1. X (formerly Twitter) 2025-H2 · own_initiative", "2. X (formerly Twitter) 2025-H2 · notices"]
    assert "ranked by disagreement" in status
    rows = crosscheck.platform_rows(app.atlas, "dsa", EVERY_SERVICE)
    first = rows.iloc[0]
    assert (first["rank"], first.platform, first.measure, first.report_value, first.database_value) == \
        ("1", "x", "own_initiative", "20,868,183", "0")
    assert "sent no voluntary statement of reasons" in first.note and first.database_days == "132/184"
    assert len(first.report_document_sha256) == 64 and len(first.database_document_sha256) == 64
    assert "6_own_initiative_TC.csv, row 2" in first.report_locator
    assert first.database_locator == "2025-07 to 2025-12 x source_type=SOURCE_VOLUNTARY (sums of daily counts)"
    fig, _status, _table = crosscheck.render(app.atlas, "dsa", "tiktok")
    assert fig["layout"]["title"]["text"] == "TikTok: DSA report vs Transparency Database"
    tiktok = crosscheck.platform_rows(app.atlas, "dsa", "tiktok")
    own = tiktok[(tiktok.measure == "own_initiative") & (tiktok.period == "2025-H2")].iloc[0]
    assert (own.report_value, own.database_value, own.database_days) == ("258,691,522", "169,189,795", "148/184")
    assert set(tiktok.platform) == {"tiktok"} and len(tiktok[tiktok.policy_area != "ALL"]) > 20
