package io.rocketmqts.pop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Apache rocketmq-client 5.5.0's recall over remoting (SendResult.getRecallHandle,
 * DefaultMQProducer.recallMessage: RECALL_MESSAGE 370) against a broker: three messages with a
 * deliver time 5 s ahead, the second recalled, a garbled handle tried, then a lite pull consumer
 * reads for up to 15 s; a recall of the first after its time is tried last. Prints one JSON line;
 * the assertions live in interop/test/recall-remoting.test.ts.
 *
 * Usage: RecallFlow NAMESRV TOPIC GROUP
 */
public final class RecallFlow {
  public static void main(String[] args) throws Exception {
    String topic = args[1];
    DefaultMQProducer producer = new DefaultMQProducer(args[2] + "_producer");
    producer.setNamesrvAddr(args[0]);
    producer.start();
    long base = System.currentTimeMillis() + 5000;
    Map<String, Long> due = new HashMap<>();
    List<String> handles = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Message m = new Message(topic, "TagA", ("later-" + i).getBytes(StandardCharsets.UTF_8));
      m.setDeliverTimeMs(base + i * 300L);
      due.put("later-" + i, base + i * 300L);
      SendResult result = producer.send(m);
      handles.add(result.getRecallHandle());
      ids.add(result.getMsgId());
    }
    String recalledId = producer.recallMessage(topic, handles.get(1));
    String garbled = errorOf(() -> producer.recallMessage(topic, "not-a-handle"));

    DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(args[2]);
    consumer.setNamesrvAddr(args[0]);
    consumer.subscribe(topic, "*");
    consumer.setPollTimeoutMillis(1000);
    consumer.start();
    List<String> received = new ArrayList<>();
    long deadline = base + 15_000;
    while (System.currentTimeMillis() < deadline && received.size() < 3) {
      for (MessageExt m : consumer.poll()) {
        String body = new String(m.getBody(), StandardCharsets.UTF_8);
        received.add("{\"body\":" + q(body) + ",\"lateBy\":" + (System.currentTimeMillis() - due.get(body)) + "}");
      }
    }
    String late = errorOf(() -> producer.recallMessage(topic, handles.get(0)));
    consumer.shutdown();
    producer.shutdown();

    List<String> quoted = new ArrayList<>();
    for (String h : handles) quoted.add(q(h));
    System.out.println("{\"handles\":[" + String.join(",", quoted) + "],\"recalledSendId\":" + q(ids.get(1)) + ",\"recalledId\":" + q(recalledId)
        + ",\"garbled\":" + q(garbled) + ",\"late\":" + q(late) + ",\"received\":[" + String.join(",", received) + "]}");
    System.out.flush();
    System.exit(0);
  }

  private interface Call {
    Object run() throws Exception;
  }

  private static String errorOf(Call call) {
    try {
      call.run();
      return "accepted";
    } catch (Exception e) {
      return String.valueOf(e.getMessage());
    }
  }

  private static String q(String s) {
    if (s == null) return "null";
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
  }
}
