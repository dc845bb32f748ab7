#!/usr/bin/env python3
"""confluent-kafka (librdkafka) transactions against Samsa, driven by test/interop/txn-confluent.test.ts.

usage: txn_confluent.py BOOTSTRAP MODE ARGS...
  produce TOPIC TXNID PLAN    PLAN is a comma-separated list of transactions, each COMMIT:N or
                              ABORT:N (N records, values "<txn index>-<i>", keys "k<i>", round
                              robin over the topic's partitions); prints {"ok": true} as JSON
  consume TOPIC PARTS ISOLATION
                              assigns every partition from the beginning (no group) with
                              isolation.level ISOLATION, reads to the end; prints the records
                              as JSON [{partition, offset, value}]
  fill TOPIC N                non-transactional: values "0".."N-1", record i to partition
                              i % partitions; prints {"ok": true}
"""
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def produce(bootstrap, topic, txnid, plan):
    p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txnid, 'linger.ms': 5})
    p.init_transactions(15)
    md = p.list_topics(topic, timeout=10)
    parts = len(md.topics[topic].partitions)
    for t, step in enumerate(plan.split(',')):
        kind, n = step.split(':')
        p.begin_transaction()
        for i in range(int(n)):
            p.produce(topic, key=('k%d' % i).encode(), value=('%d-%d' % (t, i)).encode(), partition=i % parts)
        p.flush(15)
        if kind == 'COMMIT':
            p.commit_transaction(15)
        else:
            p.abort_transaction(15)
    print(json.dumps({'ok': True}))


def consume(bootstrap, topic, parts, isolation):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False,
                  'isolation.level': isolation, 'enable.partition.eof': True})
    parts = int(parts)
    c.assign([TopicPartition(topic, i, 0) for i in range(parts)])
    out = []
    eof = set()
    while len(eof) < parts:
        m = c.poll(10)
        if m is None:
            raise SystemExit('no record or end of partition within 10 s')
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                eof.add(m.partition())
                continue
            raise KafkaException(m.error())
        out.append({'partition': m.partition(), 'offset': m.offset(), 'value': m.value().decode()})
    c.close()
    print(json.dumps(out))


def fill(bootstrap, topic, n):
    p = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 20})
    parts = len(p.list_topics(topic, timeout=10).topics[topic].partitions)
    for i in range(int(n)):
        while True:
            try:
                p.produce(topic, value=str(i).encode(), partition=i % parts)
                break
            except BufferError:
                p.poll(0.1)
    if p.flush(30) != 0:
        raise SystemExit('records left undelivered')
    print(json.dumps({'ok': True}))


if __name__ == '__main__':
    mode = sys.argv[2]
    if mode == 'produce':
        produce(sys.argv[1], sys.argv[3], sys.argv[4], sys.argv[5])
    elif mode == 'fill':
        fill(sys.argv[1], sys.argv[3], sys.argv[4])
    elif mode == 'consume':
        consume(sys.argv[1], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        raise SystemExit('unknown mode ' + mode)
