package io.rocketmqts.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * The Java 4.8 client's side of `npm run bench:client`: one mode per run, one JSON line out.
 *
 *   sync    N threads, each a loop of producer.send() (sync) for --seconds
 *   oneway  N threads, each a loop of producer.sendOneway() for --seconds
 *   e2e     a push consumer, then --rate messages/s for --seconds; latency = receive − send
 *           (System.nanoTime in one JVM; the send time travels in the body)
 */
public final class ClientBench {
    private static final String USAGE = "usage: ClientBench --namesrv host:port --topic T --mode sync|oneway|e2e"
        + " [--concurrency N] [--seconds S] [--size B] [--rate R] [--group G]";

    private ClientBench() {}

    public static void main(String[] args) throws Exception {
        CliArgs cli = new CliArgs(USAGE, CliArgs.names("namesrv", "topic", "mode", "concurrency", "seconds", "size", "rate", "group"), args);
        String namesrv = cli.required("namesrv");
        String topic = cli.required("topic");
        String mode = cli.required("mode");
        int concurrency = cli.integer("concurrency", 1);
        int seconds = cli.integer("seconds", 5);
        int size = cli.integer("size", 1024);
        int rate = cli.integer("rate", 1000);
        String group = cli.string("group", "bench_java_" + mode);

        DefaultMQProducer producer = new DefaultMQProducer(group + "_producer");
        producer.setNamesrvAddr(namesrv);
        producer.start();
        // Warm the route and the connection.
        producer.send(new Message(topic, "warm", new byte[size]));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("client", "java-4.8.0");
        out.put("mode", mode);
        out.put("concurrency", concurrency);
        out.put("size", size);
        if (mode.equals("e2e")) {
            e2e(producer, namesrv, topic, group, seconds, size, rate, out);
        } else {
            sends(producer, topic, mode.equals("oneway"), concurrency, seconds, size, out);
        }
        producer.shutdown();
        JsonLines.write(out);
        JsonLines.flush();
        System.exit(0);
    }

    private static void sends(DefaultMQProducer producer, String topic, boolean oneway, int concurrency, int seconds, int size,
        Map<String, Object> out) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        ConcurrentLinkedQueue<long[]> all = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            Thread thread = new Thread(() -> {
                long[] latencies = new long[1 << 16];
                int n = 0;
                byte[] body = new byte[size];
                while (System.nanoTime() < deadline) {
                    long began = System.nanoTime();
                    try {
                        if (oneway) {
                            producer.sendOneway(new Message(topic, "bench", body));
                        } else {
                            producer.send(new Message(topic, "bench", body));
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        continue;
                    }
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = System.nanoTime() - began;
                }
                all.add(Arrays.copyOf(latencies, n));
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        out.put("sent", merged.length);
        out.put("failed", failed.get());
        out.put("tps", merged.length / elapsed);
        out.put("avgMs", merged.length == 0 ? 0 : Arrays.stream(merged).average().orElse(0) / 1e6);
        out.put("p50Ms", percentile(merged, 0.50));
        out.put("p99Ms", percentile(merged, 0.99));
    }

    private static void e2e(DefaultMQProducer producer, String namesrv, String topic, String group, int seconds, int size, int rate,
        Map<String, Object> out) throws Exception {
        int total = seconds * rate;
        long[] latencies = new long[total];
        AtomicLong received = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group + "_consumer");
        consumer.setNamesrvAddr(namesrv);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        consumer.subscribe(topic, "e2e");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            long now = System.nanoTime();
            for (MessageExt message : messages) {
                long sentAt = Long.parseLong(new String(message.getBody(), 0, 20).trim());
                long i = received.getAndIncrement();
                if (i < total) {
                    latencies[(int) i] = now - sentAt;
                }
                if (i + 1 == total) {
                    done.countDown();
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        Thread.sleep(3000); // the consumer owns its queues
        byte[] body = new byte[Math.max(size, 20)];
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + (long) i * 1_000_000_000L / rate;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            byte[] stamp = String.format("%20d", System.nanoTime()).getBytes();
            System.arraycopy(stamp, 0, body, 0, 20);
            producer.sendOneway(new Message(topic, "e2e", body.clone()));
        }
        done.await(30, java.util.concurrent.TimeUnit.SECONDS);
        consumer.shutdown();
        int n = (int) Math.min(received.get(), total);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        out.put("sent", total);
        out.put("received", n);
        out.put("rate", rate);
        out.put("p50Ms", percentile(sorted, 0.50));
        out.put("p99Ms", percentile(sorted, 0.99));
        out.put("maxMs", n == 0 ? 0 : sorted[n - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
