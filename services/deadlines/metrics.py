"""The poller's own metrics: what one poll costs and how much it fires (for the benchmark and
for operators: a poll getting slower with more open deadlines would mean the index is not used)."""

from prometheus_client import Counter, Histogram

POLL_SECONDS = Histogram("xn_deadlines_poll_seconds", "One poll transaction (claim, fire, commit)",
                         buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0))
CARDS = Counter("xn_deadlines_cards_total", "Cards fired by the poller", ["kind"])
