/* What the admin test programs share: waiting for one admin result on their queue. */
#ifndef SAMSA_TEST_ADMIN_RESULT_H
#define SAMSA_TEST_ADMIN_RESULT_H
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>

/* The next event of `type` on `q` (others are dropped); exits the program after 30 s without one. */
static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t type) {
  for (int i = 0; i < 300; i++) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
    if (!ev) continue;
    if (rd_kafka_event_type(ev) == type) return ev;
    rd_kafka_event_destroy(ev);
  }
  fprintf(stderr, "no admin result of type %d within 30 s\n", (int)type);
  exit(1);
}
#endif
