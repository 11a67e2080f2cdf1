"""`make eval`: rules alone, model alone, the combination and a phrase-list baseline, on held-out data."""
