/* librdkafka's consumer-group admin API (what confluent-kafka's list_consumer_groups(),
 * list_consumer_group_offsets() and describe_consumer_groups() call) against a broker.
 * Usage: rdkafka_admin BOOTSTRAP GROUP_WITH_OFFSETS GROUP_TO_DESCRIBE
 * Prints one JSON object per line: "groups", "offsets", "describe". Exits 1 on a client error. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_result.h"


static void check_event(rd_kafka_event_t *ev) {
  if (rd_kafka_event_error(ev)) {
    fprintf(stderr, "admin request failed: %s\n", rd_kafka_event_error_string(ev));
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BOOTSTRAP GROUP_WITH_OFFSETS GROUP_TO_DESCRIBE\n", argv[0]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);

  /* ListGroups v4 (librdkafka 2.0 sends one byte after its last field). */
  rd_kafka_ListConsumerGroups(rk, NULL, q);
  rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT);
  check_event(ev);
  const rd_kafka_ListConsumerGroups_result_t *lr = rd_kafka_event_ListConsumerGroups_result(ev);
  size_t n, nerr;
  const rd_kafka_ConsumerGroupListing_t **listed = rd_kafka_ListConsumerGroups_result_valid(lr, &n);
  rd_kafka_ListConsumerGroups_result_errors(lr, &nerr);
  printf("{\"groups\":[");
  for (size_t i = 0; i < n; i++)
    printf("%s{\"id\":\"%s\",\"state\":\"%s\"}", i ? "," : "", rd_kafka_ConsumerGroupListing_group_id(listed[i]),
           rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listed[i])));
  printf("],\"errors\":%zu}\n", nerr);
  rd_kafka_event_destroy(ev);

  /* OffsetFetch v7 without a partition list: every committed offset of the group. */
  rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(argv[2], NULL);
  rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, NULL, q);
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  ev = wait_result(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT);
  check_event(ev);
  const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
  printf("{\"offsets\":[");
  for (size_t i = 0; i < n; i++) {
    const rd_kafka_error_t *err = rd_kafka_group_result_error(gr[i]);
    const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(gr[i]);
    printf("%s{\"group\":\"%s\",\"error\":\"%s\",\"partitions\":[", i ? "," : "", rd_kafka_group_result_name(gr[i]),
           err ? rd_kafka_error_name(err) : "");
    for (int j = 0; parts && j < parts->cnt; j++)
      printf("%s[\"%s\",%d,%lld,\"%s\"]", j ? "," : "", parts->elems[j].topic, (int)parts->elems[j].partition,
             (long long)parts->elems[j].offset, rd_kafka_err2name(parts->elems[j].err));
    printf("]}");
  }
  printf("]}\n");
  rd_kafka_event_destroy(ev);

  /* DescribeGroups v5 (librdkafka asks for authorized operations from 2.1 on). */
  const char *groups[] = {argv[2], argv[3]};
  rd_kafka_DescribeConsumerGroups(rk, groups, 2, NULL, q);
  ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT);
  check_event(ev);
  const rd_kafka_ConsumerGroupDescription_t **desc = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
  printf("{\"describe\":[");
  for (size_t i = 0; i < n; i++) {
    const rd_kafka_error_t *err = rd_kafka_ConsumerGroupDescription_error(desc[i]);
    printf("%s{\"id\":\"%s\",\"state\":\"%s\",\"members\":%zu,\"error\":\"%s\"}", i ? "," : "",
           rd_kafka_ConsumerGroupDescription_group_id(desc[i]),
           rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(desc[i])),
           rd_kafka_ConsumerGroupDescription_member_count(desc[i]), err ? rd_kafka_error_name(err) : "");
  }
  printf("]}\n");
  rd_kafka_event_destroy(ev);

  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return 0;
}
