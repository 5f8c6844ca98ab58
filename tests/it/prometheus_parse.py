"""Parses Prometheus text format from stdin with prometheus_client's own parser (not ours)
and prints every sample as JSON: [{"name", "labels", "value"}, ...]. A line the parser
refuses makes it exit non-zero. Used by tests/it/metrics.rs."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(samples))
