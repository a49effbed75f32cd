"""Golden-set regression runs: the golden file format, scoring and metrics against a baseline,
JUnit output for CI."""
