"""kafka-python's KafkaAdminClient does the changes; confluent-kafka reads them back."""
import json, sys
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
from kafka.errors import KafkaError
from confluent_kafka.admin import AdminClient, ConfigResource as CConfigResource

bootstrap, topic = sys.argv[1], sys.argv[2]
out = {}
kp = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=(2, 5, 0))
a = AdminClient({'bootstrap.servers': bootstrap})

def topic_error(resp):
    for t in resp.topic_errors if hasattr(resp, 'topic_errors') else resp.topic_error_codes:
        return t[1]

def call(fn):
    try:
        r = fn()
        return {'ok': True, 'resp': str(r)[:300]}
    except KafkaError as e:
        return {'ok': False, 'error': type(e).__name__, 'str': str(e)}

out['validate_only'] = call(lambda: kp.create_topics([NewTopic(topic, 1, 1, topic_configs={'segment.bytes': '1048576'})], validate_only=True))
out['exists_after_validate'] = topic in a.list_topics(timeout=10).topics
out['create'] = call(lambda: kp.create_topics([NewTopic(topic, 1, 1, topic_configs={'segment.bytes': '1048576'})]))
out['create_again'] = call(lambda: kp.create_topics([NewTopic(topic, 1, 1)]))
out['listed'] = topic in a.list_topics(timeout=10).topics

def described():
    r = CConfigResource('topic', topic)
    d = a.describe_configs([r])[r].result(timeout=10)
    return {k: {'value': d[k].value, 'source': d[k].source} for k in ('segment.bytes', 'retention.ms', 'compression.type')}

out['described'] = described()
out['alter'] = call(lambda: kp.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'compression.type': 'gzip'})]))
out['after_alter'] = described()
out['alter_unknown'] = call(lambda: kp.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'bogus.setting': 'x'})]))
out['partitions'] = call(lambda: kp.create_partitions({topic: NewPartitions(3)}))
out['partition_count'] = len(a.list_topics(topic, timeout=10).topics[topic].partitions)
out['partitions_same'] = call(lambda: kp.create_partitions({topic: NewPartitions(3)}))
out['broker_configs'] = None
try:
    res = kp.describe_configs([ConfigResource(ConfigResourceType.BROKER, '0')])
    entries = res[0].resources[0][4]
    out['broker_configs'] = {e[0]: e[1] for e in entries if e[0] in ('log.retention.check.interval.ms', 'num.partitions')}
except KafkaError as e:
    out['broker_configs'] = str(e)
out['delete'] = call(lambda: kp.delete_topics([topic]))
out['listed_after_delete'] = topic in a.list_topics(timeout=10).topics
kp.close()
print(json.dumps(out))
