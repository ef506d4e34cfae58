package io.rocketmqts.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.admin.TopicOffset;
import org.apache.rocketmq.common.admin.TopicStatsTable;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.route.BrokerData;
import org.apache.rocketmq.common.protocol.route.QueueData;
import org.apache.rocketmq.common.protocol.route.TopicRouteData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * Delayed messages, consumer retries and the dead-letter queue with the real Java client 4.8.0,
 * one scenario per JVM: {@code RetryFlow <scenario> --namesrv host:port --topic T --group G [...]}.
 * Everything is printed as JSON lines, each with an {@code event} field:
 * <ul>
 * <li>{@code sent}: i, keys, tags, delayLevel, status, msgId, queueId, sendStartMs, sendEndMs
 * (epoch ms around producer.send), error</li>
 * <li>{@code consumed}: consumer, topic, tags, keys, bodyHex, msgId, reconsumeTimes, delivery (1-based
 * count of this key's deliveries), receivedMs (epoch ms in the listener), bornMs, storeMs, bornHost,
 * status (what the listener returned), properties (the message's user and system properties)</li>
 * <li>{@code dlq-stats}: topic, perm (of the DLQ route before any update), minOffset, maxOffset (summed
 * over its queues)</li>
 * <li>{@code dlq-pulled}: topic, keys, bodyHex, msgId, reconsumeTimes, bornHost, queueId, queueOffset, properties</li>
 * <li>{@code phase}: name, ms (since the program started)</li>
 * <li>{@code done}: ok, ms</li>
 * </ul>
 * Messages are {@code new Message(topic, "TagA", "1234" + i, Bodies.body(i, 64))}; the topic is
 * created with 4 queues and the push consumer (CONSUME_FROM_LAST_OFFSET, batch size 1) holds all of
 * them before the sends. Scenarios (N = --count):
 * <ul>
 * <li>{@code delay}: N sync sends with {@code setDelayTimeLevel(--delay-level)}, each delivered once.</li>
 * <li>{@code retry}: the listener returns RECONSUME_LATER for the first --fail-times deliveries of each
 * message, then CONSUME_SUCCESS; expects --fail-times + 1 deliveries per message.</li>
 * <li>{@code timer}: N sync sends of 5.x timer messages, each delivered once: even i with
 * {@code putUserProperty("TIMER_DELIVER_MS", sendStart + --timer-ms)}, odd i with
 * {@code putUserProperty("TIMER_DELAY_MS", --timer-ms)}; the sent line adds timerProperty and
 * timerDeliverMs (the absolute time asked for, or sendStart + delay for the relative one).</li>
 * <li>{@code dlq}: {@code setMaxReconsumeTimes(--max-reconsume)}, the listener always returns
 * RECONSUME_LATER; expects --max-reconsume + 1 deliveries per message, then N messages in
 * %DLQ%G (examineTopicStats), whose perm it then sets to 6 (RW) to pull them.</li>
 * </ul>
 * After the expected deliveries it keeps consuming for --grace-ms to catch extra ones. Exits 0, 2
 * (after {@code done}) when the expected deliveries did not happen within --wait-ms, 1 on any
 * other failure. The client's rebalance interval and name-server poll interval are cut to 1 s so
 * the %RETRY% topic is picked up quickly.
 */
public final class RetryFlow {

    private static final String USAGE = "usage: RetryFlow delay|retry|dlq --namesrv host:port --topic T --group G"
        + " [--count N (default 4)] [--delay-level L (default 2)] [--fail-times K (default 2)]"
        + " [--max-reconsume M (default 2)] [--timer-ms D (default 3000)] [--wait-ms M (default 60000)] [--grace-ms M (default 3000)]";

    private static final String PRODUCER_GROUP = "retry_flow_producer";
    private static final int BODY_SIZE = 64;
    private static final int QUEUES = 4;
    private static final long T0 = System.currentTimeMillis();
    private static final long PID = ProcessHandle.current().pid();
    /** The {@code level} argument of run/send that means "a 5.x timer message". */
    private static final int TIMER = -1;

    /** Deliveries per key. */
    private static final Map<String, AtomicInteger> DELIVERIES = new ConcurrentHashMap<>();

    private final String namesrv;
    private final String topic;
    private final String group;
    private final int count;
    private final int delayLevel;
    private final int failTimes;
    private final int maxReconsume;
    private final long waitMs;
    private final long timerMs;
    private final long graceMs;

    private RetryFlow(CliArgs args) {
        namesrv = args.required("namesrv");
        topic = args.required("topic");
        group = args.required("group");
        count = args.integer("count", 4);
        delayLevel = args.integer("delay-level", 2);
        failTimes = args.integer("fail-times", 2);
        maxReconsume = args.integer("max-reconsume", 2);
        waitMs = args.longValue("wait-ms", 60_000);
        timerMs = args.longValue("timer-ms", 3_000);
        graceMs = args.longValue("grace-ms", 3_000);
    }

    public static void main(String[] argv) {
        // Read by RebalanceService's static initializer: rebalance every second, not every 20 s.
        System.setProperty("rocketmq.client.rebalance.waitInterval", "1000");
        int code;
        try {
            if (argv.length == 0 || argv[0].startsWith("-")) {
                throw new IllegalArgumentException("the scenario is missing\n" + USAGE);
            }
            String scenario = argv[0];
            CliArgs args = new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "group", "count", "delay-level", "fail-times",
                "max-reconsume", "timer-ms", "wait-ms", "grace-ms"), Arrays.copyOfRange(argv, 1, argv.length));
            RetryFlow flow = new RetryFlow(args);
            switch (scenario) {
                case "delay":
                    code = flow.run(0, -1, 1, flow.delayLevel, false);
                    break;
                case "retry":
                    code = flow.run(flow.failTimes, -1, flow.failTimes + 1, 0, false);
                    break;
                case "timer":
                    code = flow.run(0, -1, 1, TIMER, false);
                    break;
                case "dlq":
                    code = flow.run(Integer.MAX_VALUE, flow.maxReconsume, flow.maxReconsume + 1, 0, true);
                    break;
                default:
                    throw new IllegalArgumentException("unknown scenario '" + scenario + "'\n" + USAGE);
            }
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("RetryFlow failed: " + e);
            e.printStackTrace(System.err);
            code = 1;
        }
        JsonLines.flush();
        System.exit(code);
    }

    /**
     * Creates the topic, starts a push consumer whose listener fails the first {@code fail}
     * deliveries of each key, sends N messages (with {@code level} as delay level when > 0) and
     * waits for {@code expected} deliveries per key; then the DLQ checks when {@code checkDlq}.
     */
    private int run(int fail, int maxReconsumeTimes, int expected, int level, boolean checkDlq) throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer(PRODUCER_GROUP);
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("retry-producer-" + PID);
        producer.setVipChannelEnabled(false);
        producer.start();
        DefaultMQPushConsumer consumer = null;
        try {
            Flows.createTopic(producer, topic, QUEUES, waitMs);
            phase("topic-created");
            consumer = new DefaultMQPushConsumer(group);
            consumer.setNamesrvAddr(namesrv);
            consumer.setInstanceName("retry-consumer-" + PID);
            consumer.setVipChannelEnabled(false);
            consumer.setPollNameServerInterval(1000);
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
            if (maxReconsumeTimes >= 0) {
                consumer.setMaxReconsumeTimes(maxReconsumeTimes);
            }
            consumer.subscribe(topic, "*");
            consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                long now = System.currentTimeMillis();
                ConsumeConcurrentlyStatus status = ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
                for (MessageExt m : msgs) {
                    int delivery = DELIVERIES.computeIfAbsent(m.getKeys(), k -> new AtomicInteger()).incrementAndGet();
                    if (delivery <= fail) {
                        status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
                    }
                    consumed(m, delivery, now, delivery <= fail ? "RECONSUME_LATER" : "CONSUME_SUCCESS");
                }
                return status;
            });
            consumer.start();
            phase("consumer-started");
            awaitQueues(consumer);
            phase("queues-assigned");
            for (int i = 0; i < count; i++) {
                send(producer, i, level);
            }
            phase("sent");
            if (!awaitDeliveries(expected)) {
                return 2;
            }
            phase("all-delivered");
            Thread.sleep(graceMs);
            phase("grace-over");
            if (checkDlq && !checkDlq()) {
                return 2;
            }
            done(true);
            return 0;
        } finally {
            if (consumer != null) {
                consumer.shutdown();
            }
            producer.shutdown();
        }
    }

    // ---- DLQ -------------------------------------------------------------------------------

    private boolean checkDlq() throws Exception {
        String dlq = MixAll.getDLQTopic(group);
        DefaultMQAdminExt admin = new DefaultMQAdminExt();
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName("retry-admin-" + PID);
        admin.setVipChannelEnabled(false);
        admin.start();
        DefaultMQPullConsumer puller = null;
        try {
            long deadline = System.currentTimeMillis() + waitMs;
            TopicRouteData route = null;
            long minOffset = 0;
            long maxOffset = 0;
            while (true) {
                try {
                    route = admin.examineTopicRouteInfo(dlq);
                    TopicStatsTable stats = admin.examineTopicStats(dlq);
                    minOffset = 0;
                    maxOffset = 0;
                    for (TopicOffset o : stats.getOffsetTable().values()) {
                        minOffset += o.getMinOffset();
                        maxOffset += o.getMaxOffset();
                    }
                    if (maxOffset >= count) {
                        break;
                    }
                } catch (Exception e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("RetryFlow: " + dlq + " holds " + maxOffset + " messages, expected " + count);
                    done(false);
                    return false;
                }
                Thread.sleep(100);
            }
            List<Integer> perms = new ArrayList<>();
            List<Integer> readQueues = new ArrayList<>();
            for (QueueData q : route.getQueueDatas()) {
                perms.add(q.getPerm());
                readQueues.add(q.getReadQueueNums());
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("event", "dlq-stats");
            line.put("topic", dlq);
            line.put("perms", perms);
            line.put("readQueueNums", readQueues);
            line.put("minOffset", minOffset);
            line.put("maxOffset", maxOffset);
            emit(line);

            // Make it readable (as an operator would with `mqadmin updateTopicPerm -p 6`), then pull it.
            BrokerData broker = route.getBrokerDatas().get(0);
            String brokerAddr = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
            // (DefaultMQAdminExt 4.8.0's examineTopicConfig is a stub returning null.)
            TopicConfig config = new TopicConfig(dlq, route.getQueueDatas().get(0).getReadQueueNums(),
                route.getQueueDatas().get(0).getWriteQueueNums(), 6);
            admin.createAndUpdateTopicConfig(brokerAddr, config);
            phase("dlq-perm-updated");

            puller = new DefaultMQPullConsumer(group + "_dlq_reader");
            puller.setNamesrvAddr(namesrv);
            puller.setInstanceName("retry-puller-" + PID);
            puller.setVipChannelEnabled(false);
            puller.start();
            Set<MessageQueue> queues = null;
            while (queues == null || queues.isEmpty()) {
                try {
                    queues = puller.fetchSubscribeMessageQueues(dlq);
                } catch (MQClientException e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            int pulled = 0;
            for (MessageQueue mq : new TreeSet<>(queues)) {
                long offset = 0;
                while (true) {
                    PullResult r = puller.pull(mq, "*", offset, 32, 5_000);
                    if (r.getPullStatus() != PullStatus.FOUND) {
                        break;
                    }
                    for (MessageExt m : r.getMsgFoundList()) {
                        Map<String, Object> p = new LinkedHashMap<>();
                        p.put("event", "dlq-pulled");
                        p.put("topic", m.getTopic());
                        p.put("tags", m.getTags());
                        p.put("keys", m.getKeys());
                        p.put("bodyHex", m.getBody() == null ? null : Bodies.hex(m.getBody()));
                        p.put("msgId", m.getMsgId());
                        p.put("reconsumeTimes", m.getReconsumeTimes());
                        p.put("bornHost", String.valueOf(m.getBornHost()));
                        p.put("queueId", m.getQueueId());
                        p.put("queueOffset", m.getQueueOffset());
                        p.put("properties", new TreeMap<>(m.getProperties()));
                        emit(p);
                        pulled++;
                    }
                    offset = r.getNextBeginOffset();
                }
            }
            phase("dlq-pulled");
            if (pulled < count) {
                System.err.println("RetryFlow: pulled " + pulled + " messages from " + dlq + ", expected " + count);
                done(false);
                return false;
            }
            return true;
        } finally {
            if (puller != null) {
                puller.shutdown();
            }
            admin.shutdown();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Waits until the consumer holds all queues of the topic. */
    private void awaitQueues(DefaultMQPushConsumer consumer) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMs;
        while (true) {
            int held = 0;
            for (Map.Entry<MessageQueue, ProcessQueue> e : consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl()
                .getProcessQueueTable().entrySet()) {
                if (e.getKey().getTopic().equals(topic) && !e.getValue().isDropped()) {
                    held++;
                }
            }
            if (held == QUEUES) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the consumer holds " + held + " of " + QUEUES + " queues after " + waitMs + " ms");
            }
            Thread.sleep(20);
        }
    }

    private void send(DefaultMQProducer producer, int i, int level) {
        Message message = new Message(topic, "TagA", "1234" + i, Bodies.body(i, BODY_SIZE));
        if (level > 0) {
            message.setDelayTimeLevel(level);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "sent");
        if (level == TIMER) {
            long now = System.currentTimeMillis();
            String property = i % 2 == 0 ? "TIMER_DELIVER_MS" : "TIMER_DELAY_MS";
            message.putUserProperty(property, String.valueOf(i % 2 == 0 ? now + timerMs : timerMs));
            line.put("timerProperty", property);
            line.put("timerDeliverMs", now + timerMs);
        }
        line.put("i", i);
        line.put("keys", "1234" + i);
        line.put("tags", "TagA");
        line.put("delayLevel", Math.max(0, level));
        line.put("status", null);
        line.put("msgId", null);
        line.put("queueId", null);
        line.put("error", null);
        long start = System.currentTimeMillis();
        line.put("sendStartMs", start);
        try {
            SendResult r = producer.send(message, 10_000);
            line.put("status", r.getSendStatus().name());
            line.put("msgId", r.getMsgId());
            line.put("queueId", r.getMessageQueue().getQueueId());
        } catch (Exception e) {
            line.put("error", e.toString());
        }
        line.put("sendEndMs", System.currentTimeMillis());
        emit(line);
    }

    private static void consumed(MessageExt m, int delivery, long receivedMs, String status) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "consumed");
        line.put("topic", m.getTopic());
        line.put("tags", m.getTags());
        line.put("keys", m.getKeys());
        line.put("bodyHex", m.getBody() == null ? null : Bodies.hex(m.getBody()));
        line.put("msgId", m.getMsgId());
        line.put("reconsumeTimes", m.getReconsumeTimes());
        line.put("delivery", delivery);
        line.put("receivedMs", receivedMs);
        line.put("bornMs", m.getBornTimestamp());
        line.put("bornHost", String.valueOf(m.getBornHost()));
        line.put("storeMs", m.getStoreTimestamp());
        line.put("status", status);
        line.put("properties", new TreeMap<>(m.getProperties()));
        emit(line);
    }

    private boolean awaitDeliveries(int expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMs;
        while (true) {
            int complete = 0;
            for (AtomicInteger n : DELIVERIES.values()) {
                complete += n.get() >= expected ? 1 : 0;
            }
            if (complete >= count) {
                return true;
            }
            if (System.currentTimeMillis() > deadline) {
                System.err.println("RetryFlow: " + complete + " of " + count + " messages delivered " + expected
                    + " times within " + waitMs + " ms: " + DELIVERIES);
                done(false);
                return false;
            }
            Thread.sleep(10);
        }
    }

    private static void phase(String name) {
        Flows.phase(name, T0);
    }

    private static void done(boolean ok) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "done");
        line.put("ok", ok);
        line.put("ms", System.currentTimeMillis() - T0);
        emit(line);
    }

    private static void emit(Map<String, Object> line) {
        Flows.emit(line);
    }
}
