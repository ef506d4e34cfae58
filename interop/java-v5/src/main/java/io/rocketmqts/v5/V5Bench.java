package io.rocketmqts.v5;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.Message;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;

/**
 * The v5 send/receive benchmark (bench/grpc.bench.ts) on the official Java v5 client, against
 * whatever serves the v5 gRPC protocol at ENDPOINTS (our broker, or Apache's proxy). Three
 * phases, each printed as one JSON line on stdout ({"phase":...}):
 *
 *   send     THREADS threads share one Producer and send SIZE-byte messages synchronously for
 *            SECONDS (after WARMUP seconds of the same, not counted): TPS and send RT percentiles.
 *   receive  THREADS threads share one SimpleConsumer and receive (batches of 32) + ack the
 *            backlog the send phase left, until all of it is acked or 3 × SECONDS (at least 30 s)
 *            pass: receive+ack TPS.
 *   e2e      one thread sends RATE messages/s asynchronously for SECONDS while THREADS receivers
 *            receive and ack: end-to-end latency (send call → message in the receiver's hands).
 *
 * Usage: V5Bench ENDPOINTS PREFIX THREADS SECONDS SIZE WARMUP RATE
 *   Topics PREFIX_tput and PREFIX_e2e (created by the caller), groups PREFIX_gtput, PREFIX_ge2e.
 */
public final class V5Bench {
  private static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();
  /** Apache's proxy refuses invisible durations under 10 s; long enough that nothing comes back during a run. */
  private static final Duration INVISIBLE = Duration.ofSeconds(60);
  private static ClientConfiguration config;
  /** Distinct failures of the phase running (class: message), with counts: printed with its figures. */
  private static final ConcurrentHashMap<String, AtomicLong> ERRORS = new ConcurrentHashMap<>();

  private static void failed(AtomicLong failed, Throwable error) {
    failed.incrementAndGet();
    Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
    String message = String.valueOf(cause.getMessage());
    // Ids, handles and request ids vary per call: replaced so that one kind of failure is one entry.
    message = message.replaceAll("[0-9A-Fa-f][0-9A-Fa-f_-]{5,}", "…");
    String key = cause.getClass().getSimpleName() + ": " + (message.length() > 300 ? message.substring(0, 300) : message);
    if (ERRORS.size() < 10 || ERRORS.containsKey(key)) ERRORS.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }

  public static void main(String[] args) throws Exception {
    config = ClientConfiguration.newBuilder().setEndpoints(args[0]).enableSsl(false).setRequestTimeout(Duration.ofSeconds(10)).build();
    String prefix = args[1];
    int threads = Integer.parseInt(args[2]);
    double seconds = Double.parseDouble(args[3]);
    int size = Integer.parseInt(args[4]);
    double warmup = Double.parseDouble(args[5]);
    int rate = Integer.parseInt(args[6]);
    String tput = prefix + "_tput";
    String e2e = prefix + "_e2e";

    try (Producer producer = PROVIDER.newProducerBuilder().setClientConfiguration(config).setTopics(tput, e2e).build()) {
      try (SimpleConsumer consumer = consumer(tput, prefix + "_gtput", Duration.ofSeconds(2))) {
        // One receive before anything is sent: the group's offsets start at the (empty) queues' ends on either server.
        consumer.receive(32, INVISIBLE);
        long warmSent = sendFor(producer, tput, threads, warmup, size).count;
        SendFigures send = sendFor(producer, tput, threads, seconds, size);
        print("send", send.count, send.failed, send.elapsedNanos, send.latencies);
        long target = warmSent + send.count;
        receiveAll(consumer, threads, target, Math.max(30, 3 * seconds));
      }
      e2e(producer, e2e, prefix + "_ge2e", threads, seconds, size, rate);
    }
    System.exit(0);
  }

  private static SimpleConsumer consumer(String topic, String group, Duration await) throws Exception {
    return PROVIDER.newSimpleConsumerBuilder().setClientConfiguration(config).setConsumerGroup(group).setAwaitDuration(await)
        .setSubscriptionExpressions(Collections.singletonMap(topic, new FilterExpression("*", FilterExpressionType.TAG))).build();
  }

