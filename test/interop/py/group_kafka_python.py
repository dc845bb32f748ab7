#!/usr/bin/env python3
"""kafka-python group consumer with auto commit, driven by test/interop/groups-kafka-python.test.ts.

usage: group_kafka_python.py BOOTSTRAP GROUP TOPIC COUNT
Subscribes in GROUP (enable_auto_commit, auto_offset_reset=earliest), reads COUNT records,
closes (close() makes the final auto commit and leaves the group). Prints the records as a
JSON list of {partition, offset, value}.
"""
import json
import sys
import time

from kafka import KafkaConsumer


def main():
    bootstrap, group, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    c = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=True,
        auto_commit_interval_ms=200,
        auto_offset_reset='earliest',
        session_timeout_ms=6000,
        heartbeat_interval_ms=300,
        fetch_max_wait_ms=100,
        max_poll_records=7,
    )
    out = []
    deadline = time.time() + 30
    while len(out) < count and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=200, max_records=count - len(out)).items():
            for m in msgs:
                out.append({'partition': m.partition, 'offset': m.offset, 'value': m.value.decode()})
    if len(out) < count:
        raise SystemExit('read only %d of %d records' % (len(out), count))
    c.close()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
