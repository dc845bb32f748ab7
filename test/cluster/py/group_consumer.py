#!/usr/bin/env python3
"""A confluent-kafka group consumer for the failover tests: reads TOPIC in GROUP, commits each
record's next offset synchronously before reading on, and prints one JSON line per record:
{"p": partition, "o": offset, "v": value, "c": true when its commit was acknowledged}. Stops
once it has seen COUNT distinct values, or after TIMEOUT seconds.

usage: group_consumer.py BOOTSTRAP TOPIC GROUP COUNT TIMEOUT
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition


def main():
    bootstrap, topic, group, count, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    c = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'enable.auto.commit': False,
        'auto.offset.reset': 'earliest',
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 500,
    })
    c.subscribe([topic])
    seen = set()
    deadline = time.time() + timeout
    try:
        while len(seen) < count and time.time() < deadline:
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            v = m.value().decode()
            seen.add(v)
            ok = True
            try:
                c.commit(offsets=[TopicPartition(m.topic(), m.partition(), m.offset() + 1)], asynchronous=False)
            except KafkaException:
                ok = False
            print(json.dumps({'p': m.partition(), 'o': m.offset(), 'v': v, 'c': ok, 't': time.time() * 1000}), flush=True)
    finally:
        c.close()


if __name__ == '__main__':
    main()
