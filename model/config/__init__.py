"""Configuration, the base layer.

The vocabulary and registries, area figures, parameters with provenance, the scenario schema and its loading,
and input errors. Imports nothing from the simulation (no Mesa, no pandas).
"""
