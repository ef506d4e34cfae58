package io.rocketmqts.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.heartbeat.MessageModel;

/**
 * The quick-start "pay" flow (a PayProducer and a PayConsumer) with the real Java client 4.8.0,
 * one scenario per JVM: {@code PayFlow <scenario> --namesrv host:port --topic T --group G [...]}.
 * Everything it sees is printed as JSON lines, each with an {@code event} field:
 * <ul>
 * <li>{@code sent}: mode (sync|async|oneway), i, keys, tags, status (null for oneway), msgId,
 * queueId, queueOffset, error</li>
 * <li>{@code consumed}: consumer, group, topic, tags, keys, bodyHex, msgId, queueId, queueOffset,
 * reconsumeTimes, latencyMs (consume time − born time)</li>
 * <li>{@code assigned}: consumer, group, queues (queue ids of the topic it holds)</li>
 * <li>{@code phase}: name, ms (since the program started)</li>
 * <li>{@code done}: ok, expected, got (distinct keys per group or, broadcasting, per consumer)</li>
 * </ul>
 *
 * <p>Messages are the tutorial's {@code new Message(topic, tags, "1234" + i, body)} with body
 * {@link Bodies#body}(i, body-size), sent by producer group {@code pay_group} with
 * {@code retryTimesWhenSendFailed=3} and a 10 s send timeout. Consumers: DefaultMQPushConsumer,
 * CONSUME_FROM_LAST_OFFSET, MessageListenerConcurrently returning CONSUME_SUCCESS (or a
 * DefaultLitePullConsumer). Scenarios (N = --count):
 * <ul>
 * <li>{@code pay} (producer and consumers share one client instance, as in one application
 * process that sets no instanceName): N sync sends (the first creates the topic from TBW102); then the consumer of
 * group G starts (a new group on a young queue starts at offset 0, so it gets them too); N async
 * sends; N oneway sends; all 3N consumed. Then the consumer shuts down (committing its offsets),
 * a new consumer of G starts, 5 more sync sends: only those 5 arrive.</li>
 * <li>{@code tags}: N sync sends with tags tag1, tag2, tag3 in turn, half before and half after a
 * consumer of G subscribing "tag1 || tag2" starts; the tag1/tag2 messages are expected.</li>
 * <li>{@code split}: the topic is created empty (4 queues); consumers c1 and c2 of G start and
 * split the queues; N sync sends; N expected in G.</li>
 * <li>{@code groups}: as split, with c1 in G-a and c2 in G-b: N expected in each group.</li>
 * <li>{@code broadcast}: as split, both consumers BROADCASTING in G: N expected by each.</li>
 * <li>{@code lite-pull}: N/2 sync sends, a DefaultLitePullConsumer of G subscribes "*" and polls,
 * N − N/2 more sync sends; N expected.</li>
 * </ul>
 * After the expected messages arrived it keeps consuming for --grace-ms to catch duplicates, then
 * exits 0; exits 2 (after the {@code done} line) when they did not arrive within --wait-ms, 1 on
 * any other failure.
 */
public final class PayFlow {

    private static final String USAGE = "usage: PayFlow pay|tags|split|groups|broadcast|lite-pull --namesrv host:port"
        + " --topic T --group G [--count N (default 50)] [--body-size B (default 64)] [--wait-ms M (default 30000)]"
        + " [--grace-ms M (default 1000)] [--queues Q (default 4)]";

    private static final String PRODUCER_GROUP = "pay_group";
    private static final int SEND_TIMEOUT_MS = 10_000;

    private static final long T0 = System.currentTimeMillis();
    private static final long PID = ProcessHandle.current().pid();

    /** Distinct keys seen per bucket (a group, or a consumer when broadcasting). */
    private static final Map<String, Set<String>> SEEN = new ConcurrentHashMap<>();

    private final String namesrv;
    private final String topic;
    private final String group;
    private final int count;
    private final int bodySize;
    private final long waitMs;
    private final long graceMs;
    private final int queues;
    /** Leave instanceName at its default (one client instance for all clients of this JVM). */
    private boolean sharedInstance;

