package io.rocketmqts.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * Sends N deterministic messages with the real DefaultMQProducer 4.8.0 (synchronous sends) and
 * prints one JSON line per message:
 * {@code {"i","msgId","offsetMsgId","queueId","queueOffset","status","brokerName"}}.
 *
 * <p>Message {@code i} (i = start .. start+count-1): body {@link Bodies#body}(i, body-size), keys
 * {@code <keys-prefix><i>}, tags as given (none by default), user property {@code idx=<i>}.
 * Exits 1 with a message on stderr when any send fails or returns a status other than SEND_OK.
 */
public final class ProduceMessages {

    private static final String USAGE = "usage: ProduceMessages --namesrv host:port --topic T --count N"
        + " [--group G] [--body-size B (default 128; 0 = prefix only)] [--tags TagA] [--keys-prefix k (default key-)]"
        + " [--batch K] [--delay-level L] [--start S] [--send-timeout-ms M] [--compress-over B]";

    private ProduceMessages() {
    }

    public static void main(String[] argv) {
        try {
            run(new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "count", "group", "body-size", "tags",
                "keys-prefix", "batch", "delay-level", "start", "send-timeout-ms", "compress-over"), argv));
            JsonLines.flush();
            System.exit(0);
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("ProduceMessages failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    private static void run(CliArgs args) throws Exception {
        String namesrv = args.required("namesrv");
        String topic = args.required("topic");
        int count = args.integer("count", -1);
        if (count < 0) {
            throw args.fail("option --count is required and must be >= 0");
        }
        int bodySize = args.integer("body-size", 128);
        String tags = args.string("tags", null);
        String keysPrefix = args.string("keys-prefix", "key-");
        int batch = args.integer("batch", 1);
        int delayLevel = args.integer("delay-level", 0);
        long start = args.longValue("start", 0);
        if (batch < 1) {
            throw args.fail("option --batch must be >= 1");
        }
        if (batch > 1 && delayLevel > 0) {
            throw args.fail("--delay-level cannot be combined with --batch (4.8 rejects delayed batches)");
        }

        DefaultMQProducer producer = new DefaultMQProducer(args.string("group", "rmqts_interop_producer"));
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("rmqts-produce-" + ProcessHandle.current().pid());
        producer.setVipChannelEnabled(false);
        producer.setSendMsgTimeout(args.integer("send-timeout-ms", 10_000));
        producer.setRetryTimesWhenSendFailed(2);
        producer.setCompressMsgBodyOverHowmuch(args.integer("compress-over", 4096));
        producer.start();
        try {
            List<Message> pending = new ArrayList<>();
            for (long i = start; i < start + count; i++) {
                Message msg = new Message(topic, Bodies.body(i, bodySize));
                if (tags != null) {
                    msg.setTags(tags);
                }
                msg.setKeys(keysPrefix + i);
                msg.putUserProperty("idx", String.valueOf(i));
                if (delayLevel > 0) {
                    msg.setDelayTimeLevel(delayLevel);
                }
                pending.add(msg);
                if (pending.size() == batch || i == start + count - 1) {
                    send(producer, pending, i - pending.size() + 1);
                    pending.clear();
                }
            }
        } finally {
            producer.shutdown();
        }
    }

    private static void send(DefaultMQProducer producer, List<Message> msgs, long firstIndex) throws Exception {
        SendResult r = msgs.size() == 1 ? producer.send(msgs.get(0)) : producer.send(msgs);
        if (r.getSendStatus() != SendStatus.SEND_OK) {
            throw new IllegalStateException("message " + firstIndex + " was stored with status " + r.getSendStatus()
                + " (expected SEND_OK): " + r);
        }
        // A batch's SendResult joins the ids with ',' and carries the first message's queue offset.
        String[] msgIds = r.getMsgId().split(",");
        String[] offsetIds = r.getOffsetMsgId().split(",");
        if (msgIds.length != msgs.size() || offsetIds.length != msgs.size()) {
            throw new IllegalStateException("batch of " + msgs.size() + " returned " + msgIds.length + " msgIds and "
                + offsetIds.length + " offsetMsgIds: " + r);
        }
        for (int k = 0; k < msgs.size(); k++) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("i", firstIndex + k);
            line.put("msgId", msgIds[k]);
            line.put("offsetMsgId", offsetIds[k]);
            line.put("queueId", r.getMessageQueue().getQueueId());
            line.put("queueOffset", r.getQueueOffset() + k);
            line.put("status", r.getSendStatus().name());
            line.put("brokerName", r.getMessageQueue().getBrokerName());
            JsonLines.write(line);
        }
    }
}
