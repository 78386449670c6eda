"""Experiments on the model.

Executors, ensembles and their appraisal, trial emulation, sensitivity analysis and calibration. Each calls
the pure ``simulate`` through one executor.
"""
