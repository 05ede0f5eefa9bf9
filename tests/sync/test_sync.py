"""The Jira sync against a real HTTP server on loopback (pytest-httpserver)."""

from __future__ import annotations

import base64
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pytest_httpserver")
from pytest_httpserver import HTTPServer

from attn_team import cli
from attn_team.sync import Credentials, SyncError
from attn_team.synthetic import generate, write_jira_json_pages
from attn_team.workspace import Workspace

from .fake_jira import FakeJira

TOKEN = "s3cr3t-TOKEN-value"
EMAIL = "lead@example.com"
KEYS = {"items": ["key"], "people": ["person"], "teams": ["team"], "sprints": ["sprint_id"],
        "links": ["source_key", "target_key", "link_type"], "events": ["key", "at", "field", "from", "to"]}
FAST = {"progress": False, "backoff": 0.01, "timeout": 5.0}


@pytest.fixture()
def server():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the server's request lines are not ours
    s = HTTPServer(host="127.0.0.1", threaded=True)
    s.start()
    yield s
    s.clear()
    if s.is_running():
        s.stop()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Issues, fields and sprints of a generated organisation, as Jira's REST API gives them."""
    d = tmp_path_factory.mktemp("sample")
    org = generate(n_items=300, n_teams=5, n_people=30, n_sprints=5, random_state=7)
    write_jira_json_pages(org, d, page_size=1000)
    return {"issues": json.loads((d / "search-001.json").read_text())["issues"],
            "fields": json.loads((d / "fields.json").read_text()),
            "sprints": json.loads((d / "sprints.json").read_text())["values"]}


@pytest.fixture()
def env(monkeypatch):
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    monkeypatch.delenv("JIRA_TOKEN", raising=False)


def _jira(server, sample, **kw) -> FakeJira:
    return FakeJira(server, issues=[dict(i) for i in sample["issues"]], fields=sample["fields"], sprints=sample["sprints"],
                    token=TOKEN, email=EMAIL, **kw)


def _sorted(df: pd.DataFrame, keys) -> pd.DataFrame:
    return df.sort_values(keys, kind="stable", ignore_index=True, na_position="first")


def assert_same_backlog(a, b) -> None:
    for name, keys in KEYS.items():
        x, y = getattr(a, name), getattr(b, name)
        if name == "items":
            x, y = x.drop(columns="source"), y.drop(columns="source")
        pd.testing.assert_frame_equal(_sorted(x, keys), _sorted(y, keys), obj=name)


def _imported(folder: Path, tmp_path: Path, name: str = "files.duckdb"):
    with Workspace(tmp_path / name) as ws:
        ws.import_files(folder)
        return ws.backlog()


def _state(ws):
    b = ws.backlog(include_removed=True)
    return {n: getattr(b, n) for n in KEYS} | {"snapshots": ws.snapshots(), "history": ws.history()}


