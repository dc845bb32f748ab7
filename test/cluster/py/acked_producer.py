#!/usr/bin/env python3
"""A confluent-kafka producer for the replication tests: acks=all, idempotence on (IDEMPOTENCE=0:
off, retrying as plain retries), retrying through leader changes; prints one JSON line per
delivery report.

usage: acked_producer.py BOOTSTRAP TOPIC COUNT RATE
  produce COUNT records with the values <VALUE_PREFIX>v-<i> at about RATE per second; each
  delivery report is printed as {"p": partition, "o": offset, "v": value, "t": epoch ms} or
  {"err": "...", "v": value, "t": epoch ms}.
"""
import json
import os
import sys
import time

from confluent_kafka import Producer


def main():
    bootstrap, topic, count, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    p = Producer({
        'bootstrap.servers': bootstrap,
        'acks': 'all',
        'enable.idempotence': os.environ.get('IDEMPOTENCE', '1') != '0',
        'message.timeout.ms': int(os.environ.get('MESSAGE_TIMEOUT_MS', '120000')),
        'linger.ms': 5,
        'retry.backoff.ms': 100,
        **({'debug': os.environ['RDKAFKA_DEBUG']} if os.environ.get('RDKAFKA_DEBUG') else {}),
    })

    def report(err, m):
        t = time.time() * 1000
        if err is not None:
            print(json.dumps({'err': str(err), 'v': m.value().decode(), 't': t}), flush=True)
        else:
            print(json.dumps({'p': m.partition(), 'o': m.offset(), 'v': m.value().decode(), 't': t}), flush=True)

    prefix = os.environ.get('VALUE_PREFIX', '')
    start = time.time()
    for i in range(count):
        while True:
            try:
                p.produce(topic, value=('%sv-%d' % (prefix, i)).encode(), key=('k%d' % (i % 17)).encode(), on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        ahead = start + (i + 1) / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
    left = p.flush(int(os.environ.get('MESSAGE_TIMEOUT_MS', '120000')) / 1000 + 30)
    if left:
        print(json.dumps({'err': '%d not delivered' % left}), flush=True)


if __name__ == '__main__':
    main()
