#!/usr/bin/env python3
"""kafka-python speaking an old protocol to Samsa, driven by test/interop/legacy-kafka-python.test.ts.

usage: legacy_kafka_python.py BOOTSTRAP TOPIC API_VERSION COUNT CODEC GROUP [COMMIT_AT]
API_VERSION as "0.10" or "0.9": kafka-python then uses the requests of that broker version
(Produce v2 / v1 with message format v1 / v0, Fetch v2 / v1, ListOffsets v0, Metadata v0,
JoinGroup v0, OffsetCommit v2, OffsetFetch v1). Produces COUNT records (acks=all, one partition),
then consumes them in the consumer group GROUP and commits. Prints JSON:
{"produced": [...], "consumed": [...], "committed": N}, records as {offset, key, value,
timestamp, timestampType} with bytes as hex. With COMMIT_AT, the group commits that offset
instead of the position it consumed to (a group left with lag, for lag monitors).
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata


def hx(b):
    return None if b is None else b.hex()


def main():
    bootstrap, topic, version, count, codec, group = sys.argv[1:7]
    api_version = tuple(int(x) for x in version.split('.'))
    count = int(count)
    codec = None if codec == 'none' else codec
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', compression_type=codec, linger_ms=5,
                             api_version=api_version, request_timeout_ms=15000)
    futures = []
    for i in range(count):
        key = None if i % 7 == 6 else ('legacy-%d' % i).encode()
        value = ('kafka-python %s %d ' % (version, i)).encode() * (1 + i % 5)
        f = producer.send(topic, key=key, value=value, partition=0, timestamp_ms=1_600_000_000_000 + i)
        futures.append((f, key, value))
    producer.flush(30)
    produced = []
    for f, key, value in futures:
        md = f.get(timeout=30)
        produced.append({'offset': md.offset, 'key': hx(key), 'value': hx(value)})
    producer.close(10)

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, api_version=api_version,
                             enable_auto_commit=False, auto_offset_reset='earliest', consumer_timeout_ms=1000,
                             session_timeout_ms=10000, heartbeat_interval_ms=1000, request_timeout_ms=15000)
    consumed = []
    deadline = time.time() + 60
    while len(consumed) < count and time.time() < deadline:
        for tp, msgs in consumer.poll(timeout_ms=500).items():
            for m in msgs:
                consumed.append({'offset': m.offset, 'key': hx(m.key), 'value': hx(m.value),
                                 'timestamp': m.timestamp, 'timestampType': m.timestamp_type})
    if len(sys.argv) > 7:
        consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(int(sys.argv[7]), '')})
    else:
        consumer.commit()
    committed = consumer.committed(TopicPartition(topic, 0))
    consumer.close()
    json.dump({'produced': produced, 'consumed': consumed, 'committed': committed}, sys.stdout)


if __name__ == '__main__':
    main()
