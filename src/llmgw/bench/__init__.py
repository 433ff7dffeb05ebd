"""Parts of ``scripts/bench.py``: process launcher, /proc sampling, scenarios, load generator, statistics,
report, plot and soak. See docs/performance.md for the method."""
