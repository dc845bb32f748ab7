// sarama (Debian's 1.22) against Samsa, driven by test/interop/legacy-go.test.ts.
//
// usage: sarama_legacy BOOTSTRAP TOPIC VERSION COUNT GROUP
// VERSION is a Kafka version sarama speaks (2.2.0 or 0.10.2). Produces COUNT messages to
// partition 0 with a SyncProducer (acks=all), consumes them in consumer group GROUP, marking each
// and committing on close, then reads the group's committed offset back (OffsetFetch). Prints
// JSON {"produced": [...], "consumed": [...], "committed": N}, bytes as hex.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

type record struct {
	Offset int64   `json:"offset"`
	Key    *string `json:"key"`
	Value  string  `json:"value"`
}

func hx(b []byte) *string {
	if b == nil {
		return nil
	}
	s := hex.EncodeToString(b)
	return &s
}

type handler struct {
	mu       sync.Mutex
	want     int
	consumed []record
	done     chan struct{}
	once     sync.Once
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.mu.Lock()
		h.consumed = append(h.consumed, record{Offset: m.Offset, Key: hx(m.Key), Value: *hx(m.Value)})
		n := len(h.consumed)
		h.mu.Unlock()
		s.MarkMessage(m, "")
		if n >= h.want {
			h.once.Do(func() { close(h.done) })
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	bootstrap, topic, version, group := os.Args[1], os.Args[2], os.Args[3], os.Args[5]
	count, _ := strconv.Atoi(os.Args[4])
	v, err := sarama.ParseKafkaVersion(version)
	if err != nil {
		fail(err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = v
	cfg.ClientID = "sarama-legacy"
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond

	producer, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		fail(err)
	}
	var produced []record
	for i := 0; i < count; i++ {
		var key []byte
		if i%7 != 6 {
			key = []byte(fmt.Sprintf("sarama-%d", i))
		}
		value := []byte(fmt.Sprintf("sarama %s %d ", version, i))
		for j := 0; j < i%5; j++ {
			value = append(value, value[:10]...)
		}
		msg := &sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.ByteEncoder(value)}
		if key != nil {
			msg.Key = sarama.ByteEncoder(key)
		}
		_, offset, err := producer.SendMessage(msg)
		if err != nil {
			fail(err)
		}
		produced = append(produced, record{Offset: offset, Key: hx(key), Value: *hx(value)})
	}
	producer.Close()

	cg, err := sarama.NewConsumerGroup([]string{bootstrap}, group, cfg)
	if err != nil {
		fail(err)
	}
	go func() {
		for err := range cg.Errors() {
			fmt.Fprintln(os.Stderr, "group error:", err)
		}
	}()
	h := &handler{want: count, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, h); err != nil {
				fmt.Fprintln(os.Stderr, "consume:", err)
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
	select {
	case <-h.done:
	case <-time.After(60 * time.Second):
		fmt.Fprintln(os.Stderr, "timed out consuming")
	}
	cancel()
	if err := cg.Close(); err != nil {
		fail(err)
	}

	client, err := sarama.NewClient([]string{bootstrap}, cfg)
	if err != nil {
		fail(err)
	}
	defer client.Close()
	coord, err := client.Coordinator(group)
	if err != nil {
		fail(err)
	}
	req := &sarama.OffsetFetchRequest{ConsumerGroup: group, Version: 1}
	req.AddPartition(topic, 0)
	resp, err := coord.FetchOffset(req)
	if err != nil {
		fail(err)
	}
	committed := int64(-2)
	if b := resp.GetBlock(topic, 0); b != nil {
		committed = b.Offset
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out, _ := json.Marshal(map[string]interface{}{"produced": produced, "consumed": h.consumed, "committed": committed})
	os.Stdout.Write(out)
}
