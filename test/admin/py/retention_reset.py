#!/usr/bin/env python3
"""confluent-kafka consumers at an offset retention has expired, driven by
test/admin/retention-reset.test.ts.

usage: retention_reset.py BOOTSTRAP TOPIC MODE ...
  commit GROUP OFFSET              commit OFFSET for partition 0 in GROUP (no subscription)
  assign RESET OFFSET N            assign partition 0 at OFFSET with auto.offset.reset=RESET
  subscribe GROUP RESET N EXPIRED  subscribe in GROUP (its committed offset EXPIRED is used) with RESET

For assign/subscribe: with RESET earliest, read N records and print their offsets; with latest,
wait until librdkafka's statistics show it fetching again from a reset
position, produce N records, then read them;
with error, print the error the consumer gets. Output is one JSON object.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


STATS = {}


def on_stats(raw):
    # librdkafka's statistics: the fetch position (next_offset) of partition 0 once fetching again
    for t in json.loads(raw).get('topics', {}).values():
        p = t.get('partitions', {}).get('0')
        if p is not None:
            STATS['fetch_state'] = p.get('fetch_state')
            STATS['next_offset'] = p.get('next_offset')


def consumer(bootstrap, group, reset):
    return Consumer({
        'statistics.interval.ms': 100,
        'stats_cb': on_stats,
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'enable.auto.commit': False,
        'auto.offset.reset': reset,
        'session.timeout.ms': 6000,
        'topic.metadata.refresh.interval.ms': 1000,
        'fetch.wait.max.ms': 100,
    })


def produce(bootstrap, topic, n):
    p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 0})
    out = []
    for i in range(n):
        p.produce(topic, key=b'after-%d' % i, value=b'after reset %d' % i, partition=0,
                  on_delivery=lambda err, m: out.append(None if err else m.offset()))
        p.flush(10)
    return out


def run(bootstrap, topic, c, reset, n, expired):
    deadline = time.time() + 25
    result = {'offsets': [], 'values': []}
    produced = False
    while time.time() < deadline and len(result['offsets']) < n:
        m = c.poll(0.1)
        if m is not None and m.error():
            result['error'] = {'name': m.error().name(), 'str': m.error().str(), 'code': m.error().code()}
            if reset == 'error':
                break
            continue
        if m is not None:
            result['offsets'].append(m.offset())
            result['values'].append(m.value().decode())
            continue
        if reset == 'latest' and not produced:
            # reset done: fetching again from past the expired offset asked for (the end is past
            # the log start, which is past it); a statistics report from before the reset can
            # show another offset, 0 included, so anything at or below it is not the reset yet
            pos = STATS.get('next_offset', -1)
            if STATS.get('fetch_state') == 'active' and pos is not None and pos > expired:
                result['reset_position'] = pos
                result['produced'] = produce(bootstrap, topic, n)
                produced = True
    c.close()
    return result


def main():
    bootstrap, topic, mode = sys.argv[1:4]
    if mode == 'commit':
        group, offset = sys.argv[4], int(sys.argv[5])
        c = consumer(bootstrap, group, 'earliest')
        res = c.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
        committed = c.committed([TopicPartition(topic, 0)], timeout=10)
        c.close()
        print(json.dumps({'committed': committed[0].offset, 'result_error': str(res[0].error) if res[0].error else None}))
        return
    if mode == 'assign':
        reset, offset, n = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        c = consumer(bootstrap, 'assign-%s-%d' % (reset, time.time_ns()), reset)
        c.assign([TopicPartition(topic, 0, offset)])
        print(json.dumps(run(bootstrap, topic, c, reset, n, offset)))
        return
    if mode == 'subscribe':
        group, reset, n, expired = sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
        c = consumer(bootstrap, group, reset)
        c.subscribe([topic])
        print(json.dumps(run(bootstrap, topic, c, reset, n, expired)))
        return
    raise SystemExit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
