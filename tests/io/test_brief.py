"""brief.html as a person sees it: headless Chromium loads it, it is not blank, its numbers are summary.csv's.

Chromium is Debian's ``chromium-headless-shell`` (or ``chromium``), installed by ``make test``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess

import matplotlib.image
import pandas as pd
import pytest

from model.io.brief import HEADLINES, number
from tests.conftest import healthwork

SCENARIO = (
    "name: brief\nstart: 2026-04\nhorizon_months: 18\nseed: 2\nreplications: 2\n"
    "description: 'What if <b>Knowsley</b> funds IPS? <script>alert(1)</script> & more'\n"
    "population: {areas: [Knowsley, Halton], scale: 0.05}\nparameters: {simulation.burn_in_months: 12}\n"
    "programmes:\n  - {name: ips, type: ips, areas: [Knowsley], staff_fte: 10, referral: {gp: 0.01}}\n"
)
KIND = {h.metric: h.kind for h in HEADLINES}


def browser() -> list[str]:
    for name in ("chromium-headless-shell", "chromium"):
        found = shutil.which(name)
        if found:
            return [found, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    pytest.fail("no headless Chromium: `make test` installs Debian's chromium-headless-shell")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("brief")
    (folder / "brief.yaml").write_text(SCENARIO)
    done = healthwork("run", folder / "brief.yaml", "--out", folder / "out", "--no-plots")
    assert done.returncode == 0, done.stderr
    assert f"Brief: {folder / 'out' / 'brief.html'}" in done.stderr
    assert "Additional job starts:" in done.stderr  # and the headline numbers
    return folder / "out"


def test_the_brief_is_one_self_contained_file_with_the_scenario_text_escaped(run):
    text = (run / "brief.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;b&gt;Knowsley&lt;/b&gt;" in text
    assert not re.search(r"""(src|href)\s*=\s*"(?!#)|<link|@import|url\((?!#)""", text)  # nothing fetched
    assert text.count("<svg") >= 3  # impact by month, by area, fiscal by year
    for section in ("The question", "What was simulated", "Headline", "Programme delivery", "Fiscal impact",
                    "Assumptions that matter most", "Warnings", "Appendix"):  # fmt: skip
        assert f">{section}" in text
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["files_sha256"]["brief.html"] == hashlib.sha256(text.encode()).hexdigest()


def test_rerendering_the_run_gives_the_same_bytes(run):
    before = (run / "brief.html").read_bytes()
    (run / "brief.html").unlink()
    done = healthwork("brief", run)
    assert done.returncode == 0, done.stderr
    assert (run / "brief.html").read_bytes() == before


def test_a_folder_that_is_not_a_run_is_refused_in_one_line(tmp_path):
    done = healthwork("brief", tmp_path)
    assert done.returncode == 2
    assert "not a finished run folder" in done.stderr and "Traceback" not in done.stderr


def test_chromium_shows_the_page_with_summary_csv_numbers_and_prints_it(run, tmp_path):
    page = (run / "brief.html").as_uri()
    shot, pdf = tmp_path / "brief.png", tmp_path / "brief.pdf"
    for flag in (f"--screenshot={shot}", f"--print-to-pdf={pdf}"):
        done = subprocess.run(
            [*browser(), "--window-size=1200,2000", flag, page], capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert (pixels.min(axis=-1) < 0.9).mean() > 0.02 and pixels.std() > 0.05  # text and charts, not blank
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().count(b"/Type /Page") >= 2
    dom = subprocess.run([*browser(), "--dump-dom", page], capture_output=True, text=True, timeout=120)
    rows = re.findall(
        r'<tr data-metric="([^"]+)" data-mean="([^"]+)"[^>]*>\s*<td>[^<]*</td><td class="n mean">([^<]*)',
        dom.stdout,
    )
    s = pd.read_csv(run / "summary.csv")
    v = pd.read_csv(run / "value_for_money.csv")
    impact = s[(s["arm"] == "impact") & (s["area"] == "ALL")].set_index("metric")["mean"]
    vfm = v[v["area"] == "ALL"].set_index("measure")["mean"]
    assert {m for m, _, _ in rows} >= {"additional_job_starts", "npv_net_exchequer_gbp", "bcr"}
    for metric, raw, shown in rows:
        expected = vfm[metric] if metric in vfm.index else impact[metric]
        assert float(raw) == pytest.approx(expected, rel=1e-8, abs=1e-6, nan_ok=True), (
            metric
        )  # the CSV keeps 10 digits
        scale = 1 / 12 if KIND[metric] == "person_years" else 1
        if metric not in ("cost_per_additional_job_gbp", "cost_per_sustained_job_gbp"):
            assert html.unescape(shown) == number(expected * scale, KIND[metric]), metric


def test_with_parameter_draws_the_assumptions_are_ranked_by_their_effect_on_the_npv(tmp_path):
    (tmp_path / "brief.yaml").write_text(SCENARIO)
    done = healthwork("run", tmp_path / "brief.yaml", "--draws", 3, "--out", tmp_path / "out", "--no-plots")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "out" / "brief.html").read_text(encoding="utf-8")
    assert "Ranked by how closely the net Exchequer NPV follows each parameter across the 3" in text
    section = text[text.index(">Assumptions that matter most") : text.index(">Warnings")]
    ranked = re.findall(r"<tr><td>([a-z0-9_.]+)<br>", section)
    drawn = set(pd.read_csv(tmp_path / "out" / "draws.csv")["parameter"])
    assert 0 < len(ranked) <= 8 and set(ranked) <= drawn
    effects = [float(x) for x in re.findall(r'<td class="n">([01]\.\d\d)</td></tr>', section)]
    assert effects == sorted(effects, reverse=True) and len(effects) == len(ranked)
