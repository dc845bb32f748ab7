/* librdkafka's ACL admin API (rd_kafka_CreateAcls and rd_kafka_DescribeAcls: what
 * confluent-kafka's AdminClient.create_acls() and describe_acls() call; Debian's Python binding,
 * 1.7, predates them) over SASL/PLAIN.
 * Usage: rdkafka_acls BOOTSTRAP ADMIN_USER ADMIN_PASSWORD PRINCIPAL TOPIC GROUP
 * Grants PRINCIPAL WRITE, READ and DESCRIBE on TOPIC and READ on GROUP, then prints the ACLs of
 * PRINCIPAL as one JSON line: {"created": n, "acls": [["TOPIC", name, "WRITE"], ...]}. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_result.h"


static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s: %s\n", k, errstr);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s BOOTSTRAP ADMIN_USER ADMIN_PASSWORD PRINCIPAL TOPIC GROUP\n", argv[0]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", argv[1]);
  set(conf, "security.protocol", "sasl_plaintext");
  set(conf, "sasl.mechanism", "PLAIN");
  set(conf, "sasl.username", argv[2]);
  set(conf, "sasl.password", argv[3]);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  const char *principal = argv[4];
  rd_kafka_AclBinding_t *acls[4];
  const rd_kafka_AclOperation_t ops[3] = {RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_OPERATION_DESCRIBE};
  for (int i = 0; i < 3; i++) {
    acls[i] = rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_TOPIC, argv[5], RD_KAFKA_RESOURCE_PATTERN_LITERAL, principal, "*", ops[i], RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr, sizeof errstr);
    if (!acls[i]) {
      fprintf(stderr, "%s\n", errstr);
      return 1;
    }
  }
  acls[3] = rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_GROUP, argv[6], RD_KAFKA_RESOURCE_PATTERN_LITERAL, principal, "*", RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr, sizeof errstr);
  if (!acls[3]) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_CreateAcls(rk, acls, 4, NULL, q);
  rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_CREATEACLS_RESULT);
  if (rd_kafka_event_error(ev)) {
    fprintf(stderr, "CreateAcls failed: %s\n", rd_kafka_event_error_string(ev));
    return 1;
  }
  size_t n = 0;
  const rd_kafka_acl_result_t **results = rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
  size_t created = 0;
  for (size_t i = 0; i < n; i++) {
    const rd_kafka_error_t *e = rd_kafka_acl_result_error(results[i]);
    if (e) fprintf(stderr, "ACL %zu refused: %s\n", i, rd_kafka_error_string(e));
    else created++;
  }
  rd_kafka_event_destroy(ev);
  for (int i = 0; i < 4; i++) rd_kafka_AclBinding_destroy(acls[i]);

  rd_kafka_AclBindingFilter_t *filter = rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, principal, NULL, RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, errstr, sizeof errstr);
  if (!filter) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_DescribeAcls(rk, filter, NULL, q);
  ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT);
  if (rd_kafka_event_error(ev)) {
    fprintf(stderr, "DescribeAcls failed: %s\n", rd_kafka_event_error_string(ev));
    return 1;
  }
  const rd_kafka_AclBinding_t **found = rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n);
  printf("{\"created\": %zu, \"acls\": [", created);
  for (size_t i = 0; i < n; i++) {
    printf("%s[\"%s\", \"%s\", \"%s\"]", i ? ", " : "", rd_kafka_ResourceType_name(rd_kafka_AclBinding_restype(found[i])), rd_kafka_AclBinding_name(found[i]), rd_kafka_AclOperation_name(rd_kafka_AclBinding_operation(found[i])));
  }
  printf("]}\n");
  rd_kafka_event_destroy(ev);
  rd_kafka_AclBinding_destroy(filter);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return 0;
}
