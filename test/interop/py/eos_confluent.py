#!/usr/bin/env python3
"""A consume-transform-produce loop with confluent-kafka transactions, driven by
test/interop/txn-confluent.test.ts.

usage: eos_confluent.py BOOTSTRAP IN_TOPIC OUT_TOPIC GROUP TXNID

Reads IN_TOPIC in group GROUP (read_committed), writes each record's value prefixed with "out-"
to the same partition of OUT_TOPIC and commits the consumed offsets inside the same transaction
(send_offsets_to_transaction). A transaction that fails is aborted and the consumer rewound to
the committed offsets; a fenced or fatal producer is replaced. Exits once the committed offsets
reach the end offsets IN_TOPIC had at the start, printing {transactions, aborted, restarts}.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

bootstrap, in_topic, out_topic, group, txnid = sys.argv[1:6]

c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
              'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed',
              'session.timeout.ms': 30000, 'max.poll.interval.ms': 300000})
parts = len(c.list_topics(in_topic, timeout=10).topics[in_topic].partitions)
ends = {}
for i in range(parts):
    # A broker may be down or a leader moving (the fault suite starts the loop under faults).
    for attempt in range(120):
        try:
            lo, hi = c.get_watermark_offsets(TopicPartition(in_topic, i), timeout=10)
            break
        except KafkaException:
            if attempt == 119:
                raise
            time.sleep(0.5)
    ends[i] = hi
c.subscribe([in_topic])


def new_producer():
    p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txnid, 'linger.ms': 5,
                  'transaction.timeout.ms': 60000})
    deadline = time.time() + 120
    while True:
        try:
            p.init_transactions(30)
            return p
        except KafkaException as e:
            if time.time() > deadline or not e.args[0].retriable():
                raise


FENCED = {getattr(KafkaError, n) for n in ('_FENCED', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH') if hasattr(KafkaError, n)}
p = new_producer()
stats = {'transactions': 0, 'aborted': 0, 'restarts': 0, 'errors': []}
done_at = {}


def committed_positions():
    deadline = time.time() + 120
    while True:
        try:
            return c.committed([TopicPartition(in_topic, i) for i in range(parts)], timeout=10)
        except KafkaException as e:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def rewind():
    for tp in committed_positions():
        off = tp.offset if tp.offset >= 0 else 0
        done_at[tp.partition] = off
        try:
            c.seek(TopicPartition(in_topic, tp.partition, off))
        except KafkaException:
            pass  # not assigned (any more): the next assignment starts at the committed offset


def finished():
    return all(done_at.get(i, 0) >= ends[i] for i in range(parts))


def retrying(op):
    deadline = time.time() + 120
    while True:
        try:
            return op()
        except KafkaException as e:
            err = e.args[0]
            if err.retriable() and not err.txn_requires_abort() and time.time() < deadline:
                continue
            raise


last_report = time.time()


def report(what):
    # Progress on stderr, so that a loop that stops advancing shows where it stands.
    sys.stderr.write('%.3f %s; done %s of %s\n' % (time.time(), what, json.dumps(done_at, sort_keys=True), json.dumps(ends, sort_keys=True)))
    sys.stderr.flush()


while not finished():
    if time.time() - last_report > 5:
        last_report = time.time()
        report('progress: %d transactions, %d aborted, assignment %s' % (stats['transactions'], stats['aborted'], [tp.partition for tp in c.assignment()]))
    msgs = [m for m in c.consume(1000, 1.0) if m.error() is None]
    if not msgs:
        continue
    try:
        p.begin_transaction()
        for m in msgs:
            p.produce(out_topic, key=m.key(), value=b'out-' + m.value(), partition=m.partition())
        positions = c.position(c.assignment())
        retrying(lambda: p.send_offsets_to_transaction(positions, c.consumer_group_metadata(), 30))
        retrying(lambda: p.commit_transaction(30))
        stats['transactions'] += 1
        for tp in positions:
            if tp.offset >= 0:
                done_at[tp.partition] = tp.offset
    except KafkaException as e:
        err = e.args[0]
        stats['errors'].append(str(err))
        report('transaction failed: %s' % err)
        if err.fatal() or err.code() in FENCED:
            stats['restarts'] += 1
            p = new_producer()
        else:
            try:
                retrying(lambda: p.abort_transaction(30))
            except KafkaException as e2:
                stats['errors'].append('abort: ' + str(e2.args[0]))
                stats['restarts'] += 1
                p = new_producer()
            stats['aborted'] += 1
        rewind()

c.close()
stats['errors'] = stats['errors'][-20:]
print(json.dumps(stats))
