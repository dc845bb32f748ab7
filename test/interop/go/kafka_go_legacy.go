// kafka-go (Debian's 0.2.1: Produce v2 with message format v1, Fetch v1, the group APIs of Kafka
// 0.10) against Samsa, driven by test/interop/legacy-go.test.ts.
//
// usage: kafka_go_legacy BOOTSTRAP TOPIC COUNT GROUP
// Writes COUNT messages (one partition), then reads them in consumer group GROUP (each read
// committed) and prints JSON {"consumed": [...]}, bytes as hex.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

type record struct {
	Offset    int64   `json:"offset"`
	Key       *string `json:"key"`
	Value     string  `json:"value"`
	Timestamp int64   `json:"timestamp"`
}

func hx(b []byte) *string {
	if b == nil {
		return nil
	}
	s := hex.EncodeToString(b)
	return &s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	bootstrap, topic, group := os.Args[1], os.Args[2], os.Args[4]
	count, _ := strconv.Atoi(os.Args[3])
	w := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{bootstrap}, Topic: topic, BatchSize: 50, BatchTimeout: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for i := 0; i < count; i += 50 {
		var msgs []kafka.Message
		for j := i; j < i+50 && j < count; j++ {
			m := kafka.Message{Value: []byte(fmt.Sprintf("kafka-go %d", j)), Time: time.Unix(0, int64(1_600_000_000_000+j)*int64(time.Millisecond))}
			if j%7 != 6 {
				m.Key = []byte(fmt.Sprintf("kg-%d", j))
			}
			msgs = append(msgs, m)
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			fail(err)
		}
	}
	w.Close()

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{bootstrap}, Topic: topic, GroupID: group, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 200 * time.Millisecond})
	var consumed []record
	for len(consumed) < count {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			fail(err)
		}
		consumed = append(consumed, record{Offset: m.Offset, Key: hx(m.Key), Value: *hx(m.Value), Timestamp: m.Time.UnixNano() / int64(time.Millisecond)})
	}
	r.Close()
	out, _ := json.Marshal(map[string]interface{}{"consumed": consumed})
	os.Stdout.Write(out)
}
