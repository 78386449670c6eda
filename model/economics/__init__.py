"""Who pays and who gains.

Tax-benefit rules by tax year, the per-resident ledger (item registry), NHS costs, prices, and the value of
one job.
"""
