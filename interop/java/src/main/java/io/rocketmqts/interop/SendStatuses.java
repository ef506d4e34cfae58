package io.rocketmqts.interop;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * Sends N small messages with the real DefaultMQProducer 4.8.0 (synchronous sends, no retry on a
 * non-OK store status, as the client's default) and prints, per message, the SendStatus the client
 * made of the broker's answer: {@code {"i","status","msgId","offsetMsgId","millis"}}. Unlike
 * ProduceMessages it does not fail on FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE / FLUSH_DISK_TIMEOUT:
 * those are what replication tests look for. A send that throws is printed with status "ERROR".
 */
public final class SendStatuses {

    private static final String USAGE = "usage: SendStatuses --namesrv host:port --topic T --count N [--group G] [--send-timeout-ms M]";

    private SendStatuses() {
    }

    public static void main(String[] argv) {
        try {
            CliArgs args = new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "count", "group", "send-timeout-ms"), argv);
            DefaultMQProducer producer = new DefaultMQProducer(args.string("group", "rmqts_interop_statuses"));
            producer.setNamesrvAddr(args.required("namesrv"));
            producer.setInstanceName("rmqts-statuses-" + ProcessHandle.current().pid());
            producer.setVipChannelEnabled(false);
            producer.setSendMsgTimeout(args.integer("send-timeout-ms", 15_000));
            producer.start();
            try {
                String topic = args.required("topic");
                int count = args.integer("count", 1);
                for (int i = 0; i < count; i++) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("i", i);
                    long started = System.nanoTime();
                    try {
                        SendResult result = producer.send(new Message(topic, ("status-" + i).getBytes("UTF-8")));
                        line.put("status", result.getSendStatus().name());
                        line.put("msgId", result.getMsgId());
                        line.put("offsetMsgId", result.getOffsetMsgId());
                    } catch (Exception e) {
                        line.put("status", "ERROR");
                        line.put("error", e.toString());
                    }
                    line.put("millis", (System.nanoTime() - started) / 1_000_000);
                    JsonLines.write(line);
                }
            } finally {
                producer.shutdown();
            }
            JsonLines.flush();
            System.exit(0);
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("SendStatuses failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }
}
