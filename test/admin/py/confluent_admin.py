"""confluent-kafka AdminClient does the changes; kafka-python's KafkaAdminClient reads them back.
Prints one JSON object with what each step observed."""
import json, sys
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
from confluent_kafka import KafkaException
from kafka.admin import KafkaAdminClient, ConfigResource as KPConfigResource, ConfigResourceType

bootstrap, topic = sys.argv[1], sys.argv[2]
out = {}
a = AdminClient({'bootstrap.servers': bootstrap})
kp = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=(2, 5, 0))

def err_of(fut):
    try:
        fut.result(timeout=10)
        return None
    except KafkaException as e:
        k = e.args[0]
        return {'name': k.name(), 'code': k.code(), 'str': k.str()}

# validate-only create must not create
out['validate_only'] = err_of(a.create_topics([NewTopic(topic, 2, 1, config={'retention.ms': '12345'})], validate_only=True)[topic])
out['exists_after_validate'] = topic in kp.list_topics()
out['create'] = err_of(a.create_topics([NewTopic(topic, 2, 1, config={'retention.ms': '12345', 'cleanup.policy': 'compact'})])[topic])
out['bad_config'] = err_of(a.create_topics([NewTopic(topic + '-bad', 1, 1, config={'retention.ms': 'soon'})])[topic + '-bad'])
out['unknown_config'] = err_of(a.create_topics([NewTopic(topic + '-bad2', 1, 1, config={'no.such.config': '1'})])[topic + '-bad2'])
out['bad_rf'] = err_of(a.create_topics([NewTopic(topic + '-rf', 1, 3)])[topic + '-rf'])
out['listed'] = topic in kp.list_topics()

def kp_configs():
    res = kp.describe_configs([KPConfigResource(ConfigResourceType.TOPIC, topic)])
    entries = res[0].resources[0][4]
    # (name, value, read_only, config_source, is_sensitive, synonyms) for v1+
    return {e[0]: {'value': e[1], 'source': e[3]} for e in entries}

c = kp_configs()
out['described'] = {k: c[k] for k in ('retention.ms', 'cleanup.policy', 'segment.bytes')}

# confluent describe too
r = ConfigResource('topic', topic)
d = a.describe_configs([r])[r].result(timeout=10)
out['confluent_described'] = {k: {'value': d[k].value, 'source': d[k].source} for k in ('retention.ms', 'segment.bytes')}

# alter_configs replaces the whole set
r2 = ConfigResource('topic', topic, set_config={'retention.ms': '99999', 'max.message.bytes': '2000000'})
out['alter'] = err_of(a.alter_configs([r2])[r2])
c = kp_configs()
out['after_alter'] = {k: c[k] for k in ('retention.ms', 'max.message.bytes', 'cleanup.policy')}
r3 = ConfigResource('topic', topic, set_config={'retention.ms': '-7'})
out['alter_bad'] = err_of(a.alter_configs([r3])[r3])
r4 = ConfigResource('topic', topic, set_config={'retention.ms': '1'})
out['alter_validate_only'] = err_of(a.alter_configs([r4], validate_only=True)[r4])
out['after_validate_only'] = kp_configs()['retention.ms']

out['partitions'] = err_of(a.create_partitions([NewPartitions(topic, 4)])[topic])
md = kp.describe_topics([topic])
out['partition_count'] = len(md[0]['partitions'])
out['shrink'] = err_of(a.create_partitions([NewPartitions(topic, 2)])[topic])

out['delete'] = err_of(a.delete_topics([topic])[topic])
out['listed_after_delete'] = topic in kp.list_topics()
kp.close()
print(json.dumps(out))
