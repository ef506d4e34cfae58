package io.rocketmqts.interop;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * Sends one message after another with the real DefaultMQProducer 4.8.0 for {@code --duration-ms}
 * (synchronous sends, the client's own retries and route refreshes), printing per attempt when
 * it was answered and how: {@code {"i","key","at","status","msgId","offsetMsgId","queueId",
 * "queueOffset","brokerName","millis"}} (status "ERROR" plus "error" when the send threw). The
 * failover tests read the write outage from it: the last SEND_OK before a broker is killed to
 * the first SEND_OK after. {@code --poll-namesrv-ms} sets the client's route poll
 * (pollNameServerInterval), the only way a 4.x client learns that another broker is now master.
 */
public final class ContinuousSend {

    private static final String USAGE = "usage: ContinuousSend --namesrv host:port --topic T --duration-ms D [--group G] [--send-timeout-ms M] [--pause-ms P] [--poll-namesrv-ms M]";

    private ContinuousSend() {
    }

    public static void main(String[] argv) {
        try {
            CliArgs args = new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "duration-ms", "group", "send-timeout-ms", "pause-ms", "poll-namesrv-ms"), argv);
            DefaultMQProducer producer = new DefaultMQProducer(args.string("group", "rmqts_interop_continuous"));
            producer.setNamesrvAddr(args.required("namesrv"));
            producer.setInstanceName("rmqts-continuous-" + ProcessHandle.current().pid());
            producer.setVipChannelEnabled(false);
            producer.setSendMsgTimeout(args.integer("send-timeout-ms", 3_000));
            // A 4.x client learns a new master only from its periodic route poll (30 s by default).
            producer.setPollNameServerInterval(args.integer("poll-namesrv-ms", 30_000));
            producer.start();
            try {
                String topic = args.required("topic");
                long end = System.currentTimeMillis() + args.integer("duration-ms", 10_000);
                int pause = args.integer("pause-ms", 10);
                for (int i = 0; System.currentTimeMillis() < end; i++) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    String key = "cs-" + i;
                    line.put("i", i);
                    line.put("key", key);
                    long started = System.nanoTime();
                    try {
                        Message message = new Message(topic, ("continuous-" + i).getBytes("UTF-8"));
                        message.setKeys(key);
                        SendResult result = producer.send(message);
                        line.put("status", result.getSendStatus().name());
                        line.put("msgId", result.getMsgId());
                        line.put("offsetMsgId", result.getOffsetMsgId());
                        line.put("queueId", result.getMessageQueue().getQueueId());
                        line.put("queueOffset", result.getQueueOffset());
                        line.put("brokerName", result.getMessageQueue().getBrokerName());
                    } catch (Exception e) {
                        line.put("status", "ERROR");
                        line.put("error", e.toString());
                    }
                    line.put("at", System.currentTimeMillis());
                    line.put("millis", (System.nanoTime() - started) / 1_000_000);
                    JsonLines.write(line);
                    JsonLines.flush();
                    if (pause > 0) {
                        Thread.sleep(pause);
                    }
                }
            } finally {
                producer.shutdown();
            }
            JsonLines.flush();
            System.exit(0);
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("ContinuousSend failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }
}
