package io.rocketmqts.interop;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Reads a topic with the real DefaultMQPullConsumer 4.8.0: every queue of the topic, from offset 0
 * ({@code --from first}, default) or from the queue's max offset at start ({@code --from last}),
 * until {@code --expect N} messages were read or {@code --timeout-ms} passed. {@code --expect -1}
 * reads what is there: it stops after the first full round over the queues that found nothing.
 * No offsets are committed. One JSON line per message, in the order read:
 * {@code {"msgId","offsetMsgId","topic","queueId","queueOffset","commitLogOffset","tags","keys","bodyHex",
 * "properties","storeTimestamp","bornTimestamp","reconsumeTimes","storeSize","sysFlag","bodyCRC","flag",
 * "bornHost","storeHost","brokerName"}}. {@code properties} is what the client returns, so it also
 * holds the MIN_OFFSET / MAX_OFFSET the pull consumer adds; keys are sorted.
 * Exits 2 (after printing what it read) when fewer than N messages arrived in time.
 */
public final class ConsumeMessages {

    private static final String USAGE = "usage: ConsumeMessages --namesrv host:port --topic T --expect N (-1: what is there)"
        + " [--group G] [--timeout-ms M (default 30000)] [--from first|last] [--sub-expression '*'] [--batch-size 32]";

    private ConsumeMessages() {
    }

    public static void main(String[] argv) {
        int code;
        try {
            code = run(new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "expect", "group", "timeout-ms", "from",
                "sub-expression", "batch-size"), argv));
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("ConsumeMessages failed: " + e);
            e.printStackTrace(System.err);
            code = 1;
        }
        JsonLines.flush();
        System.exit(code);
    }

    private static int run(CliArgs args) throws Exception {
        String namesrv = args.required("namesrv");
        String topic = args.required("topic");
        int expect = args.integer("expect", Integer.MIN_VALUE);
        if (expect == Integer.MIN_VALUE) {
            throw args.fail("option --expect is required");
        }
        long timeoutMs = args.longValue("timeout-ms", 30_000);
        String from = args.string("from", "first");
        if (!from.equals("first") && !from.equals("last")) {
            throw args.fail("option --from must be 'first' or 'last', got '" + from + "'");
        }
        String sub = args.string("sub-expression", "*");
        int batchSize = args.integer("batch-size", 32);
        long deadline = System.currentTimeMillis() + timeoutMs;

        DefaultMQPullConsumer consumer = new DefaultMQPullConsumer(args.string("group", "rmqts_interop_consumer"));
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName("rmqts-consume-" + ProcessHandle.current().pid());
        consumer.setVipChannelEnabled(false);
        consumer.setConsumerPullTimeoutMillis(10_000);
        consumer.start();
        try {
            List<MessageQueue> queues = queues(consumer, topic, deadline);
            Map<MessageQueue, Long> offsets = new HashMap<>();
            for (MessageQueue mq : queues) {
                offsets.put(mq, from.equals("first") ? 0L : consumer.maxOffset(mq));
            }
            int read = 0;
            while (expect < 0 || read < expect) {
                boolean found = false;
                for (MessageQueue mq : queues) {
                    PullResult r = consumer.pull(mq, sub, offsets.get(mq), batchSize);
                    switch (r.getPullStatus()) {
                        case FOUND:
                            for (MessageExt m : r.getMsgFoundList()) {
                                JsonLines.write(line(m, mq));
                                read++;
                            }
                            found = true;
                            break;
                        case NO_NEW_MSG:
                        case NO_MATCHED_MSG:
                        case OFFSET_ILLEGAL:
                        default:
                            break;
                    }
                    offsets.put(mq, r.getNextBeginOffset());
                }
                JsonLines.flush();
                if (!found) {
                    if (expect < 0) {
                        break;
                    }
                    if (System.currentTimeMillis() >= deadline) {
                        System.err.println("ConsumeMessages: read " + read + " of " + expect + " messages from topic "
                            + topic + " (" + queues.size() + " queues) within " + timeoutMs + " ms");
                        return 2;
                    }
                    Thread.sleep(100);
                }
            }
            return 0;
        } finally {
            consumer.shutdown();
        }
    }

    /** The topic's queues, sorted; waits (until the deadline) for the topic's route to appear. */
    private static List<MessageQueue> queues(DefaultMQPullConsumer consumer, String topic, long deadline)
        throws Exception {
        while (true) {
            try {
                List<MessageQueue> queues = new ArrayList<>(consumer.fetchSubscribeMessageQueues(topic));
                queues.sort(Comparator.comparing(MessageQueue::getBrokerName).thenComparingInt(MessageQueue::getQueueId));
                if (!queues.isEmpty()) {
                    return queues;
                }
            } catch (MQClientException e) {
                if (System.currentTimeMillis() >= deadline) {
                    throw new IllegalStateException("no route for topic " + topic + " before the timeout: "
                        + e.getErrorMessage(), e);
                }
            }
            Thread.sleep(200);
        }
    }

    private static Map<String, Object> line(MessageExt m, MessageQueue mq) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("msgId", m.getMsgId());
        line.put("offsetMsgId", offsetMsgId(m));
        line.put("topic", m.getTopic());
        line.put("queueId", m.getQueueId());
        line.put("queueOffset", m.getQueueOffset());
        line.put("commitLogOffset", m.getCommitLogOffset());
        line.put("tags", m.getTags());
        line.put("keys", m.getKeys());
        line.put("bodyHex", m.getBody() == null ? null : Bodies.hex(m.getBody()));
        line.put("properties", new TreeMap<>(m.getProperties()));
        line.put("storeTimestamp", m.getStoreTimestamp());
        line.put("bornTimestamp", m.getBornTimestamp());
        line.put("reconsumeTimes", m.getReconsumeTimes());
        line.put("storeSize", m.getStoreSize());
        line.put("sysFlag", m.getSysFlag());
        line.put("bodyCRC", m.getBodyCRC());
        line.put("flag", m.getFlag());
        line.put("bornHost", host(m.getBornHost()));
        line.put("storeHost", host(m.getStoreHost()));
        line.put("brokerName", mq.getBrokerName());
        return line;
    }

    private static String offsetMsgId(MessageExt m) {
        // The pull consumer decodes into MessageClientExt, whose getMsgId() is the client's unique id.
        if (m instanceof org.apache.rocketmq.common.message.MessageClientExt) {
            return ((org.apache.rocketmq.common.message.MessageClientExt) m).getOffsetMsgId();
        }
        return m.getMsgId();
    }

    private static String host(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) a;
            return i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return a == null ? null : a.toString();
    }
}
