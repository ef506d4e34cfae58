package io.rocketmqts.matrix;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * The client-version matrix: the same scenarios with whichever rocketmq-client is on the classpath
 * (4.8.0, 4.9.x, or 5.x's remoting client). Written against the API those releases share; where
 * a result type moved package between 4.x and 5.x it is only ever held in a {@code var}.
 *
 * <p>{@code MatrixFlow --namesrv host:port --prefix P [--scenarios send,batch,pull,retry,admin,mixed]
 * [--mixed-in TOPIC --mixed-in-count N --mixed-out TOPIC]}
 *
 * <p>Prints one JSON object per line: {@code {"scenario":…,"ok":…,"error":…,…facts}} per scenario,
 * then {@code {"done":true}}. The scenarios assert nothing themselves: the facts (every received
 * message's tags, keys and user properties) are checked by interop/test/client-matrix.test.ts, so
 * the same assertions apply to every client version and every broker.
 */
public final class MatrixFlow {

    private static final int QUEUES = 4;
    private static final long WAIT_MS = 40_000;
    private static final long GRACE_MS = 1_500;

    private final String namesrv;
    private final String prefix;
    private final String version;
    private final Map<String, String> options;
    private DefaultMQAdminExt admin;

    private MatrixFlow(String namesrv, String prefix, Map<String, String> options) {
        this.namesrv = namesrv;
        this.prefix = prefix;
        this.options = options;
        this.version = org.apache.rocketmq.common.MQVersion.getVersionDesc(org.apache.rocketmq.common.MQVersion.CURRENT_VERSION);
    }

    public static void main(String[] args) throws Exception {
        // Rebalance and route refresh every second, so a new %RETRY% topic is picked up quickly.
        System.setProperty("rocketmq.client.rebalance.waitInterval", "1000");
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        String namesrv = required(options, "namesrv");
        String prefix = required(options, "prefix");
        MatrixFlow flow = new MatrixFlow(namesrv, prefix, options);
        String scenarios = options.getOrDefault("scenarios", "send,batch,pull,retry,admin,mixed");
        int code = 0;
        try {
            flow.startAdmin();
            for (String scenario : scenarios.split(",")) {
                if (!flow.run(scenario)) {
                    code = 3;
                }
            }
        } finally {
            flow.stopAdmin();
        }
        emit(Map.of("done", true));
        System.out.flush();
        System.exit(code);
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return value;
    }

    private boolean run(String scenario) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("scenario", scenario);
        line.put("clientVersion", version);
        long t0 = System.currentTimeMillis();
        try {
            switch (scenario) {
                case "send" -> send(line);
                case "batch" -> batch(line);
                case "pull" -> pull(line);
                case "retry" -> retry(line);
                case "admin" -> admin(line);
                case "mixed" -> mixed(line);
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
            line.put("ok", true);
            line.put("error", null);
        } catch (Throwable e) {
            line.put("ok", false);
            line.put("error", e.toString() + stackTop(e));
        }
        line.put("ms", System.currentTimeMillis() - t0);
        emit(line);
        return Boolean.TRUE.equals(line.get("ok"));
    }

    private static String stackTop(Throwable e) {
        StringBuilder text = new StringBuilder();
        StackTraceElement[] stack = e.getStackTrace();
        for (int i = 0; i < Math.min(4, stack.length); i++) {
            text.append(" at ").append(stack[i]);
        }
        return text.toString();
    }

    // ---- scenarios ----

    /** Sync, async and oneway sends with tags, keys and user properties; a push consumer on "TagA". */
    private void send(Map<String, Object> line) throws Exception {
        String topic = prefix + "_send";
        String group = prefix + "_send_consumer";
        createTopic(topic);
        int n = 8;
        DefaultMQProducer producer = producer("send");
        List<Map<String, Object>> sent = Collections.synchronizedList(new ArrayList<>());
        try {
            for (int i = 0; i < n; i++) {
                SendResult result = producer.send(message(topic, "TagA", "send-sync-" + i, i, "sync"));
                sent.add(sendFact("sync", i, result));
            }
            CountDownLatch asyncDone = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                final int index = i;
                producer.send(message(topic, "TagA", "send-async-" + i, i, "async"), new SendCallback() {
                    @Override
                    public void onSuccess(SendResult result) {
                        sent.add(sendFact("async", index, result));
                        asyncDone.countDown();
                    }

                    @Override
                    public void onException(Throwable e) {
                        Map<String, Object> fact = new LinkedHashMap<>();
                        fact.put("mode", "async");
                        fact.put("i", index);
                        fact.put("status", "EXCEPTION " + e);
                        sent.add(fact);
                        asyncDone.countDown();
                    }
                });
            }
            if (!asyncDone.await(WAIT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("async sends did not complete");
            }
            for (int i = 0; i < n; i++) {
                producer.sendOneway(message(topic, "TagA", "send-oneway-" + i, i, "oneway"));
            }
        } finally {
            producer.shutdown();
        }
        line.put("sent", sent);
        line.put("received", consume(group, topic, "TagA || TagZ", 3 * n));
    }

    /** Two batches (send(Collection)): 10 on TagB, 10 on TagC; a push consumer on "TagB" only. */
    private void batch(Map<String, Object> line) throws Exception {
        String topic = prefix + "_batch";
        createTopic(topic);
        DefaultMQProducer producer = producer("batch");
        List<Map<String, Object>> sent = new ArrayList<>();
        try {
            for (String tag : new String[] {"TagB", "TagC"}) {
                List<Message> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    batch.add(message(topic, tag, "batch-" + tag + "-" + i, i, "batch"));
                }
                SendResult result = producer.send(batch);
                sent.add(sendFact("batch-" + tag, 0, result));
            }
        } finally {
            producer.shutdown();
        }
        line.put("sent", sent);
        line.put("received", consume(prefix + "_batch_consumer", topic, "TagB", 10));
    }

    /** A lite pull consumer polls and commits; a second one of the group resumes after the commit. */
    private void pull(Map<String, Object> line) throws Exception {
        String topic = prefix + "_pull";
        String group = prefix + "_pull_consumer";
        createTopic(topic);
        DefaultMQProducer producer = producer("pull");
        try {
            for (int i = 0; i < 12; i++) {
                producer.send(message(topic, "TagP", "pull-first-" + i, i, "pull"));
            }
            line.put("first", litePoll(group, topic, 12));
            for (int i = 0; i < 4; i++) {
                producer.send(message(topic, "TagP", "pull-second-" + i, i, "pull"));
            }
            line.put("second", litePoll(group, topic, 4));
        } finally {
            producer.shutdown();
        }
    }

    /** The listener asks for a retry (delay level 1) on each first delivery, then succeeds. */
    private void retry(Map<String, Object> line) throws Exception {
        String topic = prefix + "_retry";
        String group = prefix + "_retry_consumer";
        createTopic(topic);
        int n = 4;
        List<Map<String, Object>> deliveries = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger successes = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(group);
        consumer.setPollNameServerInterval(1000);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setConsumeMessageBatchMaxSize(1);
        consumer.subscribe(topic, "TagR");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            MessageExt message = messages.get(0);
            deliveries.add(received(message));
            if (message.getReconsumeTimes() == 0) {
                context.setDelayLevelWhenNextConsume(1);
                return ConsumeConcurrentlyStatus.RECONSUME_LATER;
            }
            successes.incrementAndGet();
            done.countDown();
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        DefaultMQProducer producer = producer("retry");
        try {
            for (int i = 0; i < n; i++) {
                producer.send(message(topic, "TagR", "retry-" + i, i, "retry"));
            }
            done.await(WAIT_MS, TimeUnit.MILLISECONDS);
            Thread.sleep(GRACE_MS);
        } finally {
            producer.shutdown();
            consumer.shutdown();
        }
        line.put("deliveries", new ArrayList<>(deliveries));
    }

    /** mqadmin's API (DefaultMQAdminExt of the same release) over what the send scenario left. */
    private void admin(Map<String, Object> line) throws Exception {
        String topic = prefix + "_send";
        var cluster = admin.examineBrokerClusterInfo();
        line.put("clusters", new ArrayList<>(cluster.getClusterAddrTable().keySet()));
        line.put("brokerNames", new ArrayList<>(cluster.getBrokerAddrTable().keySet()));
        var route = admin.examineTopicRouteInfo(topic);
        int readQueues = 0;
        for (var queueData : route.getQueueDatas()) {
            readQueues += queueData.getReadQueueNums();
        }
        line.put("routeReadQueues", readQueues);
        var stats = admin.examineTopicStats(topic);
        long maxOffsets = 0;
        for (var entry : stats.getOffsetTable().entrySet()) {
            maxOffsets += entry.getValue().getMaxOffset();
        }
        line.put("topicMaxOffsetSum", maxOffsets);
        line.put("topicListed", admin.fetchAllTopicList().getTopicList().contains(topic));
        var consumeStats = admin.examineConsumeStats(prefix + "_send_consumer");
        line.put("sendGroupDiffTotal", consumeStats.computeTotalDiff());
        String viewed = null;
        for (var entry : stats.getOffsetTable().entrySet()) {
            if (entry.getValue().getMaxOffset() > 0) {
                var found = admin.queryMessage(topic, "send-sync-0", 32, 0, Long.MAX_VALUE);
                for (MessageExt message : found.getMessageList()) {
                    viewed = admin.viewMessage(topic, message.getMsgId()).getKeys();
                }
                break;
            }
        }
        line.put("viewedKeys", viewed);
    }

    /** Reads what the TypeScript client sent to --mixed-in, then sends a batch to --mixed-out for it. */
    private void mixed(Map<String, Object> line) throws Exception {
        String in = required(options, "mixed-in");
        int inCount = Integer.parseInt(required(options, "mixed-in-count"));
        String out = required(options, "mixed-out");
        line.put("received", consume(prefix + "_mixed_consumer", in, "TagM", inCount));
        createTopic(out);
        DefaultMQProducer producer = producer("mixed");
        try {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(message(out, "TagJ", "mixed-java-" + i, i, "mixed"));
            }
            line.put("sent", List.of(sendFact("batch", 0, producer.send(batch))));
        } finally {
            producer.shutdown();
        }
    }

    // ---- helpers ----

    private void startAdmin() throws Exception {
        admin = new DefaultMQAdminExt();
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName(prefix + "_admin");
        admin.start();
    }

    private void stopAdmin() {
        if (admin != null) {
            admin.shutdown();
        }
    }

    /** Creates the topic on every master (as mqadmin updateTopic -c does) and waits for its route. */
    private void createTopic(String topic) throws Exception {
        var cluster = admin.examineBrokerClusterInfo();
        for (var broker : cluster.getBrokerAddrTable().values()) {
            String master = broker.getBrokerAddrs().get(0L);
            if (master != null) {
                admin.createAndUpdateTopicConfig(master, new TopicConfig(topic, QUEUES, QUEUES, 6));
            }
        }
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            try {
                var route = admin.examineTopicRouteInfo(topic);
                if (route != null && !route.getQueueDatas().isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no route " + WAIT_MS + " ms after it was created", e);
                }
            }
            Thread.sleep(100);
        }
    }

    private DefaultMQProducer producer(String name) throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer(prefix + "_" + name + "_producer");
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName(prefix + "_" + name + "_producer");
        producer.start();
        return producer;
    }

    private Message message(String topic, String tag, String keys, int i, String mode) {
        Message message = new Message(topic, tag, keys, ("matrix " + mode + " " + i).getBytes(StandardCharsets.UTF_8));
        message.putUserProperty("idx", String.valueOf(i));
        message.putUserProperty("mode", mode);
        message.putUserProperty("client", version);
        return message;
    }

    private static Map<String, Object> sendFact(String mode, int i, SendResult result) {
        Map<String, Object> fact = new LinkedHashMap<>();
        fact.put("mode", mode);
        fact.put("i", i);
        fact.put("status", result.getSendStatus().name());
        fact.put("msgId", result.getMsgId());
        return fact;
    }

    private static Map<String, Object> received(MessageExt message) {
        Map<String, Object> fact = new LinkedHashMap<>();
        fact.put("topic", message.getTopic());
        fact.put("tags", message.getTags());
        fact.put("keys", message.getKeys());
        fact.put("msgId", message.getMsgId());
        fact.put("body", new String(message.getBody(), StandardCharsets.UTF_8));
        fact.put("reconsumeTimes", message.getReconsumeTimes());
        fact.put("properties", new HashMap<>(message.getProperties()));
        return fact;
    }

    /** A push consumer (CONSUME_FROM_FIRST_OFFSET) until `expect` messages arrived, then a grace period for extras. */
    private List<Map<String, Object>> consume(String group, String topic, String expression, int expect) throws Exception {
        List<Map<String, Object>> got = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch enough = new CountDownLatch(expect);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(group);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, expression);
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            for (MessageExt message : messages) {
                got.add(received(message));
                enough.countDown();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try {
            enough.await(WAIT_MS, TimeUnit.MILLISECONDS);
            Thread.sleep(GRACE_MS);
        } finally {
            consumer.shutdown();
        }
        return new ArrayList<>(got);
    }

    /** A lite pull consumer of `group`: polls until `expect` messages (or the wait), commits, shuts down. */
    private List<Map<String, Object>> litePoll(String group, String topic, int expect) throws Exception {
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(group + "_" + System.nanoTime());
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setAutoCommit(false);
        consumer.subscribe(topic, "*");
        consumer.start();
        List<Map<String, Object>> got = new ArrayList<>();
        try {
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (got.size() < expect && System.currentTimeMillis() < deadline) {
                for (MessageExt message : consumer.poll(500)) {
                    got.add(received(message));
                }
            }
            long graceEnd = System.currentTimeMillis() + GRACE_MS;
            while (System.currentTimeMillis() < graceEnd) {
                for (MessageExt message : consumer.poll(200)) {
                    got.add(received(message));
                }
            }
            consumer.commitSync();
        } finally {
            consumer.shutdown();
        }
        return got;
    }

    // ---- JSON lines (no JSON library: the client releases bring different ones) ----

    private static synchronized void emit(Map<String, ?> line) {
        StringBuilder out = new StringBuilder();
        json(out, line);
        System.out.println(out);
    }

    private static void json(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String text) {
            out.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : new ArrayList<>(map.entrySet())) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                json(out, String.valueOf(entry.getKey()));
                out.append(':');
                json(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                json(out, list.get(i));
            }
            out.append(']');
        } else {
            json(out, value.toString());
        }
    }
}