class TestSyncEqualsImport:
    @pytest.mark.parametrize("deployment, api", [("Cloud", 3), ("Server", 2)])
    def test_same_backlog_as_the_same_pages_from_files(self, server, sample, env, tmp_path, deployment, api):
        jira = _jira(server, sample, deployment=deployment)
        with Workspace(tmp_path / "sync.duckdb") as ws:
            row = ws.sync(jira.url, jql="project in (PAY, IDN, DAT, MOB, WEB)", page_size=40, **FAST)
            synced = ws.backlog()
        assert row["api"] == api and row["deployment"] == deployment and not row["incremental"]
        assert row["fetched"] == len(sample["issues"]) == row["n_new"] and row["source_format"] == f"jira-rest-v{api}"
        assert_same_backlog(synced, _imported(jira.write(tmp_path / "files"), tmp_path))
        assert synced.n_items == len(sample["issues"]) and len(synced.events) > 0 and len(synced.sprints) > 0
        searches = jira.searches()
        if api == 3:  # nextPageToken paging; changelogs completed through the changelog endpoint
            assert "nextPageToken" not in searches[0] and all("nextPageToken" in a for a in searches[1:])
            assert any(p.endswith("/changelog") for p, _ in jira.log)
        else:  # startAt paging, pages capped by the server at 40 < 50
            assert [int(a["startAt"]) for a in searches] == list(range(0, len(sample["issues"]), 40))
            assert not any(p.endswith("/changelog") for p, _ in jira.log)
        assert all(a["expand"] == "changelog" for a in searches)
        assert "customfield_10020" in searches[0]["fields"]  # the sprint field, found by its schema
        assert any(p.endswith("/sprint") for p, _ in jira.log)  # Agile boards and sprints
        assert not (tmp_path / "sync.duckdb.sync").exists() or not any((tmp_path / "sync.duckdb.sync").iterdir())

    def test_bearer_token_for_data_center(self, server, sample, tmp_path, monkeypatch):
        monkeypatch.delenv("JIRA_EMAIL", raising=False)
        monkeypatch.delenv("JIRA_API_TOKEN", raising=False)
        monkeypatch.setenv("JIRA_TOKEN", TOKEN)
        jira = _jira(server, sample, deployment="DataCenter")
        with Workspace(tmp_path / "w.duckdb") as ws:
            assert ws.sync(jira.url, jql="project = PAY", **FAST)["api"] == 2

    def test_recorded_real_responses(self, server, shared_data, env, tmp_path):
        src = shared_data / "jira-exports" / "json"
        pages = [json.loads((src / f"perceval-jira-issues-page-{i}.json").read_text()) for i in (1, 2)]
        jira = FakeJira(server, issues=[i for p in pages for i in p["issues"]], deployment="Server", max_results=2,
                        fields=json.loads((src / "perceval-jira-fields.json").read_text()), boards=[], token=TOKEN, email=EMAIL)
        with Workspace(tmp_path / "a.duckdb") as ws:
            ws.sync(jira.url, jql="project = HELP", **FAST)
            synced = ws.backlog()
        files = [src / "perceval-jira-fields.json", src / "perceval-jira-issues-page-1.json", src / "perceval-jira-issues-page-2.json"]
        with Workspace(tmp_path / "b.duckdb") as ws:
            ws.import_files(files)
            assert_same_backlog(synced, ws.backlog())
        assert synced.n_items == 3 and [int(a["startAt"]) for a in jira.searches()] == [0, 2]

    def test_recorded_real_cloud_responses(self, server, shared_data, env, tmp_path):
        src = shared_data / "jira-exports" / "json"
        doc = {n: json.loads((src / f"jiracli-{n}.json").read_text()) for n in ("search", "fields", "boards", "sprints")}
        jira = FakeJira(server, issues=doc["search"]["issues"], fields=doc["fields"], boards=doc["boards"]["values"],
                        board_sprints={2: doc["sprints"]["values"]}, deployment="Cloud", max_results=2, token=TOKEN, email=EMAIL)
        with Workspace(tmp_path / "a.duckdb") as ws:
            ws.sync(jira.url, jql="project = TEST", **FAST)
            synced = ws.backlog()
        with Workspace(tmp_path / "b.duckdb") as ws:
            ws.import_files([src / f"jiracli-{n}.json" for n in ("boards", "fields", "search", "sprints")])
            assert_same_backlog(synced, ws.backlog())
        assert synced.n_items == 3 and len(synced.sprints) == 5
        assert len(jira.searches()) == 2 and "nextPageToken" in jira.searches()[1]


