#!/usr/bin/env python3
"""confluent-kafka (librdkafka) against Samsa's TLS, SASL, ACLs and quotas; driven by
test/interop/security.test.ts and test/server/security/*.test.ts.

usage: security_confluent.py BOOTSTRAP CONF_JSON MODE [ARGS...]
  CONF_JSON is the client configuration (security.protocol, ssl.*, sasl.*) as a JSON object.
  roundtrip TOPIC COUNT GROUP   produce COUNT records (acks=all), then consume them in GROUP
                                (subscribe, from the beginning, commit); print
                                {"produced": n, "consumed": n, "errors": [...]}
  produce TOPIC COUNT           produce COUNT records; print {"produced": n, "errors": [...]}
  consume TOPIC COUNT GROUP     consume COUNT records in GROUP; print {"consumed": n, "errors": [...]}
  flood TOPIC SECONDS SIZE      produce SIZE-byte records as fast as the broker lets it for
                                SECONDS; print {"acked_bytes": [[t, bytes], ...],
                                "throttle_max_ms": m, "errors": [...]} (t: seconds since start)
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer


def main():
    bootstrap, conf, mode = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    args = sys.argv[4:]
    base = {'bootstrap.servers': bootstrap, **conf}
    errors = []
    out = {}

    def on_error(err):
        errors.append(str(err))

    def produce(topic, count):
        p = Producer({**base, 'acks': 'all', 'error_cb': on_error, 'message.timeout.ms': 15000})
        delivered = [0]

        def report(err, msg):
            if err is None:
                delivered[0] += 1
            else:
                errors.append(str(err))

        for i in range(count):
            p.produce(topic, value=('v-%d' % i).encode(), key=('k-%d' % i).encode(), on_delivery=report)
            p.poll(0)
        p.flush(30)
        return delivered[0]

    def consume(topic, count, group):
        c = Consumer({**base, 'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False, 'error_cb': on_error})
        c.subscribe([topic])
        got = 0
        deadline = time.time() + 30
        while got < count and time.time() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    errors.append(str(m.error()))
                    if m.error().fatal() or 'AUTHORIZATION' in m.error().name():
                        break
                continue
            got += 1
        if got > 0:
            try:
                c.commit(asynchronous=False)
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
        c.close()
        return got

    if mode == 'roundtrip':
        out['produced'] = produce(args[0], int(args[1]))
        out['consumed'] = consume(args[0], int(args[1]), args[2])
    elif mode == 'produce':
        out['produced'] = produce(args[0], int(args[1]))
    elif mode == 'consume':
        out['consumed'] = consume(args[0], int(args[1]), args[2])
    elif mode == 'flood':
        topic, seconds, size = args[0], float(args[1]), int(args[2])
        throttle = [0]

        def stats(s):
            for b in json.loads(s).get('brokers', {}).values():
                throttle[0] = max(throttle[0], b.get('throttle', {}).get('max', 0))

        p = Producer({**base, 'acks': 1, 'error_cb': on_error, 'statistics.interval.ms': 500, 'stats_cb': stats,
                      'linger.ms': 5, 'batch.size': 65536, 'queue.buffering.max.kbytes': 2048, 'compression.type': 'none'})
        acked = [0]
        samples = []
        start = time.time()

        def report(err, msg):
            if err is None:
                acked[0] += len(msg.value())
            else:
                errors.append(str(err))

        value = b'x' * size
        last = start
        while time.time() - start < seconds:
            try:
                p.produce(topic, value=value, on_delivery=report)
            except BufferError:
                p.poll(0.01)
            p.poll(0)
            now = time.time()
            if now - last >= 0.5:
                samples.append([round(now - start, 3), acked[0]])
                last = now
        samples.append([round(time.time() - start, 3), acked[0]])
        p.flush(30)
        p.poll(1)
        out['acked_bytes'] = samples
        out['throttle_max_ms'] = throttle[0]
    out['errors'] = errors[:20]
    print(json.dumps(out))


if __name__ == '__main__':
    main()
