"""Dynamic broker configs through kafka-python and confluent-kafka (AlterConfigs on BROKER resources), read back with DescribeConfigs."""
import json, sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
from confluent_kafka.admin import AdminClient, ConfigResource as CConfigResource

bootstrap, plain, own = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
kp = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=(2, 5, 0))
a = AdminClient({'bootstrap.servers': bootstrap})

def altered(resp):
    return [{'code': r[0], 'message': r[1]} for r in resp.resources]

# The cluster-wide default (resource name ''), as kafka-configs --entity-default.
out['set_default'] = altered(kp.alter_configs([ConfigResource(ConfigResourceType.BROKER, '', configs={'log.retention.ms': '3600000', 'message.max.bytes': '2000'})]))
# A read-only setting: refused for the whole resource.
out['set_read_only'] = altered(kp.alter_configs([ConfigResource(ConfigResourceType.BROKER, '0', configs={'num.partitions': '3', 'log.retention.ms': '1'})]))

def broker(names):
    r = CConfigResource('broker', '0')
    d = a.describe_configs([r])[r].result(timeout=10)
    return {k: {'value': d[k].value, 'source': d[k].source, 'read_only': d[k].is_read_only} for k in names}

def topic(name):
    r = CConfigResource('topic', name)
    d = a.describe_configs([r])[r].result(timeout=10)
    return {k: {'value': d[k].value, 'source': d[k].source} for k in ('retention.ms', 'max.message.bytes')}

out['broker_after_default'] = broker(['log.retention.ms', 'message.max.bytes', 'num.partitions'])
out['plain_after_default'] = topic(plain)
out['own_after_default'] = topic(own)

# This broker's own value wins over the cluster-wide default (confluent-kafka's AlterConfigs).
r = CConfigResource('broker', '0', set_config={'log.retention.ms': '7200000'})
try:
    a.alter_configs([r])[r].result(timeout=10)
    out['set_broker'] = None
except Exception as e:
    out['set_broker'] = str(e)
out['broker_after_broker'] = broker(['log.retention.ms'])
out['plain_after_broker'] = topic(plain)
out['own_after_broker'] = topic(own)
kp.close()
print(json.dumps(out))
