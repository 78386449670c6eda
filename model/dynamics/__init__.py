"""What happens to residents each month.

Demography, synthesis, health (condition registry), employment, earnings and readiness, each a component of
the monthly step.
"""
