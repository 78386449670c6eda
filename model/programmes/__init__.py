"""Programmes.

The type registry, programmes resolved against a run (eligibility, places, effects), and the services (Mesa
agents with caseloads and waiting lists) that run them.
"""
