"""Why a programme works: its effects in two pathways, each switched off in turn in an extra arm.

``health_and_readiness``: the effects on rates named ``health.*`` and ``readiness.*`` (recovery from
conditions, distance travelled towards work); ``job_search_and_in_work``: those on ``employment.*`` (job
finding while in job-search support, job keeping while in in-work support). With ``pathways: true`` every
replication runs, for each programme and pathway, one more scenario arm in which that programme's effects of
that pathway are held neutral after being drawn exactly as in the scenario arm: the same residents, random
numbers, other effects and other programmes. The additional employment the scenario arm has over that arm is
what the pathway brings (``additional_employed_person_months_via_<pathway>``). Effects interact (better
health makes job search work better), so the two need not add up to the programme's whole effect; the
remainder is reported as ``..._via_both``. A rate of neither pathway (a plug-in's) stays on in every arm.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from model.core.metrics import metric
from model.programmes.programme import Programme

PATHWAYS = {  # pathway -> prefixes of the rates its effects act on
    "health_and_readiness": ("health.", "readiness."),
    "job_search_and_in_work": ("employment.",),
}
PATHWAY_ARMS = (*PATHWAYS, "all")  # the extra arms per programme: each pathway off, then every effect off
PATHWAY_METRICS = tuple(f"additional_employed_person_months_via_{p}" for p in (*PATHWAYS, "both"))
for _pathway, _metric in zip((*PATHWAYS, "both"), PATHWAY_METRICS, strict=True):
    metric(
        _metric,
        "impact",
        "replication",
        f"months in work the programme adds through its {_pathway.replace('_', ' ')} effects: scenario minus "
        "the arm with them switched off"
        if _pathway != "both"
        else "the programme's additional months in work that need both pathways: its whole effect (the "
        "scenario minus the arm with all its effects switched off) less the two pathways'",
    )


def rates_of(programme: Programme, arm: str) -> frozenset[str]:
    """The rates of a programme's effects that pathway arm ``arm`` switches off (``all``: every one)."""
    if arm == "all":
        return frozenset(programme.effects)
    return frozenset(rate for rate in programme.effects if rate.startswith(PATHWAYS[arm]))


def without(programmes: Sequence[Programme], k: int, arm: str) -> tuple[Programme, ...]:
    """The programmes with programme ``k``'s effects switched off as pathway arm ``arm`` says."""
    return tuple(
        dataclasses.replace(p, switched_off=rates_of(p, arm)) if i == k else p
        for i, p in enumerate(programmes)
    )
