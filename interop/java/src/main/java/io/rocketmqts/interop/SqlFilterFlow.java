package io.rocketmqts.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * SQL92 filtering with the real Java client 4.8.0 ({@code MessageSelector.bySql}):
 * {@code SqlFilterFlow --namesrv host:port --topic T --group G --exprs FILE --count N}.
 * FILE holds one base64 (UTF-8) expression per line. The program creates T (2 queues), sends N
 * messages whose user properties come from --props FILE (one base64 line per message,
 * "name=value" pairs separated by \u0001; an optional "TAGS" pair becomes the tag), then for each
 * expression:
 * <ul>
 * <li>pulls every queue from offset 0 with {@code DefaultMQPullConsumer.pull(mq, bySql(expr), …)}
 * (the expression travels in each pull header) and prints {@code pulled}: expr (index), keys, or
 * error (the response code of a refused pull);</li>
 * <li>starts a {@code DefaultMQPushConsumer} (CONSUME_FROM_FIRST_OFFSET, group G_&lt;index&gt;;
 * CHECK_CLIENT_CONFIG at start, the filter registered by heartbeat) and prints {@code started} or
 * {@code start-failed} with the response code; once every push consumer has received as many
 * messages as its pull did (or 20 s passed) and 1 s more, prints {@code pushed}: expr, keys.</li>
 * </ul>
 * Keys are "k&lt;i&gt;". Ends with {@code done}.
 */
public final class SqlFilterFlow {

    private static final long PID = ProcessHandle.current().pid();

    public static void main(String[] args) throws Exception {
        CliArgs cli = new CliArgs("SqlFilterFlow --namesrv host:port --topic T --group G --exprs FILE --props FILE",
            CliArgs.names("namesrv", "topic", "group", "exprs", "props"), args);
        String namesrv = cli.required("namesrv");
        String topic = cli.required("topic");
        String group = cli.required("group");
        List<String> exprs = decodeLines(cli.required("exprs"));
        List<String> props = decodeLines(cli.required("props"));
        long t0 = System.currentTimeMillis();

        DefaultMQProducer producer = new DefaultMQProducer(group + "_producer");
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("sql-producer-" + PID);
        producer.setVipChannelEnabled(false);
        producer.start();
        try {
            Flows.createTopic(producer, topic, 2, 20_000);
            for (int i = 0; i < props.size(); i++) {
                Message m = new Message(topic, ("body-" + i).getBytes(StandardCharsets.UTF_8));
                m.setKeys("k" + i);
                for (String pair : props.get(i).split("\u0001")) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        continue;
                    }
                    String name = pair.substring(0, eq);
                    String value = pair.substring(eq + 1);
                    if (name.equals("TAGS")) {
                        m.setTags(value);
                    } else {
                        m.putUserProperty(name, value);
                    }
                }
                SendResult r = producer.send(m, 10_000);
                if (r.getSendStatus() != SendStatus.SEND_OK) {
                    throw new IllegalStateException("send " + i + ": " + r);
                }
            }
        } finally {
            producer.shutdown();
        }
        Flows.phase("sent", t0);

        // Pull: the expression in each pull header.
        int[] pulledCount = new int[exprs.size()];
        DefaultMQPullConsumer puller = new DefaultMQPullConsumer(group + "_puller");
        puller.setNamesrvAddr(namesrv);
        puller.setInstanceName("sql-puller-" + PID);
        puller.setVipChannelEnabled(false);
        puller.start();
        try {
            Set<MessageQueue> queues = puller.fetchSubscribeMessageQueues(topic);
            // The client refuses SQL92 toward a broker whose version it has not learnt from a
            // heartbeat answer; a bare pull consumer has not sent one to this broker yet.
            MQClientInstance instance = MQClientManager.getInstance().getOrCreateMQClientInstance(puller);
            instance.updateTopicRouteInfoFromNameServer(topic);
            instance.sendHeartbeatToAllBrokerWithLock();
            for (int e = 0; e < exprs.size(); e++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("event", "pulled");
                line.put("expr", e);
                Set<String> keys = new TreeSet<>();
                try {
                    for (MessageQueue mq : queues) {
                        long offset = 0;
                        long max = puller.maxOffset(mq);
                        while (offset < max) {
                            PullResult r = puller.pull(mq, MessageSelector.bySql(exprs.get(e)), offset, 32, 10_000);
                            if (r.getPullStatus() == PullStatus.FOUND) {
                                for (MessageExt m : r.getMsgFoundList()) {
                                    keys.add(m.getKeys());
                                }
                            }
                            if (r.getNextBeginOffset() <= offset) {
                                break;
                            }
                            offset = r.getNextBeginOffset();
                        }
                    }
                    line.put("keys", new ArrayList<>(keys));
                    line.put("error", null);
                    pulledCount[e] = keys.size();
                } catch (MQClientException | org.apache.rocketmq.client.exception.MQBrokerException ex) {
                    line.put("keys", null);
                    line.put("error", ex instanceof MQClientException ? ((MQClientException) ex).getResponseCode()
                        : ((org.apache.rocketmq.client.exception.MQBrokerException) ex).getResponseCode());
                    pulledCount[e] = -1;
                }
                Flows.emit(line);
            }
        } finally {
            puller.shutdown();
        }
        Flows.phase("pulled", t0);

        // Push: CHECK_CLIENT_CONFIG at start, then the heartbeat-registered filter.
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        List<Set<String>> pushed = new ArrayList<>();
        try {
            for (int e = 0; e < exprs.size(); e++) {
                Set<String> keys = new ConcurrentSkipListSet<>();
                pushed.add(keys);
                DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group + "_" + e);
                consumer.setNamesrvAddr(namesrv);
                consumer.setInstanceName("sql-consumer-" + PID + "-" + e);
                consumer.setVipChannelEnabled(false);
                consumer.setPollNameServerInterval(1000);
                consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("expr", e);
                try {
                    consumer.subscribe(topic, MessageSelector.bySql(exprs.get(e)));
                    consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                        for (MessageExt m : msgs) {
                            keys.add(m.getKeys());
                        }
                        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
                    });
                    consumer.start();
                    consumers.add(consumer);
                    line.put("event", "started");
                    line.put("error", null);
                } catch (MQClientException ex) {
                    consumer.shutdown();
                    consumers.add(null);
                    line.put("event", "start-failed");
                    line.put("error", ex.getResponseCode());
                }
                Flows.emit(line);
            }
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                boolean all = true;
                for (int e = 0; e < exprs.size(); e++) {
                    if (consumers.get(e) != null && pulledCount[e] >= 0 && pushed.get(e).size() < pulledCount[e]) {
                        all = false;
                    }
                }
                if (all) {
                    break;
                }
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            for (int e = 0; e < exprs.size(); e++) {
                if (consumers.get(e) == null) {
                    continue;
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("event", "pushed");
                line.put("expr", e);
                line.put("keys", new ArrayList<>(new TreeSet<>(pushed.get(e))));
                Flows.emit(line);
            }
        } finally {
            for (DefaultMQPushConsumer c : consumers) {
                if (c != null) {
                    c.shutdown();
                }
            }
        }
        Flows.phase("pushed", t0);
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("event", "done");
        done.put("ok", true);
        done.put("ms", System.currentTimeMillis() - t0);
        Flows.emit(done);
        JsonLines.flush();
        System.exit(0);
    }

    private static List<String> decodeLines(String path) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) {
                out.add(new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
