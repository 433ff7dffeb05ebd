"""The benchmark and memory soak of scripts/bench.py (its CLI: cli): process launcher, /proc sampling, scenarios,
load generator, statistics, report, plot and soak. See docs/performance.md for the method."""
