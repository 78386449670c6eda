"""Outputs.

Atomic writers and manifests, and plots.
"""
