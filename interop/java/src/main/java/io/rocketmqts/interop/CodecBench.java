package io.rocketmqts.interop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.protocol.RequestCode;
import org.apache.rocketmq.common.protocol.header.PullMessageResponseHeader;
import org.apache.rocketmq.common.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.common.protocol.header.SendMessageRequestHeaderV2;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * The Java side of bench/codec.bench.ts: the same four codec cases timed with the real
 * rocketmq-remoting/common 4.8.0 classes. Prints "case\tops-per-second" lines.
 */
public final class CodecBench {
    private CodecBench() {}

    interface Work { Object run() throws Exception; }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        System.setProperty(RemotingCommand.REMOTING_VERSION_KEY, String.valueOf(MQVersion.CURRENT_VERSION));

        final byte[] body = new byte[1024];
        Arrays.fill(body, (byte) 7);
        Map<String, String> props = new HashMap<>();
        props.put("KEYS", "order-1001");
        props.put("TAGS", "TagA");
        props.put("WAIT", "true");
        props.put("UNIQ_KEY", "7F00000100002A9F0000000000000000");
        final String properties = MessageDecoder.messageProperties2String(props);

        Work encodeSend = () -> {
            SendMessageRequestHeader h = new SendMessageRequestHeader();
            h.setProducerGroup("PayProducerGroup");
            h.setTopic("PayTopic");
            h.setDefaultTopic("TBW102");
            h.setDefaultTopicQueueNums(4);
            h.setQueueId(2);
            h.setSysFlag(0);
            h.setBornTimestamp(1700000000123L);
            h.setFlag(0);
            h.setProperties(properties);
            h.setReconsumeTimes(0);
            h.setUnitMode(false);
            h.setBatch(false);
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2,
                SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h));
            cmd.setBody(body);
            return cmd.encode();
        };
        final byte[] sendFrame = toBytes((ByteBuffer) encodeSend.run());
        Work decodeSend = () -> {
            RemotingCommand cmd = RemotingCommand.decode(ByteBuffer.wrap(sendFrame, 4, sendFrame.length - 4).slice());
            SendMessageRequestHeaderV2 h = (SendMessageRequestHeaderV2) cmd.decodeCommandCustomHeader(SendMessageRequestHeaderV2.class);
            return h.getE() + cmd.getBody().length;
        };

        ByteBuffer all = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < 32; i++) {
            MessageExt m = new MessageExt();
            m.setTopic("PayTopic");
            m.setQueueId(1);
            m.setFlag(0);
            m.setQueueOffset(100 + i);
            m.setCommitLogOffset(1_000_000L + i * 1200L);
            m.setSysFlag(0);
            m.setBornTimestamp(1700000000000L);
            m.setBornHost(new InetSocketAddress("10.0.0.7", 53211));
            m.setStoreTimestamp(1700000000100L);
            m.setStoreHost(new InetSocketAddress("192.168.1.20", 10911));
            m.setReconsumeTimes(0);
            m.setPreparedTransactionOffset(0);
            m.setBody(body);
            m.setBodyCRC(0);
            MessageAccessor.setProperties(m, new HashMap<>(props));
            all.put(MessageDecoder.encode(m, false));
        }
        all.flip();
        final byte[] records = toBytes(all);
        Work encodePull = () -> {
            RemotingCommand cmd = RemotingCommand.createResponseCommand(PullMessageResponseHeader.class);
            PullMessageResponseHeader h = (PullMessageResponseHeader) cmd.readCustomHeader();
            h.setSuggestWhichBrokerId(0L);
            h.setNextBeginOffset(132L);
            h.setMinOffset(0L);
            h.setMaxOffset(200L);
            cmd.setCode(0);
            cmd.setRemark("FOUND");
            cmd.setOpaque(9);
            cmd.setBody(records);
            return cmd.encode();
        };
        final byte[] pullFrame = toBytes((ByteBuffer) encodePull.run());
        Work decodePull = () -> {
            RemotingCommand cmd = RemotingCommand.decode(ByteBuffer.wrap(pullFrame, 4, pullFrame.length - 4).slice());
            cmd.decodeCommandCustomHeader(PullMessageResponseHeader.class);
            return MessageDecoder.decodes(ByteBuffer.wrap(cmd.getBody())).size();
        };

        print("encode SEND_MESSAGE_V2 1 KiB", measure(encodeSend, seconds));
        print("decode SEND_MESSAGE_V2 1 KiB", measure(decodeSend, seconds));
        print("encode PULL response 32×1 KiB", measure(encodePull, seconds));
        print("decode PULL response 32×1 KiB", measure(decodePull, seconds));
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static double measure(Work work, double seconds) throws Exception {
        long warmUntil = System.nanoTime() + 1_000_000_000L; // JIT warm-up
        Object sink = null;
        while (System.nanoTime() < warmUntil) sink = work.run();
        long ops = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int i = 0; i < 100; i++) sink = work.run();
            ops += 100;
        }
        if (sink == null) throw new IllegalStateException();
        return ops / ((System.nanoTime() - start) / 1e9);
    }

    private static void print(String name, double opsPerSecond) {
        System.out.println(name + "\t" + opsPerSecond);
    }
}
