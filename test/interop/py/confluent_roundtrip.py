#!/usr/bin/env python3
"""confluent-kafka (librdkafka) round trip against Samsa, driven by test/interop/confluent.test.ts.

usage: confluent_roundtrip.py BOOTSTRAP MODE TOPIC [ARGS...]
  produce TOPIC CODEC COUNT   produce COUNT records (acks=all, compression CODEC) over the
                              topic's partitions; print the delivery reports as JSON
  consume TOPIC PARTS COUNT   assign all PARTS partitions from the beginning (no group), read
                              COUNT records; print them as JSON
  times TOPIC TS...           produce nothing; print offsets_for_times for partition 0 per TS
  produce_ts TOPIC BASE N     produce N records to partition 0 with timestamps BASE + i*1000
  produce_text TOPIC N        produce N records keyed k<i % 7> with the text values py-<i>;
                              print the delivery reports (values as text)

Records are printed as {partition, offset, key, value, headers, timestamp}; bytes as hex.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def hx(b):
    return None if b is None else b.hex()


def record(m):
    hs = m.headers() or []
    return {
        'partition': m.partition(),
        'offset': m.offset(),
        'key': hx(m.key()),
        'value': hx(m.value()),
        'headers': [[k, hx(v)] for k, v in hs],
        'timestamp': m.timestamp()[1],
    }


def payload(i):
    # Compressible but not constant, with some binary bytes.
    return (('record %d ' % i) * (1 + i % 13)).encode() + bytes([i % 256, 0, 255])


def produce(bootstrap, topic, codec, count, timestamps=None, partition=None):
    p = Producer({
        'bootstrap.servers': bootstrap,
        'acks': 'all',
        'compression.type': codec,
        'linger.ms': 20,
        'enable.idempotence': False,
        'message.timeout.ms': 20000,
    })
    reports = []

    def report(headers):
        # Delivery reports do not carry headers: record the ones that were sent.
        def cb(err, m):
            if err is not None:
                reports.append({'error': str(err)})
            else:
                r = record(m)
                r['headers'] = [[k, hx(v)] for k, v in headers]
                reports.append(r)
        return cb

    for i in range(count):
        headers = [('i', str(i).encode()), ('codec', codec.encode())] if i % 3 else []
        kwargs = {
            'value': payload(i),
            'key': None if i % 10 == 9 else ('key-%d' % i).encode(),
            'headers': headers or None,
            'on_delivery': report(headers),
        }
        if timestamps is not None:
            kwargs['timestamp'] = timestamps[i]
        if partition is not None:
            kwargs['partition'] = partition
        while True:
            try:
                p.produce(topic, **kwargs)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    left = p.flush(30)
    if left:
        raise SystemExit('%d messages not delivered' % left)
    return reports


def produce_text(bootstrap, topic, count):
    p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 5, 'message.timeout.ms': 20000})
    reports = []

    def cb(err, m):
        reports.append({'error': str(err)} if err is not None else {'partition': m.partition(), 'offset': m.offset(), 'value': m.value().decode()})

    for i in range(count):
        p.produce(topic, key=('k%d' % (i % 7)).encode(), value=('py-%d' % i).encode(), on_delivery=cb)
        p.poll(0)
    left = p.flush(30)
    if left:
        raise SystemExit('%d messages not delivered' % left)
    return reports


def consume(bootstrap, topic, parts, count, deadline_s=30):
    c = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'unused-assign-only',  # required by the client; assign() never joins a group
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'enable.partition.eof': False,
    })
    c.assign([TopicPartition(topic, p, 0) for p in range(parts)])
    out = []
    deadline = time.time() + deadline_s
    while len(out) < count and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            raise KafkaException(m.error())
        out.append(record(m))
    c.close()
    return out


def offsets_for_times(bootstrap, topic, stamps):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused-assign-only', 'enable.auto.commit': False})
    out = []
    for ts in stamps:  # one lookup per timestamp: a list may name a partition only once
        [tp] = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)
        if tp.error is not None:
            raise KafkaException(tp.error)
        out.append(tp.offset)
    c.close()
    return out


def main():
    bootstrap, mode, topic = sys.argv[1:4]
    rest = sys.argv[4:]
    if mode == 'produce':
        out = produce(bootstrap, topic, rest[0], int(rest[1]))
    elif mode == 'consume':
        out = consume(bootstrap, topic, int(rest[0]), int(rest[1]))
    elif mode == 'produce_ts':
        base, n = int(rest[0]), int(rest[1])
        out = produce(bootstrap, topic, 'none', n, timestamps=[base + i * 1000 for i in range(n)], partition=0)
    elif mode == 'produce_text':
        out = produce_text(bootstrap, topic, int(rest[0]))
    elif mode == 'times':
        out = offsets_for_times(bootstrap, topic, [int(x) for x in rest])
    else:
        raise SystemExit('unknown mode ' + mode)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