  private static Message message(String topic, byte[] body, long sentNanos) {
    return PROVIDER.newMessageBuilder().setTopic(topic).setTag("bench").addProperty("sentNanos", String.valueOf(sentNanos)).setBody(body).build();
  }

  private record SendFigures(long count, long failed, long elapsedNanos, long[] latencies) {}

  /** THREADS synchronous send loops on one producer for `seconds`; every RT in nanoseconds. */
  private static SendFigures sendFor(Producer producer, String topic, int threads, double seconds, int size) throws InterruptedException {
    if (seconds <= 0) return new SendFigures(0, 0, 0, new long[0]);
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) 'x');
    LongList[] perThread = new LongList[threads];
    AtomicLong failed = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      LongList mine = perThread[i] = new LongList();
      Thread worker = new Thread(() -> {
        while (System.nanoTime() < deadline) {
          long began = System.nanoTime();
          try {
            producer.send(message(topic, body, began));
            mine.add(System.nanoTime() - began);
          } catch (Exception e) {
            failed(failed, e);
          }
        }
      });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) worker.join();
    long elapsed = System.nanoTime() - start;
    return new SendFigures(Arrays.stream(perThread).mapToLong(l -> l.size).sum(), failed.get(), elapsed, LongList.concat(perThread));
  }

  /**
   * Receives and acks until `target` distinct messages are acked or `limitSeconds` pass; prints the
   * receive phase. TPS counts distinct messages acked; `deliveries` counts every message received
   * (a message delivered twice counts twice there, once in TPS).
   */
  private static void receiveAll(SimpleConsumer consumer, int threads, long target, double limitSeconds) throws InterruptedException {
    ConcurrentHashMap<String, Boolean> acked = new ConcurrentHashMap<>();
    AtomicLong deliveries = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong lastAck = new AtomicLong();
    LongList[] perThread = new LongList[threads];
    long start = System.nanoTime();
    long deadline = start + (long) (limitSeconds * 1e9);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      LongList mine = perThread[i] = new LongList();
      Thread worker = new Thread(() -> {
        while (acked.size() < target && System.nanoTime() < deadline) {
          long began = System.nanoTime();
          try {
            List<MessageView> got = consumer.receive(32, INVISIBLE);
            if (got.isEmpty()) continue;
            mine.add(System.nanoTime() - began);
            deliveries.addAndGet(got.size());
            for (MessageView view : ackAll(consumer, got, failed)) acked.put(view.getMessageId().toString(), true);
            lastAck.set(System.nanoTime());
          } catch (Exception e) {
            failed(failed, e);
          }
        }
      });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) worker.join();
    long end = lastAck.get() == 0 ? System.nanoTime() : lastAck.get();
    // Latencies here are per receive call (a batch), reported for what they are.
    print("receive", acked.size(), failed.get(), end - start, LongList.concat(perThread), ",\"target\":" + target + ",\"deliveries\":" + deliveries.get());
  }

  /** Acks a batch (asynchronously, then waits for all of it); returns the messages whose ack succeeded. */
  private static List<MessageView> ackAll(SimpleConsumer consumer, List<MessageView> got, AtomicLong failed) {
    List<CompletableFuture<Void>> acks = new ArrayList<>(got.size());
    for (MessageView view : got) acks.add(consumer.ackAsync(view));
    List<MessageView> ok = new ArrayList<>(got.size());
    for (int i = 0; i < acks.size(); i++) {
      try {
        acks.get(i).join();
        ok.add(got.get(i));
      } catch (Exception e) {
        failed(failed, e);
      }
    }
    return ok;
  }

  /** RATE messages/s sent asynchronously for `seconds` while THREADS receivers receive and ack; send → receive latency. */
  private static void e2e(Producer producer, String topic, String group, int threads, double seconds, int size, int rate) throws Exception {
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) 'e');
    try (SimpleConsumer consumer = consumer(topic, group, Duration.ofSeconds(2))) {
      consumer.receive(32, INVISIBLE);
      ConcurrentHashMap<String, Boolean> seen = new ConcurrentHashMap<>();
      AtomicLong sent = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicLong sendFailed = new AtomicLong();
      AtomicLong deliveries = new AtomicLong();
      LongList[] perThread = new LongList[threads];
      long total = (long) (seconds * rate);
      long start = System.nanoTime();
      // Senders stop after `total`; receivers run until everything sent was seen or 15 s after the last send.
      AtomicLong receiveDeadline = new AtomicLong(Long.MAX_VALUE);
      AtomicBoolean sending = new AtomicBoolean(true);
      List<Thread> receivers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        LongList mine = perThread[i] = new LongList();
        Thread receiver = new Thread(() -> {
          while (System.nanoTime() < receiveDeadline.get() && (sending.get() || seen.size() < sent.get())) {
            try {
              List<MessageView> got = consumer.receive(32, INVISIBLE);
              long now = System.nanoTime();
              deliveries.addAndGet(got.size());
              for (MessageView view : got) {
                if (seen.putIfAbsent(view.getMessageId().toString(), true) != null) continue;
                mine.add(now - Long.parseLong(view.getProperties().get("sentNanos")));
              }
              ackAll(consumer, got, failed);
            } catch (Exception e) {
              failed(failed, e);
            }
          }
        });
        receivers.add(receiver);
        receiver.start();
      }
      List<CompletableFuture<?>> sends = new ArrayList<>();
      for (long i = 0; i < total; i++) {
        long due = start + (long) (i * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        sends.add(producer.sendAsync(message(topic, body, System.nanoTime())).whenComplete((receipt, error) -> {
          if (error != null) failed(sendFailed, error);
        }));
      }
      for (CompletableFuture<?> send : sends) {
        try {
          send.join();
        } catch (Exception e) {
          // counted in whenComplete
        }
      }
      sent.set(total - sendFailed.get());
      receiveDeadline.set(System.nanoTime() + 15_000_000_000L);
      sending.set(false);
      for (Thread receiver : receivers) receiver.join();
      print("e2e", seen.size(), failed.get() + sendFailed.get(), System.nanoTime() - start, LongList.concat(perThread), ",\"sent\":" + sent.get() + ",\"rate\":" + rate + ",\"deliveries\":" + deliveries.get());
    }
  }

  private static void print(String phase, long count, long failed, long elapsedNanos, long[] latencies) {
    print(phase, count, failed, elapsedNanos, latencies, "");
  }

  /** One phase's figures as a JSON line: count, TPS, latency percentiles in milliseconds. */
  private static void print(String phase, long count, long failed, long elapsedNanos, long[] latencies, String extra) {
    Arrays.sort(latencies);
    double seconds = elapsedNanos / 1e9;
    System.out.println("{\"phase\":\"" + phase + "\",\"count\":" + count + ",\"failed\":" + failed + ",\"seconds\":" + seconds
        + ",\"tps\":" + (seconds > 0 ? count / seconds : 0) + ",\"p50Ms\":" + pct(latencies, 0.5) + ",\"p99Ms\":" + pct(latencies, 0.99)
        + ",\"maxMs\":" + pct(latencies, 1) + extra + ",\"errors\":{" + errors() + "}}");
    System.out.flush();
  }

  /** The phase's errors as JSON members, then forgotten for the next phase. */
  private static String errors() {
    StringBuilder out = new StringBuilder();
    for (var e : ERRORS.entrySet()) out.append(out.length() > 0 ? "," : "").append(q(e.getKey())).append(':').append(e.getValue().get());
    ERRORS.clear();
    return out.toString();
  }

  private static String q(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
    return sorted[i] / 1e6;
  }

  /** A growable long array, one per thread (no boxing, no sharing). */
  private static final class LongList {
    long[] values = new long[1 << 14];
    int size;

    void add(long value) {
      if (size == values.length) values = Arrays.copyOf(values, size * 2);
      values[size++] = value;
    }

    static long[] concat(LongList[] lists) {
      long[] all = new long[Arrays.stream(lists).mapToInt(l -> l.size).sum()];
      int at = 0;
      for (LongList l : lists) {
        System.arraycopy(l.values, 0, all, at, l.size);
        at += l.size;
      }
      return all;
    }
  }

  private V5Bench() {}
}
