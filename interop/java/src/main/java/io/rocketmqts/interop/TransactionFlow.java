package io.rocketmqts.interop;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Transactional messages with the real Java client 4.8.0 ({@code TransactionMQProducer}), one
 * scenario per JVM: {@code TransactionFlow <scenario> --namesrv host:port --topic T --group G
 * --consumer-group C [--count N] [--wait-ms MS] [--grace-ms MS]}. Output: JSON lines with an
 * {@code event} field:
 * <ul>
 * <li>{@code sent}: keys, status, localState, msgId, offsetMsgId, transactionId, queueId, queueOffset, error</li>
 * <li>{@code checked}: keys, msgId, transactionId, answer, checkTimes (TRANSACTION_CHECK_TIMES), topic, queueId, receivedMs</li>
 * <li>{@code consumed}: topic, queueId, queueOffset, tags, keys, bodyHex, msgId, sysFlag,
 * preparedTransactionOffset, reconsumeTimes, receivedMs, properties</li>
 * <li>{@code phase}: name, ms; {@code done}: ok, ms</li>
 * </ul>
 * Message i of kind K is {@code new Message(topic, "TagA", K + "-" + i, Bodies.body(i, 64))}; the
 * local transaction answers by kind: commit → COMMIT_MESSAGE, rollback → ROLLBACK_MESSAGE,
 * unknow/orphan → UNKNOW. The checker answers unknow-i and orphan-i with COMMIT_MESSAGE for even
 * i and ROLLBACK_MESSAGE for odd i (and UNKNOW for anything else). Scenarios:
 * <ul>
 * <li>{@code flow}: a push consumer (group C, CONSUME_FROM_LAST_OFFSET) holds the topic's 4 queues;
 * N commit, N rollback and N unknow messages are sent in transactions; waits for every commit and
 * even unknow message to be consumed and every unknow message to be checked, then --grace-ms more
 * (a rolled back message or a second delivery would show).</li>
 * <li>{@code send-and-halt}: sends N orphan messages (local state UNKNOW), then halts the JVM at
 * once (Runtime.halt), before any check-back: the producer dies between send and END_TRANSACTION.</li>
 * <li>{@code resolve}: starts the consumer, then a producer of the same group G that only answers
 * check-backs; waits for the N even orphans to be consumed and all N orphans to be checked.</li>
 * </ul>
 */
public final class TransactionFlow {
    private static final String USAGE = "usage: TransactionFlow flow|send-and-halt|resolve --namesrv host:port --topic T --group G"
        + " --consumer-group C [--count N] [--wait-ms MS] [--grace-ms MS]";
    private static final int BODY_SIZE = 64;
    private static final int QUEUES = 4;
    private static final long T0 = System.currentTimeMillis();
    private static final long PID = ProcessHandle.current().pid();

    private final String namesrv;
    private final String topic;
    private final String group;
    private final String consumerGroup;
    private final int count;
    private final long waitMs;
    private final long graceMs;
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final Set<String> checked = ConcurrentHashMap.newKeySet();

    private TransactionFlow(CliArgs args) {
        namesrv = args.required("namesrv");
        topic = args.required("topic");
        group = args.required("group");
        consumerGroup = args.required("consumer-group");
        count = args.integer("count", 3);
        waitMs = args.longValue("wait-ms", 60_000);
        graceMs = args.longValue("grace-ms", 3_000);
    }

