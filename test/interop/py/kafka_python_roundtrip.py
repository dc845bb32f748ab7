#!/usr/bin/env python3
"""kafka-python round trip against Samsa, driven by test/interop/kafka-python.test.ts.

usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC PARTITIONS COUNT [CODEC]
Produces COUNT records (acks=all; keys, headers, explicit partitions round-robin), then reads
them back with a group-less consumer (assign + seek_to_beginning). Prints JSON:
{"produced": [...], "consumed": [...]}, records as {partition, offset, key, value, headers}
with bytes as hex.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def hx(b):
    return None if b is None else b.hex()


def main():
    bootstrap, topic, parts, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    codec = sys.argv[5] if len(sys.argv) > 5 else None
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', compression_type=codec, linger_ms=5,
                             request_timeout_ms=15000)
    futures = []
    for i in range(count):
        key = None if i % 7 == 6 else ('kp-%d' % i).encode()
        value = ('kafka-python %d ' % i).encode() * (1 + i % 5)
        headers = [('n', str(i).encode())] if i % 2 else []
        f = producer.send(topic, key=key, value=value, headers=headers, partition=i % parts)
        futures.append((f, key, value, headers))
    producer.flush(30)
    produced = []
    for f, key, value, headers in futures:
        md = f.get(timeout=30)
        produced.append({'partition': md.partition, 'offset': md.offset, 'key': hx(key), 'value': hx(value),
                         'headers': [[k, hx(v)] for k, v in headers]})
    producer.close(10)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             consumer_timeout_ms=1000)
    tps = [TopicPartition(topic, p) for p in range(parts)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    consumed = []
    deadline = time.time() + 30
    while len(consumed) < count and time.time() < deadline:
        for tp, msgs in consumer.poll(timeout_ms=500).items():
            for m in msgs:
                consumed.append({'partition': m.partition, 'offset': m.offset, 'key': hx(m.key), 'value': hx(m.value),
                                 'headers': [[k, hx(v)] for k, v in m.headers]})
    consumer.close()
    json.dump({'produced': produced, 'consumed': consumed}, sys.stdout)


if __name__ == '__main__':
    main()
