"""fairspec's benchmark suite: fairspec against its peers on the same data, in one run.

Run one with `python -m benchmarks NAME` (see `python -m benchmarks --help`); none of it runs
under `pytest`. Results and the commands that made them are kept in benchmarks/README.md.
"""