    public static void main(String[] argv) {
        System.setProperty("rocketmq.client.rebalance.waitInterval", "1000");
        int code;
        try {
            if (argv.length == 0 || argv[0].startsWith("-")) {
                throw new IllegalArgumentException("the scenario is missing\n" + USAGE);
            }
            CliArgs args = new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "group", "consumer-group", "count", "wait-ms", "grace-ms"),
                Arrays.copyOfRange(argv, 1, argv.length));
            TransactionFlow flow = new TransactionFlow(args);
            switch (argv[0]) {
                case "flow":
                    code = flow.flow();
                    break;
                case "send-and-halt":
                    flow.sendAndHalt();
                    code = 0;
                    break;
                case "resolve":
                    code = flow.resolve();
                    break;
                default:
                    throw new IllegalArgumentException("unknown scenario '" + argv[0] + "'\n" + USAGE);
            }
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("TransactionFlow failed: " + e);
            e.printStackTrace(System.err);
            code = 1;
        }
        JsonLines.flush();
        System.exit(code);
    }

    private int flow() throws Exception {
        TransactionMQProducer producer = startProducer();
        DefaultMQPushConsumer consumer = null;
        try {
            Flows.createTopic(producer, topic, QUEUES, waitMs);
            phase("topic-created");
            consumer = startConsumer();
            for (String kind : new String[] {"commit", "rollback", "unknow"}) {
                for (int i = 0; i < count; i++) {
                    send(producer, kind, i);
                }
            }
            phase("sent");
            int expected = count + (count + 1) / 2;
            if (!await(expected, count)) {
                return 2;
            }
            phase("all-delivered");
            Thread.sleep(graceMs);
            phase("grace-over");
            done(true);
            return 0;
        } finally {
            if (consumer != null) {
                consumer.shutdown();
            }
            producer.shutdown();
        }
    }

    private void sendAndHalt() throws Exception {
        TransactionMQProducer producer = startProducer();
        Flows.createTopic(producer, topic, QUEUES, waitMs);
        phase("topic-created");
        for (int i = 0; i < count; i++) {
            send(producer, "orphan", i);
        }
        phase("sent");
        JsonLines.flush();
        // Dies like a crashed process: no shutdown hooks, no UNREGISTER_CLIENT, no END_TRANSACTION pending.
        Runtime.getRuntime().halt(0);
    }

    private int resolve() throws Exception {
        DefaultMQPushConsumer consumer = startConsumer();
        TransactionMQProducer producer = null;
        try {
            producer = startProducer();
            phase("producer-started");
            if (!await((count + 1) / 2, count)) {
                return 2;
            }
            phase("all-delivered");
            Thread.sleep(graceMs);
            phase("grace-over");
            done(true);
            return 0;
        } finally {
            if (producer != null) {
                producer.shutdown();
            }
            consumer.shutdown();
        }
    }

    private TransactionMQProducer startProducer() throws Exception {
        TransactionMQProducer producer = new TransactionMQProducer(group);
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("tx-producer-" + PID);
        producer.setVipChannelEnabled(false);
        producer.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                String kind = msg.getKeys().substring(0, msg.getKeys().indexOf('-'));
                switch (kind) {
                    case "commit":
                        return LocalTransactionState.COMMIT_MESSAGE;
                    case "rollback":
                        return LocalTransactionState.ROLLBACK_MESSAGE;
                    default:
                        return LocalTransactionState.UNKNOW;
                }
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                String keys = msg.getKeys();
                LocalTransactionState answer = LocalTransactionState.UNKNOW;
                if (keys != null && (keys.startsWith("unknow-") || keys.startsWith("orphan-"))) {
                    int i = Integer.parseInt(keys.substring(keys.indexOf('-') + 1));
                    answer = i % 2 == 0 ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
                }
                checked.add(String.valueOf(keys));
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("event", "checked");
                line.put("keys", keys);
                line.put("msgId", msg.getMsgId());
                line.put("transactionId", msg.getTransactionId());
                line.put("answer", answer.name());
                line.put("checkTimes", msg.getProperty("TRANSACTION_CHECK_TIMES"));
                line.put("topic", msg.getTopic());
                line.put("queueId", msg.getQueueId());
                line.put("receivedMs", System.currentTimeMillis());
                Flows.emit(line);
                return answer;
            }
        });
        producer.start();
        return producer;
    }

    private DefaultMQPushConsumer startConsumer() throws Exception {
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(consumerGroup);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName("tx-consumer-" + PID);
        consumer.setVipChannelEnabled(false);
        consumer.setPollNameServerInterval(1000);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                deliveries.computeIfAbsent(String.valueOf(m.getKeys()), k -> new AtomicInteger()).incrementAndGet();
                consumed(m);
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        phase("consumer-started");
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
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the consumer holds " + held + " of " + QUEUES + " queues after " + waitMs + " ms");
            }
            Thread.sleep(20);
        }
        phase("queues-assigned");
        return consumer;
    }

    private void send(TransactionMQProducer producer, String kind, int i) {
        String keys = kind + "-" + i;
        Message message = new Message(topic, "TagA", keys, Bodies.body(i, BODY_SIZE));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "sent");
        line.put("keys", keys);
        line.put("status", null);
        line.put("localState", null);
        line.put("msgId", null);
        line.put("offsetMsgId", null);
        line.put("transactionId", null);
        line.put("queueId", null);
        line.put("queueOffset", null);
        line.put("error", null);
        try {
            TransactionSendResult r = producer.sendMessageInTransaction(message, null);
            line.put("status", r.getSendStatus().name());
            line.put("localState", r.getLocalTransactionState().name());
            line.put("msgId", r.getMsgId());
            line.put("offsetMsgId", r.getOffsetMsgId());
            line.put("transactionId", r.getTransactionId());
            line.put("queueId", r.getMessageQueue().getQueueId());
            line.put("queueOffset", r.getQueueOffset());
        } catch (Exception e) {
            line.put("error", e.toString());
        }
        Flows.emit(line);
    }

    private void consumed(MessageExt m) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "consumed");
        line.put("topic", m.getTopic());
        line.put("queueId", m.getQueueId());
        line.put("queueOffset", m.getQueueOffset());
        line.put("tags", m.getTags());
        line.put("keys", m.getKeys());
        line.put("bodyHex", m.getBody() == null ? null : Bodies.hex(m.getBody()));
        line.put("msgId", m.getMsgId());
        line.put("sysFlag", m.getSysFlag());
        line.put("preparedTransactionOffset", m.getPreparedTransactionOffset());
        line.put("reconsumeTimes", m.getReconsumeTimes());
        line.put("receivedMs", System.currentTimeMillis());
        line.put("properties", new TreeMap<>(m.getProperties()));
        Flows.emit(line);
    }

    /** Waits until `consumedKeys` distinct keys were consumed and `checks` distinct unknow/orphan keys were checked. */
    private boolean await(int consumedKeys, int checks) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMs;
        while (deliveries.size() < consumedKeys || checkedCount() < checks) {
            if (System.currentTimeMillis() > deadline) {
                System.err.println("TransactionFlow: " + deliveries.size() + " of " + consumedKeys + " keys consumed, "
                    + checkedCount() + " of " + checks + " checked within " + waitMs + " ms: " + deliveries.keySet() + " " + checked);
                done(false);
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private int checkedCount() {
        int n = 0;
        for (String keys : checked) {
            if (keys.startsWith("unknow-") || keys.startsWith("orphan-")) {
                n++;
            }
        }
        return n;
    }

    private static void phase(String name) {
        Flows.phase(name, T0);
    }

    private static void done(boolean ok) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "done");
        line.put("ok", ok);
        line.put("ms", System.currentTimeMillis() - T0);
        Flows.emit(line);
    }
}
