#!/usr/bin/env python3
"""confluent-kafka (librdkafka) idempotent producer for test/interop/idempotence-confluent.test.ts.

usage: idempotent_produce.py BOOTSTRAP TOPIC
  Produces each line of stdin (without its newline) as one record's value, with
  enable.idempotence=true, until stdin ends; then flushes and prints one JSON line:
  {"delivered": N, "failed": N, "errors": [first few delivery errors]}.
"""
import json
import sys

from confluent_kafka import Producer


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    producer = Producer({
        'bootstrap.servers': bootstrap,
        'enable.idempotence': True,
        'linger.ms': 2,
        'batch.num.messages': 500,
        'message.timeout.ms': 60000,
        'reconnect.backoff.max.ms': 200,
        # The broker is down for a moment on purpose: librdkafka reports it, the test expects it.
        'error_cb': lambda err: None,
    })
    result = {'delivered': 0, 'failed': 0, 'errors': []}

    def on_delivery(err, _msg):
        if err is None:
            result['delivered'] += 1
        else:
            result['failed'] += 1
            if len(result['errors']) < 5:
                result['errors'].append(str(err))

    for line in sys.stdin:
        value = line.rstrip('\n')
        while True:
            try:
                producer.produce(topic, value=value.encode(), on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    left = producer.flush(60)
    result['undelivered'] = left
    print(json.dumps(result))


if __name__ == '__main__':
    main()
