package io.rocketmqts.v5;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.ConsumeResult;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.PushConsumer;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.Message;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.SendReceipt;
import org.apache.rocketmq.client.apis.producer.Transaction;
import org.apache.rocketmq.client.apis.producer.TransactionResolution;

/**
 * The official v5 Java client (rocketmq-client-java) driven through the scenarios the interop
 * test asserts on, against whatever serves the v5 gRPC protocol at ENDPOINTS (our broker, or
 * Apache's proxy for the differential). Prints one JSON object per scenario on stdout; the
 * assertions live in the test, so both servers are judged by the same code.
 *
 * Usage: V5Flow ENDPOINTS SCENARIO[,SCENARIO...] NAME_PREFIX [COUNT]
 *   Topics are NAME_PREFIX_{simple,fifo,delay,tx,plain}; groups NAME_PREFIX_g{...}. The caller
 *   creates them (the fifo group with consumeMessageOrderly).
 * Scenarios: simple, fifo, delay, tx, produce (COUNT messages to _plain), consume (COUNT from _plain).
 * -Dv5.ssl=true connects with TLS (the client trusts any server certificate); plain otherwise.
 */
public final class V5Flow {
  private static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();
  private static ClientConfiguration config;

  public static void main(String[] args) throws Exception {
    config = ClientConfiguration.newBuilder().setEndpoints(args[0]).enableSsl(Boolean.getBoolean("v5.ssl")).setRequestTimeout(Duration.ofSeconds(30)).build();
    String prefix = args[2];
    int count = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    for (String scenario : args[1].split(",")) {
      String out;
      switch (scenario) {
        case "simple": out = simple(prefix + "_simple", prefix + "_gsimple"); break;
        case "fifo": out = fifo(prefix + "_fifo", prefix + "_gfifo"); break;
        case "delay": out = delay(prefix + "_delay", prefix + "_gdelay"); break;
        case "tx": out = transaction(prefix + "_tx", prefix + "_gtx"); break;
        case "produce": out = produce(prefix + "_plain", count); break;
        case "consume": out = consume(prefix + "_plain", prefix + "_gplain", count); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      System.out.println("{\"scenario\":" + q(scenario) + "," + out + "}");
      System.out.flush();
    }
    System.exit(0);
  }

  private static Producer producer(String topic, Map<String, String> checked) throws Exception {
    var builder = PROVIDER.newProducerBuilder().setClientConfiguration(config).setTopics(topic);
    if (checked != null) {
      builder.setTransactionChecker(view -> {
        String decision = view.getProperties().getOrDefault("decision", "");
        checked.put(view.getMessageId().toString(), decision);
        return "commit".equals(decision) ? TransactionResolution.COMMIT : TransactionResolution.ROLLBACK;
      });
    }
    return builder.build();
  }

  private static SimpleConsumer simpleConsumer(String topic, String group) throws Exception {
    return PROVIDER.newSimpleConsumerBuilder().setClientConfiguration(config).setConsumerGroup(group).setAwaitDuration(Duration.ofSeconds(3))
        .setSubscriptionExpressions(Collections.singletonMap(topic, new FilterExpression("*", FilterExpressionType.TAG))).build();
  }

  private static List<MessageView> receive(SimpleConsumer consumer, int want, long withinMillis, Duration invisible) throws Exception {
    List<MessageView> got = new ArrayList<>();
    long deadline = System.currentTimeMillis() + withinMillis;
    while (got.size() < want && System.currentTimeMillis() < deadline) got.addAll(consumer.receive(16, invisible));
    return got;
  }

  /** Normal sends; receive, ack, changeInvisibleDuration; the unacked one comes back with attempt 2. */
  private static String simple(String topic, String group) throws Exception {
    List<String> sent = new ArrayList<>();
    try (Producer producer = producer(topic, null)) {
      for (int i = 0; i < 8; i++) {
        Message m = PROVIDER.newMessageBuilder().setTopic(topic).setTag(i % 2 == 0 ? "even" : "odd").setKeys("key-" + i).addProperty("idx", String.valueOf(i))
            .setBody(("body-" + i).getBytes(StandardCharsets.UTF_8)).build();
        sent.add(producer.send(m).getMessageId().toString());
      }
    }
    try (SimpleConsumer consumer = simpleConsumer(topic, group)) {
      // 10 s: the least invisible time Apache's proxy accepts (minInvisibleTimeMillsForRecv).
      List<MessageView> first = receive(consumer, 8, 60_000, Duration.ofSeconds(10));
      first.sort((a, b) -> Integer.compare(Integer.parseInt(a.getProperties().get("idx")), Integer.parseInt(b.getProperties().get("idx"))));
      for (int i = 0; i < Math.min(6, first.size()); i++) consumer.ack(first.get(i));
      if (first.size() == 8) consumer.changeInvisibleDuration(first.get(6), Duration.ofSeconds(30));
      List<MessageView> back = receive(consumer, 1, 30_000, Duration.ofSeconds(30));
      for (MessageView m : back) consumer.ack(m);
      if (first.size() == 8) consumer.ack(first.get(6)); // with the handle changeInvisibleDuration gave
      List<MessageView> after = consumer.receive(16, Duration.ofSeconds(30));
      return "\"sent\":" + list(sent) + ",\"first\":" + views(first) + ",\"back\":" + views(back) + ",\"after\":" + views(after);
    }
  }

  /** Three message groups of four on an orderly group; the first delivery of g1's #1 fails. */
  private static String fifo(String topic, String group) throws Exception {
    try (Producer producer = producer(topic, null)) {
      for (int i = 0; i < 4; i++) {
        for (int g = 0; g < 3; g++) {
          producer.send(PROVIDER.newMessageBuilder().setTopic(topic).setMessageGroup("g" + g).addProperty("seq", String.valueOf(i))
              .setBody(("g" + g + "-" + i).getBytes(StandardCharsets.UTF_8)).build());
        }
      }
    }
    List<String> events = new CopyOnWriteArrayList<>();
    Map<String, Boolean> done = new ConcurrentHashMap<>();
    PushConsumer consumer = PROVIDER.newPushConsumerBuilder().setClientConfiguration(config).setConsumerGroup(group)
        .setSubscriptionExpressions(Collections.singletonMap(topic, new FilterExpression("*", FilterExpressionType.TAG)))
        .setMessageListener(view -> {
          String body = StandardCharsets.UTF_8.decode(view.getBody()).toString();
          boolean fail = body.equals("g1-1") && view.getDeliveryAttempt() == 1;
          events.add(view.getMessageGroup().orElse("") + ":" + view.getProperties().get("seq") + ":" + view.getDeliveryAttempt() + ":" + (fail ? "fail" : "ok"));
          if (!fail) done.put(body, true);
          return fail ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
        }).build();
    long deadline = System.currentTimeMillis() + 60_000;
    while (done.size() < 12 && System.currentTimeMillis() < deadline) Thread.sleep(200);
    Thread.sleep(2000); // a late duplicate would show here
    consumer.close();
    return "\"events\":" + list(events);
  }

  /** Two messages with a delivery timestamp 4 s ahead: received at or after it. */
  private static String delay(String topic, String group) throws Exception {
    long deliverAt = System.currentTimeMillis() + 4000;
    try (Producer producer = producer(topic, null)) {
      for (int i = 0; i < 2; i++) {
        producer.send(PROVIDER.newMessageBuilder().setTopic(topic).setDeliveryTimestamp(deliverAt).setBody(("delay-" + i).getBytes(StandardCharsets.UTF_8)).build());
      }
    }
    try (SimpleConsumer consumer = simpleConsumer(topic, group)) {
      List<MessageView> got = receive(consumer, 2, 40_000, Duration.ofSeconds(30));
      long receivedAt = System.currentTimeMillis();
      for (MessageView m : got) consumer.ack(m);
      return "\"deliverAt\":" + deliverAt + ",\"receivedAt\":" + receivedAt + ",\"messages\":" + views(got);
    }
  }

  /** Commit, rollback, and two left unknown for the checker (commit, rollback). */
  private static String transaction(String topic, String group) throws Exception {
    Map<String, String> checked = new ConcurrentHashMap<>();
    Map<String, String> ids = new HashMap<>();
    try (Producer producer = producer(topic, checked); SimpleConsumer consumer = simpleConsumer(topic, group)) {
      String[][] plan = {{"committed", "rollback", "commit"}, {"rolled-back", "commit", "rollback"}, {"checked-commit", "commit", ""}, {"checked-rollback", "rollback", ""}};
      for (String[] p : plan) {
        Transaction tx = producer.beginTransaction();
        SendReceipt receipt = producer.send(PROVIDER.newMessageBuilder().setTopic(topic).addProperty("decision", p[1]).setBody(p[0].getBytes(StandardCharsets.UTF_8)).build(), tx);
        ids.put(p[0], receipt.getMessageId().toString());
        if (p[2].equals("commit")) tx.commit();
        if (p[2].equals("rollback")) tx.rollback();
      }
      List<MessageView> got = receive(consumer, 2, 60_000, Duration.ofSeconds(30));
      for (MessageView m : got) consumer.ack(m);
      got.addAll(receive(consumer, 1, 6_000, Duration.ofSeconds(30)));
      StringBuilder c = new StringBuilder("{");
      for (var e : checked.entrySet()) c.append(c.length() > 1 ? "," : "").append(q(e.getKey())).append(':').append(q(e.getValue()));
      StringBuilder i = new StringBuilder("{");
      for (var e : ids.entrySet()) i.append(i.length() > 1 ? "," : "").append(q(e.getKey())).append(':').append(q(e.getValue()));
      return "\"ids\":" + i + "},\"checked\":" + c + "},\"received\":" + views(got);
    }
  }

  private static String produce(String topic, int count) throws Exception {
    List<String> sent = new ArrayList<>();
    try (Producer producer = producer(topic, null)) {
      for (int i = 0; i < count; i++) {
        Message m = PROVIDER.newMessageBuilder().setTopic(topic).setTag("TagV5").setKeys("v5-key-" + i).addProperty("idx", String.valueOf(i))
            .setBody(("v5-body-" + i).getBytes(StandardCharsets.UTF_8)).build();
        sent.add(producer.send(m).getMessageId().toString());
      }
    }
    return "\"sent\":" + list(sent);
  }

  private static String consume(String topic, String group, int count) throws Exception {
    try (SimpleConsumer consumer = simpleConsumer(topic, group)) {
      List<MessageView> got = receive(consumer, count, 60_000, Duration.ofSeconds(30));
      for (MessageView m : got) consumer.ack(m);
      return "\"messages\":" + views(got);
    }
  }

  private static String views(List<MessageView> views) {
    List<String> out = new ArrayList<>();
    for (MessageView v : views) {
      StringBuilder props = new StringBuilder("{");
      for (var e : v.getProperties().entrySet()) props.append(props.length() > 1 ? "," : "").append(q(e.getKey())).append(':').append(q(e.getValue()));
      out.add("{\"id\":" + q(v.getMessageId().toString()) + ",\"body\":" + q(StandardCharsets.UTF_8.decode(v.getBody()).toString()) + ",\"tag\":" + q(v.getTag().orElse(""))
          + ",\"keys\":" + list(new ArrayList<>(v.getKeys())) + ",\"group\":" + q(v.getMessageGroup().orElse("")) + ",\"attempt\":" + v.getDeliveryAttempt()
          + ",\"deliveryTimestamp\":" + v.getDeliveryTimestamp().orElse(0L) + ",\"properties\":" + props + "}}");
    }
    return "[" + String.join(",", out) + "]";
  }

  private static String list(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String s : items) quoted.add(q(s));
    return "[" + String.join(",", quoted) + "]";
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}