class TestFailures:
    def test_429_500_timeout_and_malformed_page_are_retried(self, server, sample, env, tmp_path, caplog):
        jira = _jira(server, sample, deployment="Server")
        jira.faults["search"] = ["429:1", "500", "timeout:1.5", "malformed"]
        caplog.set_level(logging.INFO, logger="attn_team.sync")
        with Workspace(tmp_path / "w.duckdb") as ws:
            row = ws.sync(jira.url, jql="project = PAY", page_size=50, progress=False, backoff=0.01, timeout=0.5)
            synced = ws.backlog()
        assert row["fetched"] == len(sample["issues"])
        assert_same_backlog(synced, _imported(jira.write(tmp_path / "files"), tmp_path))
        assert "rate limited (429)" in caplog.text and "again in 1.0 s" in caplog.text  # Retry-After honoured
        assert "server error 500" in caplog.text and "no answer within 0.5 s" in caplog.text
        assert "not valid JSON" in caplog.text
        sizes = [int(a["maxResults"]) for a in jira.searches()]
        assert sizes[0] == 50 and min(sizes) < 50  # the page size adapted down after the 500 and the timeout

    def test_401_is_one_clear_line(self, server, sample, tmp_path, monkeypatch, capsys):
        monkeypatch.setenv("JIRA_EMAIL", EMAIL)
        monkeypatch.setenv("JIRA_API_TOKEN", "wrong-" + TOKEN)
        jira = _jira(server, sample)
        ws_path = tmp_path / "w.duckdb"
        assert cli.main(["sync", jira.url, "--jql", "project = PAY", "--workspace", str(ws_path), "--no-progress"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert "401" in err and "JIRA_EMAIL and JIRA_API_TOKEN" in err and TOKEN not in err

    @pytest.mark.parametrize("what, match", [
        ("jql", r"refused the JQL \(400\).*Error in the JQL Query.*fix --jql"),
        ("path", r"not found \(404\).*check the base URL"),
        ("403", r"access denied.*403 Forbidden.*Browse projects"),
    ])
    def test_refusals_name_what_to_fix(self, server, sample, env, tmp_path, what, match):
        jira = _jira(server, sample)
        url, jql = jira.url, "project = PAY"
        if what == "jql":
            jql = "project = BAD"
        elif what == "path":
            url += "/wrong/context"
        else:
            server.clear()
            server.expect_request(re.compile(".*")).respond_with_json({"errorMessages": ["No permission"]}, status=403)
        with Workspace(tmp_path / "w.duckdb") as ws:
            with pytest.raises(SyncError, match=match):
                ws.sync(url, jql=jql, **FAST)
            assert ws.backlog().n_items == 0 and ws.snapshots().empty

    def test_a_failed_sync_leaves_the_workspace_as_it_was(self, server, sample, env, tmp_path):
        jira = _jira(server, sample, deployment="Server")
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.sync(jira.url, jql="project = PAY", **FAST)
            before = _state(ws)
            jira.faults["search"] = ["malformed"] * 3
            with pytest.raises(SyncError, match="failed 3 times.*not valid JSON"):
                ws.sync(jira.url, jql="project = PAY", full=True, retries=2, **FAST)
            after = _state(ws)
        for k in before:
            pd.testing.assert_frame_equal(before[k], after[k], obj=k)

    @staticmethod
    def _interrupted(ws, jira, staging):
        """A sync stopped (Ctrl-C) right after its second page was staged."""

        def stop_after_two(stream, name):
            if name == "search-0002.json":
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            ws.sync(jira.url, jql="project = PAY", page_size=50, staging=staging, on_page=stop_after_two, **FAST)

    def test_interrupted_half_way_then_resumed(self, server, sample, env, tmp_path):
        jira = _jira(server, sample)
        staging = tmp_path / "staging"
        with Workspace(tmp_path / "w.duckdb") as ws:
            self._interrupted(ws, jira, staging)
            assert ws.backlog().n_items == 0 and ws.snapshots().empty  # nothing half-imported
            assert sorted(p.name for p in staging.glob("search-*.json")) == ["search-0001.json", "search-0002.json"]
            first_run = len(jira.searches())
            row = ws.sync(jira.url, jql="project = PAY", page_size=50, staging=staging, **FAST)
            synced = ws.backlog()
        assert row["resumed"] and row["fetched"] == len(sample["issues"])
        resumed = jira.searches()[first_run:]
        assert resumed[0]["nextPageToken"] == "tok-100"  # picked up after the two staged pages
        assert len(resumed) == -(-(len(sample["issues"]) - 100) // 50)
        assert not staging.exists()  # removed once imported
        assert_same_backlog(synced, _imported(jira.write(tmp_path / "files"), tmp_path))

    def test_expired_page_token_starts_the_search_again(self, server, sample, env, tmp_path):
        jira = _jira(server, sample)
        staging = tmp_path / "staging"
        with Workspace(tmp_path / "w.duckdb") as ws:
            self._interrupted(ws, jira, staging)
            orig = jira.handle
            refused = []

            def expire(req):  # the token saved by the first run is no longer valid (once)
                if req.args.get("nextPageToken") == "tok-100" and not refused:
                    refused.append(1)
                    return jira._json({"errorMessages": ["The provided next page token is invalid or expired."]}, 400)
                return orig(req)

            server.clear()
            server.expect_request(re.compile(r"^/rest/.*")).respond_with_handler(expire)
            n = len(jira.searches())
            row = ws.sync(jira.url, jql="project = PAY", page_size=50, staging=staging, **FAST)
            again = jira.searches()[n:]
            assert refused and "nextPageToken" not in again[0]  # started again from the first page
            assert len(again) == -(-len(sample["issues"]) // 50)
            assert row["fetched"] == len(sample["issues"]) == ws.backlog().n_items

    def test_killed_mid_sync_resumes(self, server, sample, env, tmp_path):
        """A real interruption: the syncing process is killed while page 3 is on its way."""
        import signal
        import subprocess
        import sys
        import textwrap
        import threading

        jira = _jira(server, sample, deployment="Server")
        entered = threading.Event()
        orig = jira.handle

        def slow_third_page(req):
            if req.path.endswith("/search") and req.args.get("startAt") == "100":
                entered.set()
                import time

                time.sleep(3)
            return orig(req)

        server.clear()
        server.expect_request(re.compile(r"^/rest/.*")).respond_with_handler(slow_third_page)
        ws_path, staging = tmp_path / "w.duckdb", tmp_path / "staging"
        script = textwrap.dedent(f"""
            from attn_team.workspace import Workspace
            with Workspace({str(ws_path)!r}) as ws:
                ws.sync({jira.url!r}, jql="project = PAY", page_size=50, staging={str(staging)!r}, progress=False)
        """)
        child = subprocess.Popen([sys.executable, "-c", script])
        try:
            assert entered.wait(60), "the child never asked for page 3"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
        n = len(jira.searches())
        with Workspace(ws_path) as ws:
            assert ws.snapshots().empty
            row = ws.sync(jira.url, jql="project = PAY", page_size=50, staging=staging, **FAST)
        assert row["resumed"] and int(jira.searches()[n]["startAt"]) == 100


class TestIncremental:
    def test_second_sync_fetches_only_updates_and_marks_removed(self, server, sample, env, tmp_path):
        jira = _jira(server, sample, deployment="Server")
        with Workspace(tmp_path / "w.duckdb") as ws:
            ws.sync(jira.url, jql="project in (PAY, IDN)", **FAST)
            # on the server: 3 issues change, 2 leave the JQL's scope, 1 is new
            later = max(pd.Timestamp(i["fields"]["updated"]) for i in jira.issues) + pd.Timedelta(hours=5)
            stamp = later.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
            for issue in jira.issues[10:13]:
                issue["fields"] = {**issue["fields"], "summary": issue["fields"]["summary"] + " (reworded)", "updated": stamp}
            gone = [i["key"] for i in jira.issues[20:22]]
            new = json.loads(json.dumps(jira.issues[0]))
            new["key"], new["id"] = "PAY-9999", "99999"
            new["fields"].update(summary="A new item", created=stamp, updated=stamp)
            jira.issues = [i for i in jira.issues if i["key"] not in gone] + [new]
            n = len(jira.searches())
            row = ws.sync(jira.url, jql="project in (PAY, IDN)", **FAST)
            inc = ws.backlog()
            removed = ws.removed()
        since = re.search(r'updated >= "([^"]+)"', jira.searches()[n]["jql"]).group(1)
        prev_max = later - pd.Timedelta(hours=5)
        # the user's time zone (Europe/Madrid), 10 minutes of overlap, whole minutes
        bound = (prev_max - pd.Timedelta(minutes=10)).floor("min")
        assert pd.Timestamp(since.replace("/", "-")).tz_localize("Europe/Madrid") == bound
        overlap = sum(bound <= pd.Timestamp(i["fields"]["updated"]) <= prev_max for i in jira.issues)
        assert overlap >= 1  # the latest issue of the first sync is fetched again: the margin works
        assert row["incremental"] and row["fetched"] == 4 + overlap and row["n_new"] == 1 and row["n_changed"] == 3
        assert row["n_removed"] == 2 and sorted(removed["key"]) == sorted(gone)
        # the same backlog as a full sync of the server as it is now
        with Workspace(tmp_path / "fresh.duckdb") as ws:
            ws.sync(jira.url, jql="project in (PAY, IDN)", **FAST)
            fresh = ws.backlog()
        assert_same_backlog(inc, fresh)

    def test_nothing_new_makes_no_snapshot(self, server, sample, env, tmp_path):
        jira = _jira(server, sample)
        with Workspace(tmp_path / "w.duckdb") as ws:
            first = ws.sync(jira.url, jql="project = PAY", **FAST)
            synced_at = ws.con.execute("SELECT synced_at FROM syncs").fetchall()[0][0]
            row = ws.sync(jira.url, jql="project = PAY", **FAST)
            assert row["incremental"] and row["unchanged"] and row["fetched"] >= 1  # the overlap, unchanged
            assert row["snapshot_id"] == first["snapshot_id"] and len(ws.snapshots()) == 1  # caches stay valid
            assert ws.con.execute("SELECT synced_at FROM syncs").fetchall()[0][0] > synced_at
            assert ws.backlog().n_items == len(sample["issues"])
            # a sprint that changed on the server (no issue updated) is not "nothing new"
            jira.board_sprints[1][0] = {**jira.board_sprints[1][0], "goal": "A new goal"}
            row = ws.sync(jira.url, jql="project = PAY", **FAST)
            assert not row.get("unchanged") and row["snapshot_id"] == 2
            assert "A new goal" in set(ws.backlog().sprints["goal"].dropna())


class TestSecrets:
    def test_no_secret_in_any_file_log_or_message(self, server, sample, env, tmp_path, caplog, capsys):
        caplog.set_level(logging.DEBUG)
        jira = _jira(server, sample)
        jira.faults["search"] = ["500"]
        ws_path = tmp_path / "w.duckdb"
        assert cli.main(["-vv", "sync", jira.url, "--jql", "project = PAY", "--workspace", str(ws_path),
                         "--no-progress", "--staging", str(tmp_path / "st")]) == 0
        jira.faults["search"] = ["malformed"] * 10  # a failure keeps its staging folder
        assert cli.main(["sync", jira.url, "--jql", "project = PAY", "--full", "--workspace", str(ws_path),
                         "--no-progress", "--retries", "1", "--staging", str(tmp_path / "st")]) == 1
        with pytest.raises(SyncError) as err:
            Workspace(tmp_path / "other.duckdb").sync(jira.url, jql="x", credentials=Credentials("basic", EMAIL, "bad" + TOKEN), **FAST)
        out = capsys.readouterr()
        basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode())
        written = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert any(p.name == "manifest.json" for p in written) and ws_path in written
        for p in written:
            data = p.read_bytes()
            assert TOKEN.encode() not in data and basic not in data, p
        for text in (caplog.text, out.out, out.err, str(err.value), repr(Credentials("basic", EMAIL, TOKEN))):
            assert TOKEN not in text and basic.decode() not in text
        assert "HTTP Request" in caplog.text  # the client's own log lines were captured


class TestInputs:
    def test_credentials_in_the_url_are_refused(self, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws, pytest.raises(SyncError, match="holds credentials") as err:
            ws.sync(f"https://me:{TOKEN}@jira.example.com", jql="project = PAY", **FAST)
        assert TOKEN not in str(err.value)

    def test_missing_ca_bundle_and_tls(self, server, tmp_path):
        with Workspace(tmp_path / "w.duckdb") as ws:
            with pytest.raises(SyncError, match="no such CA bundle"):
                ws.sync("https://jira.example.com", jql="project = PAY", ca_bundle=tmp_path / "none.pem", **FAST)
            # TLS is on: an https URL to a plain-HTTP server fails the handshake, with the hint
            with pytest.raises(SyncError, match="TLS|--ca-bundle|cannot connect"):
                ws.sync(server.url_for("/").replace("http://", "https://"), jql="p", retries=0, **FAST)

    def test_private_certificate_authority(self, sample, env, tmp_path):
        """TLS is verified: a server signed by a private CA is refused, and accepted with --ca-bundle."""
        import shutil
        import ssl
        import subprocess

        if shutil.which("openssl") is None:
            pytest.skip("openssl not installed")

        def openssl(*a):
            subprocess.run(["openssl", *a], cwd=tmp_path, check=True, capture_output=True)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=attn-team test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
        (tmp_path / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tmp_path / "srv.pem", tmp_path / "srv.key")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        tls = HTTPServer(host="127.0.0.1", ssl_context=ctx, threaded=True)
        tls.start()
        try:
            jira = _jira(tls, sample, deployment="Server")
            assert jira.url.startswith("https://")
            with Workspace(tmp_path / "w.duckdb") as ws:
                with pytest.raises(SyncError, match="TLS connection failed.*CERTIFICATE_VERIFY_FAILED.*--ca-bundle"):
                    ws.sync(jira.url, jql="project = PAY", **FAST)
                row = ws.sync(jira.url, jql="project = PAY", ca_bundle=tmp_path / "ca.pem", **FAST)
                assert row["n_items"] == len(sample["issues"])
        finally:
            tls.clear()
            tls.stop()

    def test_bad_ca_bundle_file(self, tmp_path):
        pem = tmp_path / "ca.pem"
        pem.write_text("not a certificate")
        with Workspace(tmp_path / "w.duckdb") as ws, pytest.raises(SyncError, match="cannot use it as a CA bundle"):
            ws.sync("https://jira.example.com", jql="project = PAY", ca_bundle=pem, **FAST)

    def test_keyring_is_optional(self, monkeypatch):
        import sys
        import types

        from attn_team.sync import credentials_from_env

        assert credentials_from_env("https://jira.example.com", {}, use_keyring=False).kind is None
        fake = types.SimpleNamespace(get_password=lambda service, host: TOKEN if (service, host) == ("attn-team", "jira.example.com") else None)
        monkeypatch.setitem(sys.modules, "keyring", fake)
        creds = credentials_from_env("https://jira.example.com/jira", {})
        assert creds.kind == "bearer" and creds.secret == TOKEN and "keyring" in creds.source and TOKEN not in repr(creds)
        assert credentials_from_env("https://jira.example.com", {"JIRA_EMAIL": EMAIL}).kind == "basic"
        assert credentials_from_env("https://other.example.com", {}).kind is None
        monkeypatch.setitem(sys.modules, "keyring", None)  # not installed: no credentials, no error
        assert credentials_from_env("https://jira.example.com", {}).kind is None

    def test_a_jql_with_no_issues(self, server, env, tmp_path):
        jira = FakeJira(server, issues=[], fields=[], boards=[], token=TOKEN, email=EMAIL)
        with Workspace(tmp_path / "w.duckdb") as ws:
            row = ws.sync(jira.url, jql="project = NONE", **FAST)
            assert row["fetched"] == 0 and ws.backlog().n_items == 0

    def test_split_order_by(self):
        from attn_team.sync._fetch import split_order_by

        assert split_order_by('project = PAY ORDER BY rank') == ("project = PAY", "ORDER BY rank")
        assert split_order_by('summary ~ "order by me"') == ('summary ~ "order by me"', "")
