#!/usr/bin/env python3
"""The fault suite's transactional workload (confluent-kafka, librdkafka): for SECONDS,
transactions of SIZE records to TOPIC (values "t<txn>-<i>", spread over the partitions), every
third one aborted on purpose. Prints one JSON line per transaction: {"txn": n, "size": SIZE,
"outcome": "committed" | "aborted" | "unknown", "t": epoch ms}. "unknown" is a commit whose
answer never came (it may or may not have taken effect); after a fatal error (fenced, or a
coordinator that lost the producer) a new producer takes over with init_transactions, which
aborts whatever the old one left open.

usage: txn_producer.py BOOTSTRAP TOPIC TXNID SECONDS SIZE
"""
import json
import sys
import time

from confluent_kafka import KafkaException, Producer


def new_producer(bootstrap, txnid):
    while True:
        p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txnid, 'linger.ms': 5,
                      'transaction.timeout.ms': 20000, 'message.timeout.ms': 20000})
        try:
            p.init_transactions(30)
            return p
        except KafkaException:
            time.sleep(0.5)


def main():
    bootstrap, topic, txnid, seconds, size = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    p = new_producer(bootstrap, txnid)
    parts = len(p.list_topics(topic, timeout=30).topics[topic].partitions)
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        outcome = 'aborted'
        try:
            p.begin_transaction()
            for i in range(size):
                while True:
                    try:
                        p.produce(topic, value=('t%d-%d' % (n, i)).encode(), partition=(n + i) % parts)
                        break
                    except BufferError:
                        p.poll(0.05)
            if n % 3 == 2:
                p.abort_transaction(30)
            else:
                try:
                    p.commit_transaction(30)
                    outcome = 'committed'
                except KafkaException as e:
                    err = e.args[0]
                    if err.txn_requires_abort():
                        p.abort_transaction(30)
                    elif err.retriable():
                        # The commit may be under way: retrying it settles it one way or the other.
                        p.commit_transaction(30)
                        outcome = 'committed'
                    else:
                        raise
        except KafkaException as e:
            err = e.args[0]
            outcome = 'unknown' if n % 3 != 2 else 'aborted'
            if err.fatal() or not err.txn_requires_abort():
                p = new_producer(bootstrap, txnid)
            else:
                try:
                    p.abort_transaction(30)
                    outcome = 'aborted'
                except KafkaException:
                    p = new_producer(bootstrap, txnid)
        print(json.dumps({'txn': n, 'size': size, 'outcome': outcome, 't': time.time() * 1000}), flush=True)
        n += 1


if __name__ == '__main__':
    main()
