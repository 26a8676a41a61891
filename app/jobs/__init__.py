"""Jobs: one engine operation on one service, queued, run, logged, recorded."""
