#!/usr/bin/env python3
"""A confluent-kafka (librdkafka) producer for bench/failover.ts: acks=all records to one
partition at about RATE per second for SECONDS, retrying through leader changes; prints each
delivery report as {"t": epoch ms when the report arrived, "ok": bool, "o": offset}.

usage: failover_producer.py BOOTSTRAP TOPIC PARTITION RATE SECONDS
"""
import json
import sys
import time

from confluent_kafka import Producer


def main():
    bootstrap, topic, partition, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 0, 'retry.backoff.ms': 100, 'message.timeout.ms': 60000})

    def report(err, m):
        print(json.dumps({'t': time.time() * 1000, 'ok': err is None, 'o': m.offset()}), flush=True)

    start = time.time()
    i = 0
    while time.time() - start < seconds:
        p.produce(topic, value=b'x' * 100, partition=partition, on_delivery=report)
        i += 1
        p.poll(0)
        ahead = start + i / rate - time.time()
        if ahead > 0:
            p.poll(ahead)
    p.flush(70)


if __name__ == '__main__':
    main()
