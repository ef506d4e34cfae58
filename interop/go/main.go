// Command rmqts-go drives the official Go client, github.com/apache/rocketmq-client-go/v2, against
// any name server (ours or Apache RocketMQ's) for the interop tests, printing JSON lines:
//
//	rmqts-go produce --namesrv host:port --topic T --count N [--group G] [--tags TagA[,TagB...]]
//	                 [--keys-prefix key-] [--body-size 64] [--start 0]
//	rmqts-go consume --namesrv host:port --topic T --group G --expect N [--sub '*']
//	                 [--timeout-ms 60000] [--grace-ms 1000] [--until-stdin-closes]
//
// produce: a Producer (SendSync, one message at a time) sends messages i = start .. start+N-1 with
// body body(i, size) (as interop/java Bodies.java: "msg-<i>-" then the pattern), tags (with a
// comma list, message i gets the (i mod n)-th), keys prefix+i and user property idx=i; one line
// per message:
// {"i","msgId","offsetMsgId","queueId","queueOffset","status","brokerName"}. Any send that is not
// SEND_OK makes it exit 1.
//
// consume: a PushConsumer (CLUSTERING, CONSUME_FROM_FIRST_OFFSET, the given group) subscribes T
// and returns ConsumeSuccess; one line per delivery:
// {"msgId","offsetMsgId","topic","queueId","queueOffset","tags","keys","bodyHex","properties",
// "reconsumeTimes","storeHost","bornHost","storeTimestamp","bornTimestamp"}. After the N-th
// distinct message it prints {"event":"done","distinct":N}, keeps consuming grace-ms (to catch
// duplicates) — with --until-stdin-closes, until its stdin closes, so that a test can look at the
// live consumer — then shuts down (committing its offsets) and exits 0; it exits 2 when fewer
// than N distinct messages arrived within timeout-ms.
//
// The client's own log goes to stderr at level warn (RMQTS_GO_LOG_LEVEL overrides).
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

const usage = `usage:
  rmqts-go produce --namesrv host:port --topic T --count N [--group G] [--tags X[,Y...]] [--keys-prefix key-] [--body-size 64] [--start 0]
  rmqts-go consume --namesrv host:port --topic T --group G --expect N [--sub '*'] [--timeout-ms 60000] [--grace-ms 1000] [--until-stdin-closes]`

var pattern = []byte("abcdefghijklmnopqrstuvwxyz0123456789")

// body is interop/java Bodies.body(i, size): "msg-<i>-", then byte j = pattern[(i+j) % 36], cut to
// size bytes; size <= 0 means the prefix alone.
func body(i int64, size int) []byte {
	prefix := []byte(fmt.Sprintf("msg-%d-", i))
	if size <= 0 {
		return prefix
	}
	b := make([]byte, size)
	for j := 0; j < size; j++ {
		if j < len(prefix) {
			b[j] = prefix[j]
		} else {
			b[j] = pattern[(i+int64(j))%int64(len(pattern))]
		}
	}
	return b
}

var (
	outMu sync.Mutex
	out   = json.NewEncoder(os.Stdout)
)

func printLine(v any) {
	outMu.Lock()
	defer outMu.Unlock()
	if err := out.Encode(v); err != nil {
		fail(1, "cannot write to stdout: %v", err)
	}
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "rmqts-go: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	if len(os.Args) < 2 {
		fail(1, "a command is required\n%s", usage)
	}
	level := os.Getenv("RMQTS_GO_LOG_LEVEL")
	if level == "" {
		level = "warn"
	}
	rlog.SetLogLevel(level)
	switch os.Args[1] {
	case "produce":
		produce(os.Args[2:])
	case "consume":
		consume(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Println(usage)
	default:
		fail(1, "unknown command %q\n%s", os.Args[1], usage)
	}
}

func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() { fmt.Fprintln(os.Stderr, usage) }
	return fs
}

func required(fs *flag.FlagSet, names ...string) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			fail(1, "option --%s is required\n%s", n, usage)
		}
	}
}

type produced struct {
	I           int64  `json:"i"`
	MsgID       string `json:"msgId"`
	OffsetMsgID string `json:"offsetMsgId"`
	QueueID     int    `json:"queueId"`
	QueueOffset int64  `json:"queueOffset"`
	Status      string `json:"status"`
	BrokerName  string `json:"brokerName"`
}

func sendStatus(s primitive.SendStatus) string {
	switch s {
	case primitive.SendOK:
		return "SEND_OK"
	case primitive.SendFlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case primitive.SendFlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case primitive.SendSlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	case primitive.SendUnknownError:
		return "UNKNOWN_ERROR"
	default:
		return strconv.Itoa(int(s))
	}
}

