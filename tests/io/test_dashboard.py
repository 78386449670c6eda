"""healthwork dashboard with a real server, driven by Playwright in Debian's headless Chromium.

The page loads offline, a setting is changed, the run's headline appears, and the scenario YAML it offers
gives the same headline when run from the command line; the brief downloads.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import matplotlib.image
import pandas as pd
import pytest

from model.config.loading import load_scenario
from model.io.brief import number
from model.io.dashboard import edited
from tests.conftest import ROOT, healthwork
from tests.io.test_brief import SCENARIO, browser

playwright = pytest.importorskip("playwright.sync_api", reason="the dashboard extra (make test installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    (folder / "start.yaml").write_text(SCENARIO)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "model.cli", "dashboard", str(folder / "start.yaml"), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail(f"the dashboard did not start: {process.stdout.read().decode()[-2000:]}")
            time.sleep(0.5)
    yield url, folder
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_the_page_runs_a_changed_scenario_and_offers_what_the_command_line_runs(server, tmp_path):
    url, _ = server
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser()[0], args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url, timeout=90_000)
        page.get_by_text("healthwork dashboard", exact=False).first.wait_for(timeout=90_000)
        staff = page.get_by_label("Staff (FTE)")
        staff.fill("4")
        staff.press("Enter")
        page.get_by_role("button", name="Run").click()
        page.locator("#headline").wait_for(timeout=180_000)
        shown = page.locator("#headline tr", has_text="Additional job starts").locator("td.mean").inner_text()
        page.screenshot(path=tmp_path / "page.png", full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download scenario YAML").click()
        download.value.save_as(tmp_path / "scenario.yaml")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the brief").click()
        download.value.save_as(tmp_path / "brief.html")
        chromium.close()
    pixels = matplotlib.image.imread(tmp_path / "page.png")[..., :3]
    assert (pixels.min(axis=-1) < 0.9).mean() > 0.02  # the page is drawn, not blank
    scenario = load_scenario(tmp_path / "scenario.yaml")
    assert scenario.programmes[0].staff_fte == 4
    done = healthwork("run", tmp_path / "scenario.yaml", "--out", tmp_path / "out", "--no-plots")
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    row = summary[(summary["arm"] == "impact") & (summary["area"] == "ALL")]
    jobs = row[row["metric"] == "additional_job_starts"]["mean"].iloc[0]
    assert shown == number(jobs, "people")
    assert "Headline: impact across all areas" in (tmp_path / "brief.html").read_text(encoding="utf-8")


def test_a_bad_scenario_is_refused_before_any_server_starts(tmp_path):
    (tmp_path / "bad.yaml").write_text(SCENARIO.replace("Knowsley, Halton", "Knowsly"))
    done = healthwork("dashboard", tmp_path / "bad.yaml", "--port", free_port(), timeout=60)
    assert done.returncode == 2 and "Knowsly" in done.stderr and "Traceback" not in done.stderr


def test_editing_keeps_the_rest_of_the_scenario_and_a_new_type_drops_eligibility():
    data = load_scenario(ROOT / "scenarios" / "lcr_ips_expansion.yaml").model_dump(
        mode="json", exclude_defaults=True, by_alias=True
    )
    settings = {"type": "ips", "areas": ["Knowsley"], "staff": 6.0, "caseload": 0.0, "opens": "",
                "closes": "", "job_entry": 2.5}  # fmt: skip
    out = edited(data, ["Knowsley", "Halton"], settings)
    programme = out["programmes"][0]
    assert out["population"]["areas"] == ["Knowsley", "Halton"] and out["seed"] == data["seed"]
    assert programme["staff_fte"] == 6.0 and programme["areas"] == ["Knowsley"]
    assert programme["effects"]["employment.job_entry"]["hazard_ratio"] == 2.5
    assert "eligibility" in programme and "start" not in programme
    other = edited(data, ["Knowsley"], settings | {"type": "employment_support"})
    assert "eligibility" not in other["programmes"][0]
    assert edited(data, ["Knowsley"], None)["programmes"] == []
    assert re.match(r"^\d{4}-\d{2}$", data["start"])
