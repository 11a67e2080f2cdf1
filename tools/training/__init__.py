"""Training: the corpus, the head and the thresholds that become models/tone-head/."""
