package io.rocketmqts.interop;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * A clustering DefaultMQPushConsumer 4.8.0 that runs while brokers come and go: it consumes
 * {@code --topic} (from the first offset when the group has no committed one), commits through
 * the client's RemoteBrokerOffsetStore every {@code --persist-ms}, refreshes routes every
 * {@code --poll-namesrv-ms}, and stops after {@code --expect} distinct messages (msgId) or
 * {@code --timeout-ms}; its shutdown commits the final offsets. One JSON line per delivery, printed
 * at once (duplicates included): {@code {"msgId","keys","queueId","queueOffset","reconsumeTimes","at"}}.
 * Exits 2 when fewer than N distinct messages arrived in time.
 */
public final class FailoverConsumer {

    private static final String USAGE = "usage: FailoverConsumer --namesrv host:port --topic T --group G --expect N"
        + " [--timeout-ms 120000] [--persist-ms 1000] [--poll-namesrv-ms 1000]";

    private FailoverConsumer() {
    }

    public static void main(String[] argv) {
        int code;
        try {
            code = run(new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "group", "expect", "timeout-ms", "persist-ms",
                "poll-namesrv-ms"), argv));
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("FailoverConsumer failed: " + e);
            e.printStackTrace(System.err);
            code = 1;
        }
        JsonLines.flush();
        System.exit(code);
    }

    private static int run(CliArgs args) throws Exception {
        int expect = args.integer("expect", -1);
        if (expect <= 0) {
            throw args.fail("option --expect N (N > 0) is required");
        }
        long deadline = System.currentTimeMillis() + args.longValue("timeout-ms", 120_000);
        Set<String> distinct = new HashSet<>();
        Object lock = new Object();

        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args.required("group"));
        consumer.setNamesrvAddr(args.required("namesrv"));
        consumer.setInstanceName("rmqts-failover-" + ProcessHandle.current().pid());
        consumer.setVipChannelEnabled(false);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setPersistConsumerOffsetInterval(args.integer("persist-ms", 1000));
        consumer.setPollNameServerInterval(args.integer("poll-namesrv-ms", 1000));
        consumer.subscribe(args.required("topic"), "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            synchronized (lock) {
                for (MessageExt message : messages) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("msgId", message.getMsgId());
                    line.put("keys", message.getKeys());
                    line.put("queueId", message.getQueueId());
                    line.put("queueOffset", message.getQueueOffset());
                    line.put("reconsumeTimes", message.getReconsumeTimes());
                    line.put("at", System.currentTimeMillis());
                    JsonLines.write(line);
                    distinct.add(message.getMsgId());
                }
                JsonLines.flush();
                lock.notifyAll();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try {
            boolean complete;
            synchronized (lock) {
                while (distinct.size() < expect && System.currentTimeMillis() < deadline) {
                    lock.wait(Math.max(1, Math.min(500, deadline - System.currentTimeMillis())));
                }
                complete = distinct.size() >= expect;
            }
            // The listener returns before the client records the batch as consumed; give it that
            // moment so shutdown commits the final offsets.
            Thread.sleep(1000);
            return complete ? 0 : 2;
        } finally {
            consumer.shutdown();
        }
    }
}
