#!/usr/bin/env python3
"""confluent-kafka consumer-group driver for test/interop/groups-confluent.test.ts.

usage: group_confluent.py BOOTSTRAP MODE ...
  read GROUP TOPIC COUNT
      subscribe, read COUNT records, commit them synchronously, close; print the records
      as a JSON list of {partition, offset, value}
  member GROUP TOPIC STRATEGY [INSTANCE_ID]
      a long-running member (until SIGTERM, then close and exit 0). Prints one JSON object per
      line: {"ev": "assign"|"revoke"|"lost", "parts": [...], "t": time, "protocol": ...} from
      the rebalance callbacks, and {"ev": "msg", "partition", "offset", "value", "t"} per record.
"""
import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException

running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def base_conf(bootstrap, group):
    return {
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'auto.offset.reset': 'earliest',
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 250,
        'fetch.wait.max.ms': 100,
        'topic.metadata.refresh.interval.ms': 1000,
    }


def read(bootstrap, group, topic, count):
    c = Consumer({**base_conf(bootstrap, group), 'enable.auto.commit': False})
    c.subscribe([topic])
    out = []
    deadline = time.time() + 30
    while len(out) < count and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(m.error())
        out.append({'partition': m.partition(), 'offset': m.offset(), 'value': m.value().decode()})
    if len(out) < count:
        raise SystemExit('read only %d of %d records' % (len(out), count))
    c.commit(asynchronous=False)
    c.close()
    print(json.dumps(out))


def member(bootstrap, group, topic, strategy, instance_id=None):
    conf = {**base_conf(bootstrap, group), 'partition.assignment.strategy': strategy, 'auto.commit.interval.ms': 200}
    if instance_id:
        conf['group.instance.id'] = instance_id
    c = Consumer(conf)
    # confluent-kafka 1.7 has no Consumer.rebalance_protocol(): the strategy decides it.
    protocol = 'COOPERATIVE' if strategy == 'cooperative-sticky' else 'EAGER'

    def parts(ps):
        return sorted(p.partition for p in ps)

    def on_assign(consumer, ps):
        emit({'ev': 'assign', 'parts': parts(ps), 't': time.time(), 'protocol': protocol})
        if protocol == 'COOPERATIVE':
            consumer.incremental_assign(ps)
        else:
            consumer.assign(ps)

    def on_revoke(consumer, ps):
        # Commit what was consumed before giving the partitions up, then record the revocation.
        try:
            consumer.commit(asynchronous=False)
        except KafkaException:
            pass  # nothing consumed yet
        emit({'ev': 'revoke', 'parts': parts(ps), 't': time.time(), 'protocol': protocol})
        if protocol == 'COOPERATIVE':
            consumer.incremental_unassign(ps)
        else:
            consumer.unassign()

    def on_lost(consumer, ps):
        emit({'ev': 'lost', 'parts': parts(ps), 't': time.time()})

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    while running:
        m = c.poll(0.1)
        if m is None:
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                emit({'ev': 'error', 'error': str(m.error()), 't': time.time()})
            continue
        emit({'ev': 'msg', 'partition': m.partition(), 'offset': m.offset(), 'value': m.value().decode(), 't': time.time()})
    c.close()


def main():
    bootstrap, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode == 'read':
        read(bootstrap, args[0], args[1], int(args[2]))
    elif mode == 'member':
        member(bootstrap, *args)
    else:
        raise SystemExit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
