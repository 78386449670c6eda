"""A plug-in programme type registered from outside the package: peer mentoring (a toy, for tests).

Importing this module registers it; ``healthwork run --plugin tests.plugins.toy_programme`` and the Python
API then accept ``type: peer_mentoring`` like a built-in type.
"""

from model.programmes.types import ProgrammeType, plugin_parameters, register_programme_type

SETTINGS = {
    "caseload_per_fte": 15,
    "pre_employment_months": 4,
    "in_work_months": 2,
    "engagement": 0.6,
    "dropout": 0.05,
    "waiting_leave": 0.1,
    "referral_gp": 0.0,
    "referral_jobcentre": 0.0,
    "referral_self": 0.01,
    "min_age": 18,
    "min_months_out_of_work": 0,
    "cost_per_fte_year": 30000,
    "cost_price_year": 2025,
}

PEER_MENTORING = register_programme_type(
    ProgrammeType(
        name="peer_mentoring",
        description="Peer mentors for out-of-work residents (a toy plug-in)",
        default_effects={
            "readiness.gain": {"gain_per_month": "readiness_gain"},
            "employment.job_entry": {"hazard_ratio": "job_entry_hr", "while": "pre_employment"},
        },
        parameters=plugin_parameters(
            "peer_mentoring",
            SETTINGS,
            source="test plug-in (illustrative values)",
            effects={
                "readiness_gain": (0.03, "readiness per month"),
                "job_entry_hr": (2.0, "hazard ratio on job entry"),
            },
        ),
    )
)
