"""``healthwork dashboard``: try a scenario in the browser (Solara, the ``dashboard`` extra).

Start from a scenario file (``HEALTHWORK_DASHBOARD_SCENARIO``, set by the command), pick areas, switch its
first programme on or off, change its type, areas, staff, caseload, dates and job-entry effect, run it at a
reduced scale with a progress bar, and see the headline table and the impact charts of ``brief.html``;
download the scenario as YAML and the brief. Every run is a normal ensemble of the edited scenario, validated
as a file would be (errors are shown, not raised). Served by ``solara run`` on this machine: Solara 1.58.2
with its assets installed locally (later releases fetch their JavaScript from a CDN).
"""

from __future__ import annotations

import os
import threading

import solara
import yaml

from model.config.areas import area_names
from model.config.errors import InputError
from model.config.loading import load_scenario, validate
from model.config.scenario import Scenario
from model.experiments import ensemble
from model.io import brief, charts
from model.programmes.types import PROGRAMME_TYPES

SCENARIO_ENV = "HEALTHWORK_DASHBOARD_SCENARIO"
DEFAULT_SCENARIO = "scenarios/lcr_ips_expansion.yaml"
JOB_ENTRY = "employment.job_entry"


def starting_point() -> dict:
    """The scenario the dashboard opens with, as plain data, at a quick scale."""
    scenario = load_scenario(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))
    data = scenario.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data["population"]["scale"] = min(scenario.population.scale, 0.05)
    data["replications"] = min(scenario.replications, 4)
    return data


def staff_of(programme: dict) -> float:
    """A programme's total staff (FTE), given as one number or by area."""
    staff = programme.get("staff_fte", 10.0)
    return float(sum(staff.values()) if isinstance(staff, dict) else staff)


def edited(data: dict, areas: list[str], settings: dict | None) -> dict:
    """``data`` with the chosen areas and its first programme changed by ``settings`` (None: switched off).

    ``settings``: type, areas, staff, caseload (0: the type's default), opens and closes (YYYY-MM; empty:
    the scenario's), job_entry (hazard ratio; 0: the programme's own or its type's default effect). A changed
    type drops the programme's eligibility, which may not apply to the new one.
    """
    programmes = list(data.get("programmes", []))
    first, rest = (programmes[0] if programmes else {"name": "programme"}), programmes[1:]
    out = {**data, "population": {**data["population"], "areas": areas}, "programmes": rest}
    if settings is None:
        return out
    programme = {k: v for k, v in first.items() if k not in ("staff_fte", "areas", "caseload_per_fte")}
    if settings["type"] != first.get("type"):
        programme.pop("eligibility", None)
    programme["type"] = settings["type"]
    programme["staff_fte"] = settings["staff"]
    chosen = [a for a in settings["areas"] if a in areas]
    if chosen:
        programme["areas"] = chosen
    if settings["caseload"]:
        programme["caseload_per_fte"] = settings["caseload"]
    for key in ("start", "end"):
        programme.pop(key, None)
    if settings["opens"]:
        programme["start"] = settings["opens"]
    if settings["closes"]:
        programme["end"] = settings["closes"]
    if settings["job_entry"]:
        effects = dict(programme.get("effects") or {})
        effects[JOB_ENTRY] = {**effects.get(JOB_ENTRY, {}), "hazard_ratio": settings["job_entry"]}
        programme["effects"] = effects
    out["programmes"] = [programme, *rest]
    return out


