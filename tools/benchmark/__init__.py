"""The benchmark behind `make bench`: latency, throughput, cold start and memory against the naive stack."""