func produce(args []string) {
	fs := flags("produce")
	namesrv := fs.String("namesrv", "", "name server host:port")
	topic := fs.String("topic", "", "topic")
	count := fs.Int("count", -1, "messages to send")
	group := fs.String("group", "rmqts_interop_go_producer", "producer group")
	tags := fs.String("tags", "", "tags of the messages, a comma list used in turn (none when empty)")
	keysPrefix := fs.String("keys-prefix", "key-", "keys = prefix + i")
	bodySize := fs.Int("body-size", 64, "body size in bytes")
	start := fs.Int64("start", 0, "first index i")
	if err := fs.Parse(args); err != nil {
		os.Exit(1)
	}
	required(fs, "namesrv", "topic", "count")

	p, err := rocketmq.NewProducer(
		producer.WithNameServer([]string{*namesrv}),
		producer.WithGroupName(*group),
		producer.WithInstanceName(fmt.Sprintf("rmqts-go-produce-%d", os.Getpid())),
		producer.WithRetry(2),
		producer.WithSendMsgTimeout(10*time.Second),
	)
	if err != nil {
		fail(1, "cannot create the producer: %v", err)
	}
	if err := p.Start(); err != nil {
		fail(1, "cannot start the producer: %v", err)
	}
	defer func() { _ = p.Shutdown() }()

	var tagList []string
	if *tags != "" {
		tagList = strings.Split(*tags, ",")
	}
	for i := *start; i < *start+int64(*count); i++ {
		msg := primitive.NewMessage(*topic, body(i, *bodySize))
		if len(tagList) > 0 {
			msg.WithTag(tagList[int(i%int64(len(tagList)))])
		}
		msg.WithKeys([]string{*keysPrefix + strconv.FormatInt(i, 10)})
		msg.WithProperty("idx", strconv.FormatInt(i, 10))
		res, err := p.SendSync(context.Background(), msg)
		if err != nil {
			_ = p.Shutdown()
			fail(1, "message %d to topic %s: SendSync failed: %v", i, *topic, err)
		}
		line := produced{I: i, MsgID: res.MsgID, OffsetMsgID: res.OffsetMsgID, QueueOffset: res.QueueOffset, Status: sendStatus(res.Status)}
		if res.MessageQueue != nil {
			line.QueueID = res.MessageQueue.QueueId
			line.BrokerName = res.MessageQueue.BrokerName
		}
		printLine(line)
		if res.Status != primitive.SendOK {
			_ = p.Shutdown()
			fail(1, "message %d was stored with status %s (expected SEND_OK): %s", i, line.Status, res.String())
		}
	}
}

type consumed struct {
	MsgID          string            `json:"msgId"`
	OffsetMsgID    string            `json:"offsetMsgId"`
	Topic          string            `json:"topic"`
	QueueID        int               `json:"queueId"`
	QueueOffset    int64             `json:"queueOffset"`
	Tags           string            `json:"tags"`
	Keys           string            `json:"keys"`
	BodyHex        string            `json:"bodyHex"`
	Properties     map[string]string `json:"properties"`
	ReconsumeTimes int32             `json:"reconsumeTimes"`
	StoreHost      string            `json:"storeHost"`
	BornHost       string            `json:"bornHost"`
	StoreTimestamp int64             `json:"storeTimestamp"`
	BornTimestamp  int64             `json:"bornTimestamp"`
}

func consume(args []string) {
	fs := flags("consume")
	namesrv := fs.String("namesrv", "", "name server host:port")
	topic := fs.String("topic", "", "topic")
	group := fs.String("group", "", "consumer group")
	expect := fs.Int("expect", -1, "distinct messages to wait for")
	sub := fs.String("sub", "*", "tag expression")
	timeoutMs := fs.Int("timeout-ms", 60000, "how long to wait for them")
	graceMs := fs.Int("grace-ms", 1000, "how long to keep consuming after the last one")
	untilStdinCloses := fs.Bool("until-stdin-closes", false, "after the last one, keep consuming until stdin closes")
	if err := fs.Parse(args); err != nil {
		os.Exit(1)
	}
	required(fs, "namesrv", "topic", "group", "expect")

	c, err := rocketmq.NewPushConsumer(
		consumer.WithNameServer([]string{*namesrv}),
		consumer.WithGroupName(*group),
		consumer.WithInstance(fmt.Sprintf("rmqts-go-consume-%d", os.Getpid())),
		consumer.WithConsumerModel(consumer.Clustering),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	)
	if err != nil {
		fail(1, "cannot create the push consumer: %v", err)
	}
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		done = make(chan struct{})
	)
	err = c.Subscribe(*topic, consumer.MessageSelector{Type: consumer.TAG, Expression: *sub},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			for _, m := range msgs {
				printLine(consumed{
					MsgID:          m.MsgId,
					OffsetMsgID:    m.OffsetMsgId,
					Topic:          m.Topic,
					QueueID:        m.Queue.QueueId,
					QueueOffset:    m.QueueOffset,
					Tags:           m.GetTags(),
					Keys:           m.GetKeys(),
					BodyHex:        hex.EncodeToString(m.Body),
					Properties:     m.GetProperties(),
					ReconsumeTimes: m.ReconsumeTimes,
					StoreHost:      m.StoreHost,
					BornHost:       m.BornHost,
					StoreTimestamp: m.StoreTimestamp,
					BornTimestamp:  m.BornTimestamp,
				})
				mu.Lock()
				seen[m.MsgId] = true
				if len(seen) == *expect {
					close(done)
				}
				mu.Unlock()
			}
			return consumer.ConsumeSuccess, nil
		})
	if err != nil {
		fail(1, "cannot subscribe to %s: %v", *topic, err)
	}
	if err := c.Start(); err != nil {
		fail(1, "cannot start the push consumer: %v", err)
	}
	code := 0
	select {
	case <-done:
		printLine(map[string]any{"event": "done", "distinct": *expect})
		if *untilStdinCloses {
			_, _ = io.Copy(io.Discard, os.Stdin)
		} else {
			time.Sleep(time.Duration(*graceMs) * time.Millisecond)
		}
	case <-time.After(time.Duration(*timeoutMs) * time.Millisecond):
		mu.Lock()
		fmt.Fprintf(os.Stderr, "rmqts-go: consumed %d of %d distinct messages of topic %s (group %s) within %d ms\n", len(seen), *expect, *topic, *group, *timeoutMs)
		mu.Unlock()
		code = 2
	}
	if err := c.Shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "rmqts-go: consumer shutdown: %v\n", err)
	}
	os.Exit(code)
}
