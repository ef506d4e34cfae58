package io.rocketmqts.interop;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Message trace with the real Java client 4.8.0 ({@code enableMsgTrace}):
 * {@code TraceFlow --namesrv host:port --topic T --group G --count N [--trace-topic TT]}.
 * A traced producer (group G_p) sends N messages (tag TagA, keys "key-&lt;i&gt;"), a traced push
 * consumer (group G_c, CONSUME_FROM_FIRST_OFFSET) consumes them; both shut down, which flushes
 * their trace dispatchers. Prints {@code sent} (i, msgId, offsetMsgId, keys), {@code consumed}
 * (msgId, reconsumeTimes) and {@code done}. With --trace-topic the clients write to that topic
 * instead of RMQ_SYS_TRACE_TOPIC.
 */
public final class TraceFlow {

    private static final long PID = ProcessHandle.current().pid();

    public static void main(String[] args) throws Exception {
        CliArgs cli = new CliArgs("TraceFlow --namesrv host:port --topic T --group G --count N [--trace-topic TT]",
            CliArgs.names("namesrv", "topic", "group", "count", "trace-topic"), args);
        String namesrv = cli.required("namesrv");
        String topic = cli.required("topic");
        String group = cli.required("group");
        int count = cli.integer("count", 4);
        String traceTopic = cli.string("trace-topic", null);
        long t0 = System.currentTimeMillis();

        DefaultMQProducer producer = new DefaultMQProducer(group + "_p", true, traceTopic);
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("trace-producer-" + PID);
        producer.setVipChannelEnabled(false);
        producer.start();
        Flows.createTopic(producer, topic, 2, 20_000);

        Map<String, Integer> consumed = new ConcurrentHashMap<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group + "_c", true, traceTopic);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName("trace-consumer-" + PID);
        consumer.setVipChannelEnabled(false);
        consumer.setPollNameServerInterval(1000);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                consumed.put(m.getMsgId(), m.getReconsumeTimes());
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();

        for (int i = 0; i < count; i++) {
            Message m = new Message(topic, "TagA", "key-" + i, ("traced-" + i).getBytes(StandardCharsets.UTF_8));
            SendResult r = producer.send(m, 10_000);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("event", "sent");
            line.put("i", i);
            line.put("msgId", r.getMsgId());
            line.put("offsetMsgId", r.getOffsetMsgId());
            line.put("keys", "key-" + i);
            line.put("status", r.getSendStatus().name());
            Flows.emit(line);
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (consumed.size() < count && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        for (Map.Entry<String, Integer> e : consumed.entrySet()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("event", "consumed");
            line.put("msgId", e.getKey());
            line.put("reconsumeTimes", e.getValue());
            Flows.emit(line);
        }
        // Let the consumer's SubAfter records reach the dispatcher, then flush both on shutdown.
        Thread.sleep(500);
        consumer.shutdown();
        producer.shutdown();
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("event", "done");
        done.put("ok", consumed.size() >= count);
        done.put("ms", System.currentTimeMillis() - t0);
        Flows.emit(done);
        JsonLines.flush();
        System.exit(consumed.size() >= count ? 0 : 2);
    }
}
