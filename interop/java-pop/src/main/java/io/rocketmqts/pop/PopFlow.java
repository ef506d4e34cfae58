package io.rocketmqts.pop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.AckCallback;
import org.apache.rocketmq.client.consumer.AckResult;
import org.apache.rocketmq.client.consumer.PopCallback;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.header.AckMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.ChangeInvisibleTimeRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.ExtraInfoUtil;
import org.apache.rocketmq.remoting.protocol.header.PopMessageRequestHeader;

/**
 * Apache rocketmq-client 5.5.0's own POP calls (MQClientAPIImpl.popMessageAsync, ackMessageAsync,
 * changeInvisibleTimeAsync: POP_MESSAGE, ACK_MESSAGE, CHANGE_MESSAGE_INVISIBLETIME) against a
 * broker: six messages popped with a 3 s invisible time, four acked, one given 30 s more (its old
 * receipt then refused), the last one back after 3 s with reconsumeTimes 1, then nothing. Prints
 * one JSON line; the assertions live in interop/test/pop-remoting.test.ts.
 *
 * Usage: PopFlow NAMESRV BROKER_ADDR BROKER_NAME TOPIC GROUP
 */
public final class PopFlow {
  private static MQClientAPIImpl api;
  private static String brokerAddr;
  private static String brokerName;
  private static String topic;
  private static String group;

  public static void main(String[] args) throws Exception {
    brokerAddr = args[1];
    brokerName = args[2];
    topic = args[3];
    group = args[4];
    DefaultMQProducer producer = new DefaultMQProducer(group + "_producer");
    producer.setNamesrvAddr(args[0]);
    producer.start();
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Message m = new Message(topic, "TagA", "pop-key-" + i, ("pop-" + i).getBytes(StandardCharsets.UTF_8));
      producer.send(m);
      sent.add("pop-" + i);
    }
    api = producer.getDefaultMQProducerImpl().getMqClientFactory().getMQClientAPIImpl();

    List<MessageExt> first = new ArrayList<>();
    for (int i = 0; i < 10 && first.size() < 6; i++) first.addAll(pop(6 - first.size(), 3000, 2000));
    first.sort((a, b) -> Long.compare(a.getQueueOffset(), b.getQueueOffset()));
    List<String> acks = new ArrayList<>();
    for (MessageExt m : first.subList(0, Math.min(4, first.size()))) acks.add(ack(m, m.getProperty(MessageConst.PROPERTY_POP_CK)));
    MessageExt extended = first.get(4);
    String oldReceipt = extended.getProperty(MessageConst.PROPERTY_POP_CK);
    AckResult changed = changeInvisible(extended, oldReceipt, 30_000);
    String staleAck = ack(extended, oldReceipt);

    Thread.sleep(3500);
    List<MessageExt> back = pop(6, 3000, 3000);
    List<String> backAcks = new ArrayList<>();
    for (MessageExt m : back) backAcks.add(ack(m, m.getProperty(MessageConst.PROPERTY_POP_CK)));
    String changedAck = ack(extended, changed.getExtraInfo());
    List<MessageExt> after = pop(6, 3000, 1000);
    producer.shutdown();

    System.out.println("{\"sent\":" + list(sent) + ",\"first\":" + views(first) + ",\"acks\":" + list(acks) + ",\"changed\":\"" + changed.getStatus()
        + "\",\"staleAck\":\"" + staleAck + "\",\"back\":" + views(back) + ",\"backAcks\":" + list(backAcks) + ",\"changedAck\":\"" + changedAck
        + "\",\"after\":" + views(after) + "}");
    System.out.flush();
    System.exit(0);
  }

  private static List<MessageExt> pop(int max, long invisibleMillis, long pollMillis) throws Exception {
    PopMessageRequestHeader header = new PopMessageRequestHeader();
    header.setConsumerGroup(group);
    header.setTopic(topic);
    header.setQueueId(-1);
    header.setMaxMsgNums(max);
    header.setInvisibleTime(invisibleMillis);
    header.setPollTime(pollMillis);
    header.setBornTime(System.currentTimeMillis());
    header.setInitMode(0);
    header.setExpType("TAG");
    header.setExp("*");
    CompletableFuture<PopResult> result = new CompletableFuture<>();
    api.popMessageAsync(brokerName, brokerAddr, header, pollMillis + 10_000, new PopCallback() {
      @Override public void onSuccess(PopResult popResult) { result.complete(popResult); }
      @Override public void onException(Throwable e) { result.completeExceptionally(e); }
    });
    PopResult popResult = result.get(pollMillis + 15_000, TimeUnit.MILLISECONDS);
    return popResult.getMsgFoundList() == null ? new ArrayList<>() : popResult.getMsgFoundList();
  }

  private static String ack(MessageExt m, String extraInfo) throws Exception {
    AckMessageRequestHeader header = new AckMessageRequestHeader();
    header.setConsumerGroup(group);
    header.setTopic(topic);
    header.setQueueId(ExtraInfoUtil.getQueueId(ExtraInfoUtil.split(extraInfo)));
    header.setExtraInfo(extraInfo);
    header.setOffset(m.getQueueOffset());
    CompletableFuture<AckResult> result = new CompletableFuture<>();
    api.ackMessageAsync(brokerAddr, 10_000, callback(result), header);
    return result.get(15, TimeUnit.SECONDS).getStatus().toString();
  }

  private static AckResult changeInvisible(MessageExt m, String extraInfo, long invisibleMillis) throws Exception {
    ChangeInvisibleTimeRequestHeader header = new ChangeInvisibleTimeRequestHeader();
    header.setConsumerGroup(group);
    header.setTopic(topic);
    header.setQueueId(ExtraInfoUtil.getQueueId(ExtraInfoUtil.split(extraInfo)));
    header.setExtraInfo(extraInfo);
    header.setOffset(m.getQueueOffset());
    header.setInvisibleTime(invisibleMillis);
    CompletableFuture<AckResult> result = new CompletableFuture<>();
    api.changeInvisibleTimeAsync(brokerName, brokerAddr, header, 10_000, callback(result));
    return result.get(15, TimeUnit.SECONDS);
  }

  private static AckCallback callback(CompletableFuture<AckResult> result) {
    return new AckCallback() {
      @Override public void onSuccess(AckResult ackResult) { result.complete(ackResult); }
      @Override public void onException(Throwable e) { result.completeExceptionally(e); }
    };
  }

  private static String views(List<MessageExt> messages) {
    List<String> out = new ArrayList<>();
    for (MessageExt m : messages) {
      out.add("{\"body\":" + q(new String(m.getBody(), StandardCharsets.UTF_8)) + ",\"queueId\":" + m.getQueueId() + ",\"queueOffset\":" + m.getQueueOffset()
          + ",\"reconsumeTimes\":" + m.getReconsumeTimes() + ",\"tag\":" + q(m.getTags()) + ",\"keys\":" + q(m.getKeys()) + ",\"popCk\":" + q(m.getProperty(MessageConst.PROPERTY_POP_CK)) + "}");
    }
    return "[" + String.join(",", out) + "]";
  }

  private static String list(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String s : items) quoted.add(q(s));
    return "[" + String.join(",", quoted) + "]";
  }

  private static String q(String s) {
    if (s == null) return "null";
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