    private PayFlow(CliArgs args) {
        namesrv = args.required("namesrv");
        topic = args.required("topic");
        group = args.required("group");
        count = args.integer("count", 50);
        bodySize = args.integer("body-size", 64);
        waitMs = args.longValue("wait-ms", 30_000);
        graceMs = args.longValue("grace-ms", 1_000);
        queues = args.integer("queues", 4);
        if (count < 2) {
            throw args.fail("option --count must be >= 2");
        }
    }

    public static void main(String[] argv) {
        int code;
        try {
            if (argv.length == 0 || argv[0].startsWith("-")) {
                throw new IllegalArgumentException("the scenario is missing\n" + USAGE);
            }
            String scenario = argv[0];
            CliArgs args = new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "group", "count", "body-size", "wait-ms",
                "grace-ms", "queues"), Arrays.copyOfRange(argv, 1, argv.length));
            PayFlow flow = new PayFlow(args);
            switch (scenario) {
                case "pay":
                    code = flow.pay();
                    break;
                case "tags":
                    code = flow.tags();
                    break;
                case "split":
                    code = flow.twoConsumers(flow.group, flow.group, MessageModel.CLUSTERING);
                    break;
                case "groups":
                    code = flow.twoConsumers(flow.group + "-a", flow.group + "-b", MessageModel.CLUSTERING);
                    break;
                case "broadcast":
                    code = flow.twoConsumers(flow.group, flow.group, MessageModel.BROADCASTING);
                    break;
                case "lite-pull":
                    code = flow.litePull();
                    break;
                default:
                    throw new IllegalArgumentException("unknown scenario '" + scenario + "'\n" + USAGE);
            }
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("PayFlow failed: " + e);
            e.printStackTrace(System.err);
            code = 1;
        }
        JsonLines.flush();
        System.exit(code);
    }

    // ---- scenarios -------------------------------------------------------------------------

    private int pay() throws Exception {
        // Like an application that both pays and consumes: no instanceName, so the producer and
        // its consumer share one client instance (clientId ip@pid), one connection and heartbeat.
        sharedInstance = true;
        DefaultMQProducer producer = startProducer();
        DefaultMQPushConsumer consumer = null;
        try {
            for (int i = 0; i < count; i++) {
                sendSync(producer, "tag1", i);
            }
            phase("sync-sent");
            consumer = startPushConsumer("c1", group, "*", MessageModel.CLUSTERING);
            phase("consumer-started");
            sendAsync(producer, "tag1", count, 2 * count);
            phase("async-sent");
            for (int i = 2 * count; i < 3 * count; i++) {
                sendOneway(producer, "tag1", i);
            }
            phase("oneway-sent");
            if (!awaitAll(Map.of(group, 3 * count))) {
                return 2;
            }
            phase("all-consumed");
            Thread.sleep(graceMs);
            consumer.shutdown();
            consumer = null;
            phase("consumer-stopped");

            // The same group again: its committed offsets must hold, so only new messages come.
            consumer = startPushConsumer("c2", group, "*", MessageModel.CLUSTERING);
            phase("consumer-restarted");
            int extra = 5;
            for (int i = 3 * count; i < 3 * count + extra; i++) {
                sendSync(producer, "tag1", i);
            }
            phase("extra-sent");
            if (!awaitAll(Map.of(group, 3 * count + extra))) {
                return 2;
            }
            phase("extra-consumed");
            Thread.sleep(graceMs);
            done(true, Map.of(group, 3 * count + extra));
            return 0;
        } finally {
            if (consumer != null) {
                consumer.shutdown();
            }
            producer.shutdown();
        }
    }

    private int tags() throws Exception {
        DefaultMQProducer producer = startProducer();
        DefaultMQPushConsumer consumer = null;
        int wanted = 0;
        try {
            int half = count / 2;
            for (int i = 0; i < half; i++) {
                wanted += sendSync(producer, tagOf(i), i).equals("tag3") ? 0 : 1;
            }
            phase("first-half-sent");
            consumer = startPushConsumer("c1", group, "tag1 || tag2", MessageModel.CLUSTERING);
            phase("consumer-started");
            for (int i = half; i < count; i++) {
                wanted += sendSync(producer, tagOf(i), i).equals("tag3") ? 0 : 1;
            }
            phase("second-half-sent");
            if (!awaitAll(Map.of(group, wanted))) {
                return 2;
            }
            phase("all-consumed");
            Thread.sleep(graceMs);
            done(true, Map.of(group, wanted));
            return 0;
        } finally {
            if (consumer != null) {
                consumer.shutdown();
            }
            producer.shutdown();
        }
    }

    /** split / groups / broadcast: an empty topic, two consumers settled on their queues, then N sends. */
    private int twoConsumers(String groupOne, String groupTwo, MessageModel model) throws Exception {
        DefaultMQProducer producer = startProducer();
        List<Member> members = new ArrayList<>();
        try {
            Flows.createTopic(producer, topic, queues, waitMs);
            phase("topic-created");
            members.add(startMember("c1", groupOne, model));
            members.add(startMember("c2", groupTwo, model));
            phase("consumers-started");
            if (!awaitAssignment(members)) {
                return 2;
            }
            phase("queues-assigned");
            for (int i = 0; i < count; i++) {
                sendSync(producer, "tag1", i);
            }
            phase("sent");
            Map<String, Integer> expected = new LinkedHashMap<>();
            for (Member m : members) {
                expected.put(m.bucket, count);
            }
            if (!awaitAll(expected)) {
                return 2;
            }
            phase("all-consumed");
            Thread.sleep(graceMs);
            done(true, expected);
            return 0;
        } finally {
            for (Member m : members) {
                m.consumer.shutdown();
            }
            producer.shutdown();
        }
    }

    /** A push consumer with its name and bucket (its group, or its name when broadcasting). */
    private static final class Member {
        final String name;
        final String bucket;
        final DefaultMQPushConsumer consumer;

        Member(String name, String bucket, DefaultMQPushConsumer consumer) {
            this.name = name;
            this.bucket = bucket;
            this.consumer = consumer;
        }
    }

    private Member startMember(String name, String consumerGroup, MessageModel model) throws MQClientException {
        String bucket = model == MessageModel.BROADCASTING ? name : consumerGroup;
        return new Member(name, bucket, startPushConsumer(name, consumerGroup, "*", model));
    }

    private int litePull() throws Exception {
        DefaultMQProducer producer = startProducer();
        DefaultLitePullConsumer consumer = null;
        try {
            int half = count / 2;
            for (int i = 0; i < half; i++) {
                sendSync(producer, "tag1", i);
            }
            phase("first-half-sent");
            consumer = new DefaultLitePullConsumer(group);
            consumer.setNamesrvAddr(namesrv);
            consumer.setInstanceName("pay-lite-" + PID);
            consumer.setVipChannelEnabled(false);
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
            consumer.subscribe(topic, "*");
            consumer.start();
            phase("consumer-started");
            for (int i = half; i < count; i++) {
                sendSync(producer, "tag1", i);
            }
            phase("second-half-sent");
            long deadline = System.currentTimeMillis() + waitMs;
            long graceEnd = Long.MAX_VALUE;
            Map<String, Integer> expected = Map.of(group, count);
            while (System.currentTimeMillis() < Math.min(deadline, graceEnd)) {
                for (MessageExt m : consumer.poll(200)) {
                    consumed("lp1", group, group, m);
                }
                if (graceEnd == Long.MAX_VALUE && reached(expected)) {
                    phase("all-consumed");
                    graceEnd = System.currentTimeMillis() + graceMs;
                }
            }
            boolean ok = reached(expected);
            done(ok, expected);
            return ok ? 0 : 2;
        } finally {
            if (consumer != null) {
                consumer.shutdown();
            }
            producer.shutdown();
        }
    }

    // ---- clients ---------------------------------------------------------------------------

    private DefaultMQProducer startProducer() throws MQClientException {
        DefaultMQProducer producer = new DefaultMQProducer(PRODUCER_GROUP);
        producer.setNamesrvAddr(namesrv);
        if (!sharedInstance) {
            producer.setInstanceName("pay-producer-" + PID);
        }
        producer.setVipChannelEnabled(false);
        producer.setRetryTimesWhenSendFailed(3);
        producer.start();
        phase("producer-started");
        return producer;
    }

    private DefaultMQPushConsumer startPushConsumer(String name, String consumerGroup, String expression, MessageModel model)
        throws MQClientException {
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(consumerGroup);
        consumer.setNamesrvAddr(namesrv);
        if (!sharedInstance) {
            consumer.setInstanceName("pay-" + name + "-" + PID);
        }
        consumer.setVipChannelEnabled(false);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        consumer.setMessageModel(model);
        consumer.subscribe(topic, expression);
        String bucket = model == MessageModel.BROADCASTING ? name : consumerGroup;
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                consumed(name, consumerGroup, bucket, m);
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        return consumer;
    }

    // ---- sending ---------------------------------------------------------------------------

    private static String tagOf(int i) {
        return "tag" + (i % 3 + 1);
    }

    private Message message(String tags, int i) {
        return new Message(topic, tags, "1234" + i, Bodies.body(i, bodySize));
    }

    private String sendSync(DefaultMQProducer producer, String tags, int i) {
        Map<String, Object> line = sentLine("sync", tags, i);
        try {
            fill(line, producer.send(message(tags, i), SEND_TIMEOUT_MS));
        } catch (Exception e) {
            line.put("error", e.toString());
        }
        emit(line);
        return tags;
    }

    private void sendAsync(DefaultMQProducer producer, String tags, int from, int to) throws Exception {
        CountDownLatch pending = new CountDownLatch(to - from);
        for (int i = from; i < to; i++) {
            Map<String, Object> line = sentLine("async", tags, i);
            try {
                producer.send(message(tags, i), new SendCallback() {
                    @Override
                    public void onSuccess(SendResult result) {
                        fill(line, result);
                        emit(line);
                        pending.countDown();
                    }

                    @Override
                    public void onException(Throwable e) {
                        line.put("error", e.toString());
                        emit(line);
                        pending.countDown();
                    }
                }, SEND_TIMEOUT_MS);
            } catch (Exception e) {
                line.put("error", e.toString());
                emit(line);
                pending.countDown();
            }
        }
        if (!pending.await(SEND_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(pending.getCount() + " async send callbacks never ran");
        }
    }

    private void sendOneway(DefaultMQProducer producer, String tags, int i) {
        Map<String, Object> line = sentLine("oneway", tags, i);
        try {
            producer.sendOneway(message(tags, i));
        } catch (Exception e) {
            line.put("error", e.toString());
        }
        emit(line);
    }

    private static Map<String, Object> sentLine(String mode, String tags, int i) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "sent");
        line.put("mode", mode);
        line.put("i", i);
        line.put("keys", "1234" + i);
        line.put("tags", tags);
        line.put("status", null);
        line.put("msgId", null);
        line.put("queueId", null);
        line.put("queueOffset", null);
        line.put("error", null);
        return line;
    }

    private static void fill(Map<String, Object> line, SendResult r) {
        line.put("status", r.getSendStatus().name());
        line.put("msgId", r.getMsgId());
        line.put("queueId", r.getMessageQueue().getQueueId());
        line.put("queueOffset", r.getQueueOffset());
    }

    // ---- consuming -------------------------------------------------------------------------

    private static void consumed(String consumer, String consumerGroup, String bucket, MessageExt m) {
        SEEN.computeIfAbsent(bucket, k -> ConcurrentHashMap.newKeySet()).add(m.getKeys());
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "consumed");
        line.put("consumer", consumer);
        line.put("group", consumerGroup);
        line.put("topic", m.getTopic());
        line.put("tags", m.getTags());
        line.put("keys", m.getKeys());
        line.put("bodyHex", m.getBody() == null ? null : Bodies.hex(m.getBody()));
        line.put("msgId", m.getMsgId());
        line.put("queueId", m.getQueueId());
        line.put("queueOffset", m.getQueueOffset());
        line.put("reconsumeTimes", m.getReconsumeTimes());
        line.put("latencyMs", System.currentTimeMillis() - m.getBornTimestamp());
        emit(line);
    }

    private static boolean reached(Map<String, Integer> expected) {
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            Set<String> seen = SEEN.get(e.getKey());
            if (seen == null || seen.size() < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private boolean awaitAll(Map<String, Integer> expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMs;
        while (!reached(expected)) {
            if (System.currentTimeMillis() > deadline) {
                System.err.println("PayFlow: expected " + expected + " distinct messages within " + waitMs + " ms");
                done(false, expected);
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Queue ids of the topic a push consumer currently holds (its live process queues). */
    private Set<Integer> heldQueues(DefaultMQPushConsumer c) {
        Set<Integer> held = new TreeSet<>();
        for (Map.Entry<MessageQueue, ProcessQueue> e : c.getDefaultMQPushConsumerImpl().getRebalanceImpl()
            .getProcessQueueTable().entrySet()) {
            if (e.getKey().getTopic().equals(topic) && !e.getValue().isDropped()) {
                held.add(e.getKey().getQueueId());
            }
        }
        return held;
    }

    private boolean awaitAssignment(List<Member> members) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMs;
        String lastSnapshot = "";
        long settledSince = Long.MAX_VALUE;
        while (true) {
            // Members of one bucket must hold disjoint, non-empty queue sets that cover the topic,
            // unchanged for 200 ms (a rebalance adds and removes queues one at a time).
            Map<String, Set<Integer>> union = new LinkedHashMap<>();
            Map<String, Integer> total = new LinkedHashMap<>();
            StringBuilder snapshot = new StringBuilder();
            boolean settled = true;
            for (Member m : members) {
                Set<Integer> held = heldQueues(m.consumer);
                snapshot.append(m.name).append(held);
                settled &= !held.isEmpty();
                union.computeIfAbsent(m.bucket, k -> new TreeSet<>()).addAll(held);
                total.merge(m.bucket, held.size(), Integer::sum);
            }
            for (String bucket : union.keySet()) {
                settled &= union.get(bucket).size() == queues && total.get(bucket) == queues;
            }
            long now = System.currentTimeMillis();
            if (!settled || !snapshot.toString().equals(lastSnapshot)) {
                settledSince = settled ? now : Long.MAX_VALUE;
                lastSnapshot = snapshot.toString();
            } else if (now - settledSince >= 200) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                for (Member m : members) {
                    System.err.println("PayFlow: " + m.name + " of " + m.consumer.getConsumerGroup() + " holds queues "
                        + heldQueues(m.consumer));
                }
                System.err.println("PayFlow: the consumers did not settle on the topic's " + queues + " queues within "
                    + waitMs + " ms");
                done(false, Map.of());
                return false;
            }
            Thread.sleep(20);
        }
        for (Member m : members) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("event", "assigned");
            line.put("consumer", m.name);
            line.put("group", m.consumer.getConsumerGroup());
            line.put("queues", new ArrayList<>(heldQueues(m.consumer)));
            emit(line);
        }
        return true;
    }

    // ---- output ----------------------------------------------------------------------------

    private static void phase(String name) {
        Flows.phase(name, T0);
    }

    private static void done(boolean ok, Map<String, Integer> expected) {
        Map<String, Object> got = new LinkedHashMap<>();
        for (Map.Entry<String, Set<String>> e : SEEN.entrySet()) {
            got.put(e.getKey(), e.getValue().size());
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "done");
        line.put("ok", ok);
        line.put("expected", expected);
        line.put("got", got);
        line.put("ms", System.currentTimeMillis() - T0);
        emit(line);
    }

    private static void emit(Map<String, Object> line) {
        Flows.emit(line);
    }
}
