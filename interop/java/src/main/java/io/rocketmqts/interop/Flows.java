package io.rocketmqts.interop;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;

/** What the scenario runners (PayFlow, RetryFlow) share: topic setup and JSON-lines events. */
final class Flows {
    private Flows() {}

    /** Creates the topic with `queues` queues on every master (UPDATE_AND_CREATE_TOPIC) and waits for its route. */
    static void createTopic(DefaultMQProducer producer, String topic, int queues, long waitMs) throws Exception {
        producer.createTopic(producer.getCreateTopicKey(), topic, queues);
        long deadline = System.currentTimeMillis() + waitMs;
        while (true) {
            try {
                if (producer.fetchPublishMessageQueues(topic).size() == queues) {
                    return;
                }
            } catch (MQClientException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no route " + waitMs + " ms after createTopic", e);
                }
            }
            Thread.sleep(50);
        }
    }

    /** A {"event":"phase","name":…,"ms":…} line: milliseconds since `t0`. */
    static void phase(String name, long t0) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "phase");
        line.put("name", name);
        line.put("ms", System.currentTimeMillis() - t0);
        emit(line);
    }

    static synchronized void emit(Map<String, Object> line) {
        JsonLines.write(line);
    }
}