def as_yaml(data: dict) -> str:
    """The scenario as a YAML file a user can run with ``healthwork run``."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def run(data: dict, progress) -> tuple[Scenario, ensemble.RunResult]:
    """Validate the edited scenario as a file would be, then run its ensemble serially."""
    scenario = validate(data, {}, "dashboard")
    return scenario, ensemble.run(scenario, progress=progress)


@solara.component
def Page():
    """The dashboard page: the settings in the sidebar, the run's results beside them."""
    start = solara.use_memo(starting_point, [])
    first = (start.get("programmes") or [{}])[0]
    effect = ((first.get("effects") or {}).get(JOB_ENTRY) or {}).get("hazard_ratio")
    areas = solara.use_reactive(list(start["population"]["areas"]))
    enabled = solara.use_reactive(bool(first))
    kind = solara.use_reactive(first.get("type", "ips"))
    programme_areas = solara.use_reactive(list(first.get("areas") or start["population"]["areas"]))
    staff = solara.use_reactive(staff_of(first))
    caseload = solara.use_reactive(float(first.get("caseload_per_fte") or 0))
    opens = solara.use_reactive(first.get("start") or "")
    closes = solara.use_reactive(first.get("end") or "")
    entry = solara.use_reactive(float(effect) if isinstance(effect, int | float) else 0.0)
    scale = solara.use_reactive(float(start["population"]["scale"]))
    replications = solara.use_reactive(int(start["replications"]))
    done = solara.use_reactive(0.0)
    state = solara.use_reactive({})  # running, or the result, or an error

    def scenario_data() -> dict:
        settings = None
        if enabled.value:
            settings = {
                "type": kind.value,
                "areas": programme_areas.value,
                "staff": staff.value,
                "caseload": caseload.value,
                "opens": opens.value,
                "closes": closes.value,
                "job_entry": entry.value,
            }
        data = edited(start, list(areas.value), settings)
        data["population"]["scale"] = scale.value
        data["replications"] = replications.value
        return data

    def go():
        state.value = {"running": True}
        done.value = 0.0

        def work():
            try:
                _, result = run(scenario_data(), lambda d, t: setattr(done, "value", 100 * d / t))
                state.value = {"result": result}
            except InputError as err:
                state.value = {"error": "; ".join(str(p) for p in err.problems)}
            except Exception as err:  # shown in the page, never a silent hang: the run is over either way
                state.value = {"error": f"the run failed: {type(err).__name__}: {err}"}

        threading.Thread(target=work, daemon=True).start()

    solara.Title("healthwork dashboard")
    with solara.Sidebar():
        solara.Markdown("### Scenario")
        solara.SelectMultiple("Areas", values=areas, all_values=list(area_names()))
        solara.InputFloat("Population scale (share simulated)", value=scale)
        solara.InputInt("Replications", value=replications)
        solara.Markdown("### Programme")
        solara.Checkbox(label="Run the programme", value=enabled)
        solara.Select("Type", values=list(PROGRAMME_TYPES.names()), value=kind)
        solara.SelectMultiple("Programme areas", values=programme_areas, all_values=list(areas.value))
        solara.InputFloat("Staff (FTE)", value=staff)
        solara.InputFloat("Caseload per FTE (0: the type's default)", value=caseload)
        solara.InputText("Opens (YYYY-MM; empty: the scenario's start)", value=opens)
        solara.InputText("Closes (YYYY-MM; empty: the end of the horizon)", value=closes)
        solara.InputFloat("Job-entry hazard ratio (0: the default effect)", value=entry)
        solara.Button("Run", on_click=go, disabled=bool(state.value.get("running")), color="primary")
    with solara.Column():
        solara.Markdown(f"## healthwork dashboard\n{start.get('name', '')}: {start.get('description', '')}")
        if state.value.get("running"):
            solara.Text(f"Running: {done.value:.0f}% of replications")
            solara.ProgressLinear(value=done.value)
        if state.value.get("error"):
            solara.Error(state.value["error"])
        solara.FileDownload(
            lambda: as_yaml(scenario_data()), filename="scenario.yaml", label="Download scenario YAML"
        )
        if state.value.get("result") is not None:
            Results(state.value["result"])


@solara.component
def Results(result: ensemble.RunResult):
    """The headline table and the impact charts of a finished run, and its brief to download."""
    if not charts.has_impact(result):
        solara.Info("No programme ran: nothing to compare with the counterfactual.")
        return
    cells = "".join(
        f"<tr><td>{r['label']}</td><td class='mean'>{r['shown']['mean']}</td>"
        f"<td>{r['shown']['p05']} to {r['shown']['p95']}</td></tr>"
        for r in brief.headline_rows(result)
    )
    head = "<tr><th>measure</th><th>mean</th><th>90% interval</th></tr>"
    solara.HTML(unsafe_innerHTML=f"<table id='headline' cellpadding='4'>{head}{cells}</table>")
    solara.HTML(unsafe_innerHTML=charts.svg(charts.impact_by_month(result)))
    solara.HTML(unsafe_innerHTML=charts.svg(charts.impact_by_area(result)))
    solara.FileDownload(lambda: brief.render(result, {}), filename="brief.html", label="Download the brief")
