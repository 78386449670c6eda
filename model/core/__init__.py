"""Core machinery.

Population arrays (column registry), named random streams, rate modifiers, the step protocol, recording and
the metric registry, tables and the one summary across replications, files.
"""
