package io.rocketmqts.interop;

import com.alibaba.fastjson.JSON;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.rocketmq.common.DataVersion;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.TopicFilterType;
import org.apache.rocketmq.common.UtilAll;
import org.apache.rocketmq.common.admin.ConsumeStats;
import org.apache.rocketmq.common.admin.OffsetWrapper;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.filter.FilterAPI;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageId;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.RequestCode;
import org.apache.rocketmq.common.protocol.ResponseCode;
import org.apache.rocketmq.common.protocol.body.ClusterInfo;
import org.apache.rocketmq.common.protocol.body.LockBatchRequestBody;
import org.apache.rocketmq.common.protocol.body.ResetOffsetBody;
import org.apache.rocketmq.common.protocol.body.TopicConfigSerializeWrapper;
import org.apache.rocketmq.common.protocol.header.GetConsumerListByGroupResponseBody;
import org.apache.rocketmq.common.protocol.header.PullMessageRequestHeader;
import org.apache.rocketmq.common.protocol.header.PullMessageResponseHeader;
import org.apache.rocketmq.common.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.common.protocol.header.SendMessageRequestHeaderV2;
import org.apache.rocketmq.common.protocol.header.SendMessageResponseHeader;
import org.apache.rocketmq.common.protocol.header.UpdateConsumerOffsetRequestHeader;
import org.apache.rocketmq.common.protocol.heartbeat.ConsumeType;
import org.apache.rocketmq.common.protocol.heartbeat.ConsumerData;
import org.apache.rocketmq.common.protocol.heartbeat.HeartbeatData;
import org.apache.rocketmq.common.protocol.heartbeat.MessageModel;
import org.apache.rocketmq.common.protocol.heartbeat.ProducerData;
import org.apache.rocketmq.common.protocol.heartbeat.SubscriptionData;
import org.apache.rocketmq.common.protocol.route.BrokerData;
import org.apache.rocketmq.common.protocol.route.QueueData;
import org.apache.rocketmq.common.protocol.route.TopicRouteData;
import org.apache.rocketmq.common.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.remoting.CommandCustomHeader;
import org.apache.rocketmq.remoting.annotation.CFNotNull;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSerializable;
import org.apache.rocketmq.remoting.protocol.SerializeType;

/**
 * Writes golden test vectors produced by the real Apache RocketMQ 4.8.0 Java classes.
 *
 * <p>Usage: {@code java -Duser.timezone=UTC -cp ... io.rocketmqts.interop.GoldenVectors OUT.json}.
 * Output is deterministic: no clock, no random ids (the uniqIds section uses ids generated once
 * and hard-coded below). Every vector is also decoded again with the 4.8 decoders and checked.
 */
public final class GoldenVectors {

    private static final String HEADER_PKG = "org.apache.rocketmq.common.protocol.header";
    private static final long BIG_LONG_BASE = 9007199254740993L; // 2^53 + 1

    private final List<String> notes = new ArrayList<>();
    private int opaqueCounter = 1000;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GoldenVectors <output.json>");
            System.exit(2);
        }
        // What the 4.8 client does (MQClientAPIImpl static init) so every command carries version 373.
        System.setProperty(RemotingCommand.REMOTING_VERSION_KEY, String.valueOf(MQVersion.CURRENT_VERSION));
        Map<String, Object> root = new GoldenVectors().build();
        byte[] out = JsonOut.write(root).getBytes(StandardCharsets.UTF_8);
        Path target = Paths.get(args[0]).toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.write(target, out);
        System.err.println("wrote " + target + " (" + out.length + " bytes)");
    }

    private Map<String, Object> build() throws Exception {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("generator", "interop/java GoldenVectors (real Apache RocketMQ Java classes)");
        meta.put("rocketmq", "4.8.0");
        meta.put("mqVersion", MQVersion.CURRENT_VERSION);
        meta.put("mqVersionDesc", MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION));
        meta.put("fastjson", JSON.VERSION);
        meta.put("javaLongsAs", "decimal strings");
        meta.put("bytesAs", "lowercase hex");
        root.put("meta", meta);
        root.put("notes", notes);

        List<Object> commands = new ArrayList<>();
        headerCommands(commands);
        handMadeCommands(commands);
        root.put("commands", commands);
        root.put("storedMessages", storedMessages());
        root.put("batches", batches());
        root.put("properties", properties());
        root.put("offsetMsgIds", offsetMsgIds());
        root.put("uniqIds", uniqIds());
        root.put("tagHashes", tagHashes());
        root.put("allocations", allocations());
        root.put("shardingKeys", shardingKeys());
        root.put("jsonBodies", jsonBodies());
        root.put("jsonParse", jsonParse());

        notes.add("commands[].extFields is the command's extFields after encode() (makeCustomHeaderToNet), written in "
            + "java.util.HashMap iteration order, which is also the order in the JSON header (fastjson does not sort "
            + "map keys) and in the ROCKETMQ binary header.");
        notes.add("'ip:port' strings use InetAddress.getHostAddress() + ':' + port (as RemotingHelper does); for IPv6 "
            + "that is the uncompressed Java form, e.g. 2001:db8:0:0:0:0:0:7:10911 (no brackets).");
        notes.add("storedMessages: 4.8 has MessageDecoder.encode(MessageExt, boolean needCompress) which writes the full "
            + "stored layout (incl. IPv6 hosts per sysFlag); it was used for every hex. It copies bodyCRC from the "
            + "MessageExt, so bodyCRC was set to UtilAll.crc32(stored body bytes) first (what the broker does).");
        notes.add("The compressed stored message depends on java.util.zip.Deflater (level 5) output; other zlib "
            + "implementations may produce different but equivalent bytes. Compare after inflating.");
        return root;
    }

    // ------------------------------------------------------------------ commands

    /** Request code per header class (simple name); response headers are sent with code 0. */
    private static final Map<String, Integer> CODES = new HashMap<>();

    static {
        Object[][] t = {
            {"SendMessageRequestHeader", RequestCode.SEND_MESSAGE},
            {"SendMessageRequestHeaderV2", RequestCode.SEND_MESSAGE_V2},
            {"PullMessageRequestHeader", RequestCode.PULL_MESSAGE},
            {"QueryMessageRequestHeader", RequestCode.QUERY_MESSAGE},
            {"QueryConsumerOffsetRequestHeader", RequestCode.QUERY_CONSUMER_OFFSET},
            {"UpdateConsumerOffsetRequestHeader", RequestCode.UPDATE_CONSUMER_OFFSET},
            {"CreateTopicRequestHeader", RequestCode.UPDATE_AND_CREATE_TOPIC},
            {"SearchOffsetRequestHeader", RequestCode.SEARCH_OFFSET_BY_TIMESTAMP},
            {"GetMaxOffsetRequestHeader", RequestCode.GET_MAX_OFFSET},
            {"GetMinOffsetRequestHeader", RequestCode.GET_MIN_OFFSET},
            {"GetEarliestMsgStoretimeRequestHeader", RequestCode.GET_EARLIEST_MSG_STORETIME},
            {"ViewMessageRequestHeader", RequestCode.VIEW_MESSAGE_BY_ID},
            {"UnregisterClientRequestHeader", RequestCode.UNREGISTER_CLIENT},
            {"ConsumerSendMsgBackRequestHeader", RequestCode.CONSUMER_SEND_MSG_BACK},
            {"EndTransactionRequestHeader", RequestCode.END_TRANSACTION},
            {"GetConsumerListByGroupRequestHeader", RequestCode.GET_CONSUMER_LIST_BY_GROUP},
            {"CheckTransactionStateRequestHeader", RequestCode.CHECK_TRANSACTION_STATE},
            {"NotifyConsumerIdsChangedRequestHeader", RequestCode.NOTIFY_CONSUMER_IDS_CHANGED},
            {"CreateAccessConfigRequestHeader", RequestCode.UPDATE_AND_CREATE_ACL_CONFIG},
            {"DeleteAccessConfigRequestHeader", RequestCode.DELETE_ACL_CONFIG},
            {"UpdateGlobalWhiteAddrsConfigRequestHeader", RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG},
            {"PutKVConfigRequestHeader", RequestCode.PUT_KV_CONFIG},
            {"GetKVConfigRequestHeader", RequestCode.GET_KV_CONFIG},
            {"DeleteKVConfigRequestHeader", RequestCode.DELETE_KV_CONFIG},
            {"RegisterBrokerRequestHeader", RequestCode.REGISTER_BROKER},
            {"UnRegisterBrokerRequestHeader", RequestCode.UNREGISTER_BROKER},
            {"GetRouteInfoRequestHeader", RequestCode.GET_ROUTEINFO_BY_TOPIC},
            {"GetTopicStatsInfoRequestHeader", RequestCode.GET_TOPIC_STATS_INFO},
            {"GetConsumerConnectionListRequestHeader", RequestCode.GET_CONSUMER_CONNECTION_LIST},
            {"GetProducerConnectionListRequestHeader", RequestCode.GET_PRODUCER_CONNECTION_LIST},
            {"WipeWritePermOfBrokerRequestHeader", RequestCode.WIPE_WRITE_PERM_OF_BROKER},
            {"DeleteSubscriptionGroupRequestHeader", RequestCode.DELETE_SUBSCRIPTIONGROUP},
            {"GetConsumeStatsRequestHeader", RequestCode.GET_CONSUME_STATS},
            {"DeleteTopicRequestHeader", RequestCode.DELETE_TOPIC_IN_BROKER},
            {"DeleteTopicInNamesrvRequestHeader", RequestCode.DELETE_TOPIC_IN_NAMESRV},
            {"GetKVListByNamespaceRequestHeader", RequestCode.GET_KVLIST_BY_NAMESPACE},
            {"ResetOffsetRequestHeader", RequestCode.INVOKE_BROKER_TO_RESET_OFFSET},
            {"GetConsumerStatusRequestHeader", RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS},
            {"GetTopicsByClusterRequestHeader", RequestCode.GET_TOPICS_BY_CLUSTER},
            {"QueryTopicConsumeByWhoRequestHeader", RequestCode.QUERY_TOPIC_CONSUME_BY_WHO},
            {"QueryConsumeTimeSpanRequestHeader", RequestCode.QUERY_CONSUME_TIME_SPAN},
            {"GetConsumerRunningInfoRequestHeader", RequestCode.GET_CONSUMER_RUNNING_INFO},
            {"QueryCorrectionOffsetHeader", RequestCode.QUERY_CORRECTION_OFFSET},
            {"ConsumeMessageDirectlyResultRequestHeader", RequestCode.CONSUME_MESSAGE_DIRECTLY},
            {"CloneGroupOffsetRequestHeader", RequestCode.CLONE_GROUP_OFFSET},
            {"ViewBrokerStatsDataRequestHeader", RequestCode.VIEW_BROKER_STATS_DATA},
            {"GetConsumeStatsInBrokerHeader", RequestCode.GET_BROKER_CONSUME_STATS},
            {"QueryConsumeQueueRequestHeader", RequestCode.QUERY_CONSUME_QUEUE},
            {"QueryDataVersionRequestHeader", RequestCode.QUERY_DATA_VERSION},
            {"ResumeCheckHalfMessageRequestHeader", RequestCode.RESUME_CHECK_HALF_MESSAGE},
            {"ReplyMessageRequestHeader", RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT},
        };
        for (Object[] row : t) {
            CODES.put((String) row[0], (Integer) row[1]);
        }
    }

    private List<Class<?>> headerClasses() throws Exception {
        String jarPath = Paths.get(SendMessageRequestHeader.class.getProtectionDomain().getCodeSource()
            .getLocation().toURI()).toString();
        List<String> names = new ArrayList<>();
        try (JarFile jar = new JarFile(jarPath)) {
            Enumeration<JarEntry> en = jar.entries();
            while (en.hasMoreElements()) {
                String n = en.nextElement().getName();
                if (!n.endsWith(".class") || n.contains("$")) {
                    continue;
                }
                String cn = n.substring(0, n.length() - 6).replace('/', '.');
                String pkg = cn.substring(0, cn.lastIndexOf('.'));
                if (pkg.equals(HEADER_PKG) || pkg.equals(HEADER_PKG + ".namesrv")) {
                    names.add(cn);
                }
            }
        }
        names.sort(null);
        List<Class<?>> out = new ArrayList<>();
        for (String cn : names) {
            Class<?> c = Class.forName(cn);
            if (c.isInterface() || Modifier.isAbstract(c.getModifiers())
                || !CommandCustomHeader.class.isAssignableFrom(c)) {
                if (!CommandCustomHeader.class.isAssignableFrom(c)) {
                    notes.add("header scan: " + c.getSimpleName() + " is in the header package but is not a "
                        + "CommandCustomHeader; skipped");
                }
                continue;
            }
            out.add(c);
        }
        notes.add("header vectors: 'full' = every scalar field set (String=name, int=abs(name.hashCode())%1000+1, "
            + "long=9007199254740993+abs(name.hashCode())%1000, boolean=true); 'minimal' = boxed fields without "
            + "@CFNotNull explicitly null, @CFNotNull and primitive fields set as in 'full'; 'defaults' = a fresh "
            + "instance with nothing set (shows field initializers, e.g. RegisterBrokerRequestHeader.bodyCrc32=0). "
            + "Response headers: createResponseCommand(Class) + readCustomHeader(), code 0, remark null.");
        notes.add("header scan: packages " + HEADER_PKG + " and " + HEADER_PKG + ".namesrv of rocketmq-common-4.8.0.jar"
            + " (" + out.size() + " CommandCustomHeader classes); " + HEADER_PKG + ".filtersrv not covered.");
        return out;
    }

    private static List<Field> headerFields(Class<?> c) {
        // Same set RemotingCommand.makeCustomHeaderToNet uses: declared fields, non-static, not "this*".
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.getName().startsWith("this")) {
                continue;
            }
            f.setAccessible(true);
            out.add(f);
        }
        return out;
    }

    private static int intValue(String name) {
        return (Math.abs(name.hashCode()) % 1000) + 1;
    }

    private static long longValue(String name) {
        return BIG_LONG_BASE + (Math.abs(name.hashCode()) % 1000);
    }

    /** Sets the field; returns false if its type is not a scalar handled by the remoting layer. */
    private static boolean fill(Object header, Field f) throws IllegalAccessException {
        Class<?> t = f.getType();
        String n = f.getName();
        if (t == String.class) {
            f.set(header, n);
        } else if (t == int.class || t == Integer.class) {
            f.set(header, intValue(n));
        } else if (t == long.class || t == Long.class) {
            f.set(header, longValue(n));
        } else if (t == boolean.class || t == Boolean.class) {
            f.set(header, Boolean.TRUE);
        } else {
            return false;
        }
        return true;
    }

    private void headerCommands(List<Object> out) throws Exception {
        for (Class<?> c : headerClasses()) {
            String simple = c.getSimpleName();
            boolean response = simple.endsWith("ResponseHeader");
            for (String variant : new String[] {"full", "minimal", "defaults"}) {
                SerializeType[] types = variant.equals("full")
                    ? new SerializeType[] {SerializeType.JSON, SerializeType.ROCKETMQ}
                    : new SerializeType[] {SerializeType.JSON};
                for (SerializeType st : types) {
                    RemotingCommand cmd;
                    CommandCustomHeader header;
                    @SuppressWarnings("unchecked")
                    Class<? extends CommandCustomHeader> hc = (Class<? extends CommandCustomHeader>) c;
                    int opaque = opaqueCounter++;
                    if (response) {
                        cmd = RemotingCommand.createResponseCommand(hc);
                        header = cmd.readCustomHeader();
                        cmd.setCode(ResponseCode.SUCCESS);
                        cmd.setRemark(null);
                    } else {
                        header = hc.getDeclaredConstructor().newInstance();
                        cmd = RemotingCommand.createRequestCommand(CODES.getOrDefault(simple, 0), header);
                    }
                    cmd.setOpaque(opaque);
                    for (Field f : variant.equals("defaults") ? new ArrayList<Field>() : headerFields(c)) {
                        boolean primitive = f.getType().isPrimitive();
                        boolean notNull = f.isAnnotationPresent(CFNotNull.class);
                        if (variant.equals("minimal") && !primitive && !notNull) {
                            f.set(header, null); // explicit: defaults of boxed fields are null anyway
                            continue;
                        }
                        if (!fill(header, f) && st == SerializeType.JSON && variant.equals("full")) {
                            notes.add("header field skipped (type " + f.getGenericType().getTypeName() + "): "
                                + simple + "." + f.getName());
                        }
                    }
                    cmd.setSerializeTypeCurrentRPC(st);
                    out.add(command("header/" + simple + "/" + variant + "/" + st.name(), simple, cmd));
                }
            }
        }
    }

    private Map<String, Object> command(String name, String header, RemotingCommand cmd) throws Exception {
        ByteBuffer bb = cmd.encode();
        byte[] frame = new byte[bb.limit()];
        bb.position(0);
        bb.get(frame);
        // self-check with the 4.8 decoder (it takes the frame without the 4-byte length prefix)
        RemotingCommand back = RemotingCommand.decode(Arrays.copyOfRange(frame, 4, frame.length));
        check(back.getCode() == cmd.getCode() && back.getOpaque() == cmd.getOpaque()
            && back.getFlag() == cmd.getFlag() && back.getVersion() == cmd.getVersion()
            && java.util.Objects.equals(back.getRemark(), cmd.getRemark())
            && emptyIfNull(back.getExtFields()).equals(emptyIfNull(cmd.getExtFields()))
            && Arrays.equals(back.getBody() == null ? new byte[0] : back.getBody(),
                cmd.getBody() == null ? new byte[0] : cmd.getBody())
            && back.getSerializeTypeCurrentRPC() == cmd.getSerializeTypeCurrentRPC(), "decode round trip " + name);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("header", header);
        m.put("serializeType", cmd.getSerializeTypeCurrentRPC().name());
        m.put("code", cmd.getCode());
        m.put("flag", cmd.getFlag());
        m.put("opaque", cmd.getOpaque());
        m.put("language", cmd.getLanguage().name());
        m.put("version", cmd.getVersion());
        m.put("remark", cmd.getRemark());
        m.put("extFields", cmd.getExtFields() == null ? null : new LinkedHashMap<>(cmd.getExtFields()));
        m.put("bodyHex", cmd.getBody() == null ? null : hex(cmd.getBody()));
        m.put("frameHex", hex(frame));
        return m;
    }

    private static Map<String, String> payProperties() {
        Map<String, String> p = new HashMap<>(); // Message.properties is a HashMap in 4.8
        p.put(MessageConst.PROPERTY_KEYS, "order-1001");
        p.put(MessageConst.PROPERTY_TAGS, "TagA");
        p.put(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, "true");
        p.put(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, "7F00000100002A9F0000000000000000");
        p.put("订单", "支付 ✓");
        return p;
    }

    private static SendMessageRequestHeader paySendHeader() {
        SendMessageRequestHeader h = new SendMessageRequestHeader();
        h.setProducerGroup("PayProducerGroup");
        h.setTopic("PayTopic");
        h.setDefaultTopic("TBW102");
        h.setDefaultTopicQueueNums(4);
        h.setQueueId(2);
        h.setSysFlag(0);
        h.setBornTimestamp(1700000000123L);
        h.setFlag(0);
        h.setProperties(MessageDecoder.messageProperties2String(payProperties()));
        h.setReconsumeTimes(0);
        h.setUnitMode(false);
        h.setBatch(false);
        return h;
    }

    private static byte[] body1024() {
        byte[] b = new byte[1024];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    private static final SerializeType[] BOTH = {SerializeType.JSON, SerializeType.ROCKETMQ};

    private void handMadeCommands(List<Object> out) throws Exception {
        for (SerializeType st : BOTH) {
            SendMessageRequestHeaderV2 v2 = SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(paySendHeader());
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2, v2);
            cmd.setBody(body1024());
            cmd.setOpaque(42);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("SEND_MESSAGE_V2/PayTopic/" + st.name(), "SendMessageRequestHeaderV2", cmd));
        }
        for (SerializeType st : BOTH) {
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE, paySendHeader());
            cmd.setBody(body1024());
            cmd.setOpaque(42);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("SEND_MESSAGE/PayTopic/" + st.name(), "SendMessageRequestHeader", cmd));
        }
        for (SerializeType st : BOTH) {
            List<Message> msgs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Message m = new Message("PayTopic", "TagA", ("m" + i).getBytes(StandardCharsets.UTF_8));
                MessageAccessor.putProperty(m, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
                    "7F00000100002A9F000000000000000" + i);
                msgs.add(m);
            }
            SendMessageRequestHeader h = paySendHeader();
            Map<String, String> batchProps = new HashMap<>();
            batchProps.put(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, "true"); // MessageBatch.generateFromList
            h.setProperties(MessageDecoder.messageProperties2String(batchProps));
            h.setQueueId(0);
            h.setBatch(true);
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.SEND_BATCH_MESSAGE,
                SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h));
            cmd.setBody(MessageDecoder.encodeMessages(msgs));
            cmd.setOpaque(43);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("SEND_BATCH_MESSAGE/PayTopic/" + st.name(), "SendMessageRequestHeaderV2", cmd));
        }
        for (SerializeType st : BOTH) {
            PullMessageRequestHeader h = new PullMessageRequestHeader();
            h.setConsumerGroup("PayConsumerGroup");
            h.setTopic("PayTopic");
            h.setQueueId(1);
            h.setQueueOffset(100L);
            h.setMaxMsgNums(32);
            h.setSysFlag(3);
            h.setCommitOffset(99L);
            h.setSuspendTimeoutMillis(15000L);
            h.setSubscription("TagA || TagB");
            h.setSubVersion(1700000000000L);
            h.setExpressionType("TAG");
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.PULL_MESSAGE, h);
            cmd.setOpaque(44);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("PULL_MESSAGE/PayTopic/" + st.name(), "PullMessageRequestHeader", cmd));
        }
        for (SerializeType st : BOTH) {
            RemotingCommand cmd = RemotingCommand.createResponseCommand(PullMessageResponseHeader.class);
            PullMessageResponseHeader h = (PullMessageResponseHeader) cmd.readCustomHeader();
            h.setSuggestWhichBrokerId(0L);
            h.setNextBeginOffset(132L);
            h.setMinOffset(0L);
            h.setMaxOffset(200L);
            cmd.setCode(ResponseCode.SUCCESS);
            cmd.setRemark("FOUND");
            cmd.setOpaque(44);
            cmd.setBody(pullBody());
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("PULL_MESSAGE/response/FOUND/" + st.name(), "PullMessageResponseHeader", cmd));
        }
        for (SerializeType st : BOTH) {
            RemotingCommand cmd = RemotingCommand.createResponseCommand(SendMessageResponseHeader.class);
            SendMessageResponseHeader h = (SendMessageResponseHeader) cmd.readCustomHeader();
            h.setMsgId("C0A8011400002A9F000000000001E240");
            h.setQueueId(2);
            h.setQueueOffset(17L);
            cmd.addExtField(MessageConst.PROPERTY_MSG_REGION, "DefaultRegion");
            cmd.addExtField(MessageConst.PROPERTY_TRACE_SWITCH, "true");
            cmd.setCode(ResponseCode.SUCCESS);
            cmd.setRemark(null);
            cmd.setOpaque(42);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("SEND_MESSAGE/response/OK/" + st.name(), "SendMessageResponseHeader", cmd));
        }
        for (SerializeType st : BOTH) {
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.HEART_BEAT, null);
            cmd.setBody(heartbeat().encode());
            cmd.setOpaque(45);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("HEART_BEAT/" + st.name(), null, cmd));
        }
        for (SerializeType st : BOTH) {
            UpdateConsumerOffsetRequestHeader h = new UpdateConsumerOffsetRequestHeader();
            h.setConsumerGroup("PayConsumerGroup");
            h.setTopic("PayTopic");
            h.setQueueId(1);
            h.setCommitOffset(132L);
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.UPDATE_CONSUMER_OFFSET, h);
            cmd.markOnewayRPC();
            cmd.setOpaque(46);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("UPDATE_CONSUMER_OFFSET/oneway/" + st.name(), "UpdateConsumerOffsetRequestHeader", cmd));
        }
        for (SerializeType st : BOTH) {
            RemotingCommand cmd = RemotingCommand.createResponseCommand(ResponseCode.TOPIC_NOT_EXIST,
                "No topic route info in name server for the topic: PayTopic");
            cmd.setOpaque(7);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("error/TOPIC_NOT_EXIST/" + st.name(), null, cmd));
        }
        for (SerializeType st : BOTH) {
            RemotingCommand cmd = RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_ERROR,
                "备注\u0001\n\"quote\"");
            cmd.setOpaque(8);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("remark/nonAscii-control/" + st.name(), null, cmd));
        }
        for (SerializeType st : BOTH) {
            // every escaping class fastjson distinguishes, in remark and in an ext value
            String tricky = "tab\t cr\r nul\u0000 us\u001f del\u007f slash/ back\\ amp& lt< gt> apos' "
                + "bs\b ff\f vt\u000b nbsp\u00a0 ls\u2028 ps\u2029 bom\ufeff é 😀";
            RemotingCommand cmd = RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_ERROR, tricky);
            cmd.addExtField("k\u0001\"", tricky);
            cmd.setOpaque(9);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("remark/escapes/" + st.name(), null, cmd));
        }
        for (SerializeType st : BOTH) {
            // request without header but with an ad-hoc ext field and an empty (non-null) body
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.GET_BROKER_CLUSTER_INFO, null);
            cmd.addExtField("adhoc", "x");
            cmd.setBody(new byte[0]);
            cmd.setOpaque(0);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("GET_BROKER_CLUSTER_INFO/adhocExt-emptyBody/" + st.name(), null, cmd));
        }
        for (SerializeType st : BOTH) {
            // plain request, no header, no ext, no body, negative opaque (counter wrap-around)
            RemotingCommand cmd = RemotingCommand.createRequestCommand(RequestCode.GET_BROKER_CLUSTER_INFO, null);
            cmd.setOpaque(-2147483648);
            cmd.setSerializeTypeCurrentRPC(st);
            out.add(command("GET_BROKER_CLUSTER_INFO/bare-negativeOpaque/" + st.name(), null, cmd));
        }
    }

    private static HeartbeatData heartbeat() throws Exception {
        HeartbeatData hb = new HeartbeatData();
        hb.setClientID("127.0.0.1@1234");
        ProducerData pd = new ProducerData();
        pd.setGroupName("PayProducerGroup");
        hb.getProducerDataSet().add(pd);
        ConsumerData cd = new ConsumerData();
        cd.setGroupName("PayConsumerGroup");
        cd.setConsumeType(ConsumeType.CONSUME_PASSIVELY);
        cd.setMessageModel(MessageModel.CLUSTERING);
        cd.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        cd.setUnitMode(false);
        SubscriptionData s1 = FilterAPI.buildSubscriptionData("PayConsumerGroup", "PayTopic", "TagA || TagB");
        s1.setSubVersion(1700000000000L);
        SubscriptionData s2 = FilterAPI.buildSubscriptionData("PayConsumerGroup", "%RETRY%PayConsumerGroup", "*");
        s2.setSubVersion(1700000000001L);
        cd.getSubscriptionDataSet().add(s1);
        cd.getSubscriptionDataSet().add(s2);
        hb.getConsumerDataSet().add(cd);
        return hb;
    }

    // ------------------------------------------------------------------ stored messages

    private static InetSocketAddress sock(String ip, int port) throws Exception {
        // literal only: InetAddress.getByName on a literal does no lookup
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private static String hostPort(SocketAddress a) {
        InetSocketAddress s = (InetSocketAddress) a;
        return s.getAddress().getHostAddress() + ":" + s.getPort();
    }

    private static final class StoredCase {
        final String name;
        final MessageExt msg;
        byte[] uncompressed;

        StoredCase(String name, MessageExt msg) {
            this.name = name;
            this.msg = msg;
        }
    }

    private static MessageExt baseMsg(String topic, long commitLogOffset, long queueOffset) throws Exception {
        MessageExt m = new MessageExt();
        m.setTopic(topic);
        m.setQueueId(2);
        m.setFlag(0);
        m.setQueueOffset(queueOffset);
        m.setCommitLogOffset(commitLogOffset);
        m.setSysFlag(0);
        m.setBornTimestamp(1700000000123L);
        m.setBornHost(sock("10.0.0.7", 53211));
        m.setStoreTimestamp(1700000000456L);
        m.setStoreHost(sock("192.168.1.20", 10911));
        m.setReconsumeTimes(0);
        m.setPreparedTransactionOffset(0L);
        return m;
    }

    private static Map<String, String> props(String... kv) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    private List<StoredCase> storedCases() throws Exception {
        List<StoredCase> cases = new ArrayList<>();

        MessageExt m = baseMsg("PayTopic", 123456L, 17L);
        m.setBody("Hello RocketMQ".getBytes(StandardCharsets.UTF_8));
        MessageAccessor.setProperties(m, props("KEYS", "order-1001", "TAGS", "TagA", "WAIT", "true",
            "UNIQ_KEY", "7F00000100002A9F0000000000000000", "CLUSTER", "DefaultCluster"));
        cases.add(new StoredCase("ipv4-plain", m));

        m = baseMsg("PayTopic", 123456L, 17L);
        m.setSysFlag(0x10 | 0x20);
        m.setBornHost(sock("2001:db8::7", 53211));
        m.setStoreHost(sock("2001:db8::20", 10911));
        m.setBody("v6".getBytes(StandardCharsets.UTF_8));
        MessageAccessor.setProperties(m, props("TAGS", "TagB", "WAIT", "true"));
        cases.add(new StoredCase("ipv6-both-hosts", m));

        m = baseMsg("PayTopic", 654321L, 18L);
        m.setSysFlag(0x10);
        m.setBornHost(sock("2001:db8::7", 53211));
        m.setBody("v6-born".getBytes(StandardCharsets.UTF_8));
        MessageAccessor.setProperties(m, props("TAGS", "TagB"));
        cases.add(new StoredCase("ipv6-bornhost-only", m));

        m = baseMsg("PayTopic", 200000L, 19L);
        m.setSysFlag(0x1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append("RocketMQ compressible body line ").append(i).append('\n');
        }
        byte[] plain = sb.toString().getBytes(StandardCharsets.UTF_8);
        m.setBody(plain); // encode(..., needCompress=true) compresses with UtilAll.compress(body, 5)
        MessageAccessor.setProperties(m, props("TAGS", "TagA", "WAIT", "true"));
        StoredCase sc = new StoredCase("compressed-body", m);
        sc.uncompressed = plain;
        cases.add(sc);

        m = baseMsg("PayTopic", 300000L, 20L);
        m.setBody("no props".getBytes(StandardCharsets.UTF_8));
        MessageAccessor.setProperties(m, new HashMap<>());
        cases.add(new StoredCase("empty-properties", m));

        StringBuilder t = new StringBuilder("T");
        while (t.length() < 127) {
            t.append((char) ('a' + (t.length() % 26)));
        }
        m = baseMsg(t.toString(), 400000L, 21L);
        m.setBody("long topic".getBytes(StandardCharsets.UTF_8));
        MessageAccessor.setProperties(m, props("TAGS", "TagA"));
        cases.add(new StoredCase("topic-127-chars", m));

        m = baseMsg("PayTopic", 9007199254740995L, 9007199254740993L);
        m.setFlag(-1);
        m.setQueueId(7);
        m.setReconsumeTimes(3);
        m.setSysFlag(0x4);
        m.setPreparedTransactionOffset(9007199254740997L);
        m.setBornTimestamp(4102444800000L);
        m.setStoreTimestamp(4102444800001L);
        m.setBody("big numbers".getBytes(StandardCharsets.UTF_8));
        MessageAccessor.setProperties(m, props("TRAN_MSG", "true", "PGROUP", "PayProducerGroup",
            "订单", "支付 ✓", "UNIQ_KEY", "7F00000100002A9F00000000000000AA"));
        cases.add(new StoredCase("large-offsets-prepared-nonascii", m));

        m = baseMsg("PayTopic", 500000L, 22L);
        m.setBody(new byte[0]);
        MessageAccessor.setProperties(m, props("WAIT", "true"));
        cases.add(new StoredCase("empty-body", m));

        return cases;
    }

    private byte[] encodeStored(StoredCase c) throws Exception {
        MessageExt m = c.msg;
        byte[] storedBody = m.getBody();
        if ((m.getSysFlag() & 0x1) != 0) {
            storedBody = UtilAll.compress(m.getBody(), 5);
        }
        m.setBodyCRC(UtilAll.crc32(storedBody));
        byte[] rec = MessageDecoder.encode(m, true);
        m.setStoreSize(rec.length);
        return rec;
    }

    private List<Object> storedMessages() throws Exception {
        List<Object> out = new ArrayList<>();
        for (StoredCase c : storedCases()) {
            byte[] rec = encodeStored(c);
            MessageExt m = c.msg;
            MessageExt d = MessageDecoder.decode(ByteBuffer.wrap(rec), true, false);
            MessageExt dc = MessageDecoder.decode(ByteBuffer.wrap(rec), true, false, true);
            check(d != null && dc != null, "decode stored " + c.name);
            String offsetMsgId = MessageDecoder.createMessageId(m.getStoreHost(), m.getCommitLogOffset());
            byte[] storedBody = (m.getSysFlag() & 0x1) != 0 ? UtilAll.compress(m.getBody(), 5) : m.getBody();
            check(d.getTopic().equals(m.getTopic()) && d.getQueueOffset() == m.getQueueOffset()
                && d.getCommitLogOffset() == m.getCommitLogOffset() && d.getSysFlag() == m.getSysFlag()
                && d.getStoreSize() == rec.length && d.getBodyCRC() == m.getBodyCRC()
                && hostPort(d.getStoreHost()).equals(hostPort(m.getStoreHost()))
                && hostPort(d.getBornHost()).equals(hostPort(m.getBornHost()))
                && Arrays.equals(d.getBody() == null ? new byte[0] : d.getBody(), storedBody)
                && emptyIfNull(d.getProperties()).equals(emptyIfNull(m.getProperties())), "stored fields " + c.name);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("topic", m.getTopic());
            f.put("queueId", m.getQueueId());
            f.put("flag", m.getFlag());
            f.put("queueOffset", String.valueOf(m.getQueueOffset()));
            f.put("commitLogOffset", String.valueOf(m.getCommitLogOffset()));
            f.put("sysFlag", m.getSysFlag());
            f.put("bornTimestamp", String.valueOf(m.getBornTimestamp()));
            f.put("bornHost", hostPort(m.getBornHost()));
            f.put("storeTimestamp", String.valueOf(m.getStoreTimestamp()));
            f.put("storeHost", hostPort(m.getStoreHost()));
            f.put("reconsumeTimes", m.getReconsumeTimes());
            f.put("preparedTransactionOffset", String.valueOf(m.getPreparedTransactionOffset()));
            f.put("bodyHex", hex(storedBody));
            if (c.uncompressed != null) {
                f.put("uncompressedBodyHex", hex(c.uncompressed));
                check(Arrays.equals(UtilAll.uncompress(storedBody), c.uncompressed), "inflate");
            }
            f.put("bodyCRC", m.getBodyCRC());
            f.put("storeSize", rec.length);
            f.put("properties", new LinkedHashMap<>(m.getProperties()));
            f.put("propertiesString", MessageDecoder.messageProperties2String(m.getProperties()));
            f.put("offsetMsgId", offsetMsgId);
            f.put("decodedMsgId", d.getMsgId());
            f.put("decodedClientMsgId", dc.getMsgId());
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", c.name);
            v.put("fields", f);
            v.put("hex", hex(rec));
            out.add(v);
        }
        notes.add("storedMessages[].fields.decodedMsgId = MessageDecoder.decode(buf, true, false).getMsgId() "
            + "(broker-side MessageExt: the offsetMsgId); decodedClientMsgId = decode(buf, true, false, true) "
            + "(MessageClientExt: UNIQ_KEY when present, else offsetMsgId). bodyHex is the stored (possibly "
            + "compressed) body; decode(..., deCompressBody=false) returns exactly it.");
        return out;
    }

    /** Three consecutive stored records, as a PULL body. */
    private byte[] pullBody() throws Exception {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        long phy = 1000000L;
        for (int i = 0; i < 3; i++) {
            MessageExt m = baseMsg("PayTopic", phy, 100L + i);
            m.setQueueId(1);
            m.setBody(("pull-" + i).getBytes(StandardCharsets.UTF_8));
            m.setStoreTimestamp(1700000000456L + i);
            MessageAccessor.setProperties(m, props("TAGS", i == 1 ? "TagB" : "TagA", "WAIT", "true",
                "UNIQ_KEY", "7F00000100002A9F00000000000001" + (i < 10 ? "0" : "") + i));
            byte[] rec = encodeStored(new StoredCase("pull" + i, m));
            bos.write(rec);
            phy += rec.length;
        }
        byte[] body = bos.toByteArray();
        List<MessageExt> back = MessageDecoder.decodes(ByteBuffer.wrap(body));
        check(back.size() == 3, "pull body decodes to 3");
        return body;
    }

    // ------------------------------------------------------------------ batches

    private List<Object> batches() throws Exception {
        List<Object> out = new ArrayList<>();
        List<Message> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Message m = new Message("PayTopic", "TagA", ("m" + i).getBytes(StandardCharsets.UTF_8));
            MessageAccessor.putProperty(m, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
                "7F00000100002A9F000000000000000" + i);
            a.add(m);
        }
        out.add(batch("three-ascii", a));

        List<Message> b = new ArrayList<>();
        Message m1 = new Message("PayTopic", "标签", "订单-1 order-1", 7, "中文正文 ✓".getBytes(StandardCharsets.UTF_8), true);
        m1.putUserProperty("备注", "支付 ✓ 😀");
        b.add(m1);
        Message m2 = new Message("PayTopic", "TagB", new byte[0]);
        m2.setFlag(-5);
        b.add(m2);
        out.add(batch("nonascii-props-empty-body-negative-flag", b));

        List<Message> c = new ArrayList<>();
        Message m3 = new Message();
        m3.setTopic("PayTopic");
        m3.setBody(body1024());
        MessageAccessor.setProperties(m3, new HashMap<>());
        c.add(m3);
        out.add(batch("single-no-properties-1024-body", c));
        return out;
    }

    private Map<String, Object> batch(String name, List<Message> msgs) throws Exception {
        byte[] enc = MessageDecoder.encodeMessages(msgs);
        List<Message> back = MessageDecoder.decodeMessages(ByteBuffer.wrap(enc));
        check(back.size() == msgs.size(), "batch decode " + name);
        List<Object> ms = new ArrayList<>();
        for (Message m : msgs) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("topic", m.getTopic());
            o.put("flag", m.getFlag());
            o.put("bodyHex", hex(m.getBody()));
            o.put("properties", m.getProperties() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(m.getProperties()));
            o.put("propertiesString", MessageDecoder.messageProperties2String(m.getProperties()));
            ms.add(o);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", name);
        v.put("messages", ms);
        v.put("hex", hex(enc));
        return v;
    }

    // ------------------------------------------------------------------ properties

    private List<Object> properties() {
        List<Object> out = new ArrayList<>();
        List<Map<String, String>> maps = new ArrayList<>();
        maps.add(payProperties());
        Map<String, String> lm = new LinkedHashMap<>();
        lm.put("TAGS", "TagA");
        lm.put("KEYS", "k1 k2");
        lm.put("WAIT", "false");
        maps.add(lm);
        maps.add(new HashMap<>());
        Map<String, String> withNull = new LinkedHashMap<>();
        withNull.put("a", "1");
        withNull.put("b", null);
        withNull.put("c", "");
        maps.add(withNull);
        Map<String, String> weird = new LinkedHashMap<>();
        weird.put("key with space", "value=with:symbols|&");
        weird.put("emoji", "😀");
        weird.put("DELAY", "3");
        maps.add(weird);
        for (Map<String, String> mp : maps) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("map", new LinkedHashMap<>(mp));
            v.put("string", MessageDecoder.messageProperties2String(mp));
            out.add(v);
        }
        String[] parse = {
            "",
            "TAGS\u0001TagA\u0002",
            "TAGS\u0001TagA",
            "TAGS\u0001TagA\u0002KEYS\u0001k1\u0002",
            "a\u0001\u0002b\u00012\u0002",
            "\u00011\u0002b\u00012\u0002",
            "novalue\u0002b\u00012\u0002",
            "a\u00011\u0002a\u00012\u0002",
            "a\u00011\u0002garbage",
            "a\u00011\u0002garbage\u0001",
            "a\u00011\u00012\u0002",
            "\u0002\u0002a\u00011\u0002\u0002",
            "a\u00011\u0002\u0001\u0002",
            "订单\u0001支付 ✓\u0002",
        };
        for (String s : parse) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("string", s);
            Map<String, String> parsed = MessageDecoder.string2messageProperties(s);
            v.put("parsed", new LinkedHashMap<>(parsed));
            out.add(v);
        }
        return out;
    }

    // ------------------------------------------------------------------ ids

    private List<Object> offsetMsgIds() throws Exception {
        List<Object> out = new ArrayList<>();
        Object[][] cases = {
            {"192.168.1.20", 10911, 123456L},
            {"192.168.1.20", 10911, 0L},
            {"10.0.0.7", 65535, 9007199254740993L},
            {"255.255.255.255", 1, Long.MAX_VALUE},
            {"127.0.0.1", 10911, 4294967296L},
            {"2001:db8::20", 10911, 123456L},
            {"::1", 10911, 9007199254740993L},
        };
        for (Object[] c : cases) {
            SocketAddress addr = sock((String) c[0], (Integer) c[1]);
            long off = (Long) c[2];
            String id = MessageDecoder.createMessageId(addr, off);
            MessageId back = MessageDecoder.decodeMessageId(id);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("storeHost", hostPort(addr));
            v.put("commitLogOffset", String.valueOf(off));
            v.put("id", id);
            v.put("decodedAddress", hostPort(back.getAddress()));
            v.put("decodedOffset", String.valueOf(back.getOffset()));
            out.add(v);
        }
        return out;
    }

    /**
     * Ids produced once by MessageClientIDSetter.createUniqID() (4.8.0, -Duser.timezone=UTC; IPv4 ones with
     * -Djava.net.preferIPv4Stack=true). getNearlyTimeFromID depends on the clock, so its result is recorded
     * together with the clock value at which it was called; everything else is decoded live.
     */
    private static final Object[][] UNIQ_IDS = {
        // id, decodeNowMs, nearlyTimeMs (getNearlyTimeFromID(id).getTime() at decodeNowMs, UTC)
        {"C00002021BAA30946E097C811B980000", 1795580036042L, 1795580035992L},
        {"C00002021BAA30946E097C8120A70001", 1795580037337L, 1795580037287L},
        {"FD0000000000000000000000000000021BBD30946E097C81260A0000", 1795580038716L, 1795580038666L},
        {"FD0000000000000000000000000000021BBD30946E097C812B1A0001", 1795580040012L, 1795580039962L},
    };

    private List<Object> uniqIds() {
        List<Object> out = new ArrayList<>();
        for (Object[] c : UNIQ_IDS) {
            String id = (String) c[0];
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", id);
            v.put("ip", MessageClientIDSetter.getIPStrFromID(id));
            v.put("ipHex", hex(MessageClientIDSetter.getIPFromID(id)));
            v.put("pid", MessageClientIDSetter.getPidFromID(id));
            v.put("decodeNowMs", String.valueOf(c[1]));
            v.put("nearlyTimeMs", String.valueOf(c[2]));
            out.add(v);
        }
        notes.add("uniqIds: ids were generated once with MessageClientIDSetter.createUniqID() and hard-coded; ip/ipHex/pid "
            + "are decoded live (getIPStrFromID/getIPFromID/getPidFromID). getNearlyTimeFromID reads the clock "
            + "(start of the current month in the JVM time zone, minus one month if start+span >= now), so its "
            + "result nearlyTimeMs is recorded as observed at decodeNowMs with user.timezone=UTC.");
        return out;
    }

    /** Queue allocation by the client's strategies for several group shapes (what every member must agree on). */
    private List<Object> allocations() {
        List<Object> out = new ArrayList<>();
        Map<String, org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy> strategies = new LinkedHashMap<>();
        strategies.put("AVG", new org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely());
        strategies.put("AVG_BY_CIRCLE", new org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragelyByCircle());
        strategies.put("CONSISTENT_HASH", new org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueConsistentHash());
        int[][] shapes = {{4, 1}, {4, 2}, {4, 3}, {4, 5}, {8, 3}, {16, 5}, {7, 7}, {2, 4}};
        for (int[] shape : shapes) {
            List<MessageQueue> mqAll = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                for (int q = 0; q < shape[0] / 2 + (b == 0 ? shape[0] % 2 : 0); q++) {
                    mqAll.add(new MessageQueue("TopicA", "broker-" + (char) ('a' + b), q));
                }
            }
            java.util.Collections.sort(mqAll);
            List<String> cidAll = new ArrayList<>();
            for (int c = 0; c < shape[1]; c++) {
                cidAll.add("10.0.0." + (c + 1) + "@" + (1000 + c * 37));
            }
            java.util.Collections.sort(cidAll);
            for (Map.Entry<String, org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy> strategy : strategies.entrySet()) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("strategy", strategy.getKey());
                v.put("queues", mqAll.size());
                v.put("cidAll", cidAll);
                Map<String, Object> byClient = new LinkedHashMap<>();
                for (String cid : cidAll) {
                    List<Object> mine = new ArrayList<>();
                    for (MessageQueue mq : strategy.getValue().allocate("group", cid, mqAll, cidAll)) {
                        mine.add(mq.getBrokerName() + ":" + mq.getQueueId());
                    }
                    byClient.put(cid, mine);
                }
                v.put("allocation", byClient);
                out.add(v);
            }
        }
        return out;
    }

    /** SelectMessageQueueByHash: the queue index a sharding key picks. */
    private List<Object> shardingKeys() {
        List<Object> out = new ArrayList<>();
        org.apache.rocketmq.client.producer.selector.SelectMessageQueueByHash selector = new org.apache.rocketmq.client.producer.selector.SelectMessageQueueByHash();
        for (String key : new String[] {"order-1", "order-2", "订单-42", "", "polygenelubricants", "a much longer sharding key 1234567890"}) {
            for (int n : new int[] {1, 4, 7, 16}) {
                List<MessageQueue> mqs = new ArrayList<>();
                for (int q = 0; q < n; q++) {
                    mqs.add(new MessageQueue("TopicA", "broker-a", q));
                }
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("key", key);
                v.put("queues", n);
                v.put("index", selector.select(mqs, null, key).getQueueId());
                out.add(v);
            }
        }
        return out;
    }

    private List<Object> tagHashes() {
        List<Object> out = new ArrayList<>();
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            big.append((char) ('a' + (i * 7) % 26));
        }
        for (String s : new String[] {"TagA", "TagB", "", "*", "订单", "a||b", "😀", big.toString()}) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("tag", s);
            v.put("hash", s.hashCode());
            out.add(v);
        }
        return out;
    }

    // ------------------------------------------------------------------ JSON bodies

    private static BrokerData brokerA() {
        HashMap<Long, String> addrs = new HashMap<>();
        addrs.put(0L, "192.168.1.20:10911");
        addrs.put(1L, "192.168.1.21:10911");
        return new BrokerData("DefaultCluster", "broker-a", addrs);
    }

    private static TopicRouteData routeData() {
        TopicRouteData r = new TopicRouteData();
        r.setOrderTopicConf(null);
        QueueData q = new QueueData();
        q.setBrokerName("broker-a");
        q.setReadQueueNums(4);
        q.setWriteQueueNums(4);
        q.setPerm(6);
        q.setTopicSynFlag(0);
        List<QueueData> qs = new ArrayList<>();
        qs.add(q);
        r.setQueueDatas(qs);
        List<BrokerData> bs = new ArrayList<>();
        bs.add(brokerA());
        r.setBrokerDatas(bs);
        r.setFilterServerTable(new HashMap<>());
        return r;
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private List<Object> jsonBodies() throws Exception {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("TopicRouteData", str(routeData().encode()));

        ClusterInfo ci = new ClusterInfo();
        HashMap<String, BrokerData> bat = new HashMap<>();
        bat.put("broker-a", brokerA());
        ci.setBrokerAddrTable(bat);
        HashMap<String, Set<String>> cat = new HashMap<>();
        Set<String> names = new HashSet<>();
        names.add("broker-a");
        cat.put("DefaultCluster", names);
        ci.setClusterAddrTable(cat);
        bodies.put("ClusterInfo", str(ci.encode()));

        ConsumeStats cs = new ConsumeStats();
        cs.setConsumeTps(12.5);
        OffsetWrapper ow = new OffsetWrapper();
        ow.setBrokerOffset(100L);
        ow.setConsumerOffset(90L);
        ow.setLastTimestamp(1700000000000L);
        cs.getOffsetTable().put(new MessageQueue("PayTopic", "broker-a", 0), ow);
        bodies.put("ConsumeStats", str(cs.encode()));

        ResetOffsetBody rob = new ResetOffsetBody();
        Map<MessageQueue, Long> rot = new HashMap<>();
        rot.put(new MessageQueue("PayTopic", "broker-a", 1), 77L);
        rob.setOffsetTable(rot);
        bodies.put("ResetOffsetBody", str(rob.encode()));

        TopicConfigSerializeWrapper tw = new TopicConfigSerializeWrapper();
        DataVersion dv = new DataVersion();
        dv.setCounter(new AtomicLong(5L));
        dv.setTimestamp(1700000000000L);
        tw.setDataVersion(dv);
        ConcurrentMap<String, TopicConfig> tct = new ConcurrentHashMap<>();
        TopicConfig tc = new TopicConfig("PayTopic", 4, 4, 6);
        tc.setOrder(false);
        tc.setTopicFilterType(TopicFilterType.SINGLE_TAG);
        tc.setTopicSysFlag(0);
        tct.put("PayTopic", tc);
        tw.setTopicConfigTable(tct);
        bodies.put("TopicConfigSerializeWrapper", str(tw.encode()));

        LockBatchRequestBody lb = new LockBatchRequestBody();
        lb.setConsumerGroup("PayConsumerGroup");
        lb.setClientId("127.0.0.1@1234");
        Set<MessageQueue> mqs = new HashSet<>();
        mqs.add(new MessageQueue("PayTopic", "broker-a", 0));
        lb.setMqSet(mqs);
        bodies.put("LockBatchRequestBody", str(lb.encode()));

        SubscriptionGroupConfig sgc = new SubscriptionGroupConfig();
        sgc.setGroupName("PayConsumerGroup");
        bodies.put("SubscriptionGroupConfig", RemotingSerializable.toJson(sgc, false));

        ConcurrentMap<String, ConcurrentMap<Integer, Long>> cot = new ConcurrentHashMap<>();
        ConcurrentMap<Integer, Long> inner = new ConcurrentHashMap<>();
        inner.put(0, 10L);
        inner.put(1, 20L);
        cot.put("PayTopic@PayConsumerGroup", inner);
        bodies.put("ConsumerOffsetTable", RemotingSerializable.toJson(cot, false));
        bodies.put("ConsumerOffsetTablePretty", RemotingSerializable.toJson(cot, true));

        bodies.put("HeartbeatData", str(heartbeat().encode()));

        GetConsumerListByGroupResponseBody gcl = new GetConsumerListByGroupResponseBody();
        List<String> ids = new ArrayList<>();
        ids.add("127.0.0.1@1234");
        ids.add("127.0.0.1@5678");
        gcl.setConsumerIdList(ids);
        bodies.put("GetConsumerListByGroupResponseBody", str(gcl.encode()));

        List<Object> out = new ArrayList<>();
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", e.getKey());
            v.put("json", e.getValue());
            out.add(v);
        }
        return out;
    }

    private List<Object> jsonParse() throws Exception {
        String canonical = str(routeData().encode());
        Object[][] cases = {
            {"TopicRouteData/canonical", TopicRouteData.class, canonical},
            {"TopicRouteData/quotedBrokerIdKeys", TopicRouteData.class,
                canonical.replace("{0:", "{\"0\":").replace(",1:", ",\"1\":")},
            {"TopicRouteData/whitespaceNewlines", TopicRouteData.class,
                "{\n  \"brokerDatas\" : [ {\n    \"brokerAddrs\" : { 0 : \"192.168.1.20:10911\" ,\r\n 1:\"192.168.1.21:10911\" },\n"
                    + "\t\"brokerName\":\"broker-a\", \"cluster\":\"DefaultCluster\" } ],\n  \"filterServerTable\" : { },\n"
                    + "  \"queueDatas\" : [ { \"brokerName\" : \"broker-a\", \"perm\" : 6, \"readQueueNums\" : 4,"
                    + " \"topicSynFlag\" : 0, \"writeQueueNums\" : 4 } ]\n}\n"},
            {"TopicRouteData/unknownFields", TopicRouteData.class,
                "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"192.168.1.20:10911\"},\"brokerName\":\"broker-a\","
                    + "\"cluster\":\"DefaultCluster\",\"enableActingMaster\":false,\"zoneName\":\"z1\"}],"
                    + "\"extra\":{\"nested\":[1,2,{\"x\":null}]},\"filterServerTable\":{},"
                    + "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,"
                    + "\"topicSysFlag\":3,\"topicSynFlag\":1,\"writeQueueNums\":4}]}"},
            {"TopicRouteData/topicSysFlagOnly(4.9 name)", TopicRouteData.class,
                "{\"brokerDatas\":[],\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,"
                    + "\"topicSysFlag\":3,\"writeQueueNums\":4}]}"},
            {"TopicRouteData/numbersAsStrings", TopicRouteData.class,
                "{\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":\"6\",\"readQueueNums\":\"4\","
                    + "\"topicSynFlag\":\"0\",\"writeQueueNums\":\"4\"}]}"},
            {"TopicRouteData/negativeAndBigBrokerIdKeys", TopicRouteData.class,
                "{\"brokerDatas\":[{\"brokerAddrs\":{-1:\"a:1\",9007199254740993:\"b:2\"},\"brokerName\":\"b\","
                    + "\"cluster\":\"c\"}]}"},
            {"TopicRouteData/explicitNulls", TopicRouteData.class,
                "{\"brokerDatas\":null,\"filterServerTable\":null,\"orderTopicConf\":null,\"queueDatas\":null}"},
            {"TopicRouteData/orderTopicConfAndFilterServers", TopicRouteData.class,
                "{\"brokerDatas\":[],\"filterServerTable\":{\"192.168.1.20:10911\":[\"192.168.1.20:30000\"]},"
                    + "\"orderTopicConf\":\"broker-a:4;broker-b:4\",\"queueDatas\":[]}"},
            {"TopicRouteData/singleQuotes", TopicRouteData.class,
                "{'brokerDatas':[{'brokerAddrs':{0:'192.168.1.20:10911'},'brokerName':'broker-a','cluster':'c'}]}"},
            {"TopicRouteData/unquotedFieldNames", TopicRouteData.class,
                "{brokerDatas:[{brokerAddrs:{0:\"192.168.1.20:10911\"},brokerName:\"broker-a\",cluster:\"c\"}]}"},
            {"TopicRouteData/trailingComma", TopicRouteData.class,
                "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"a:1\",},\"brokerName\":\"b\",\"cluster\":\"c\",}],}"},
            {"TopicRouteData/emptyObject", TopicRouteData.class, "{}"},
            {"TopicRouteData/unicodeEscapes", TopicRouteData.class,
                "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"\\u0031\\u0039\\u0032.168.1.20:10911\"},"
                    + "\"brokerName\":\"broker-\\u00e9\",\"cluster\":\"c\"}]}"},
            {"TopicRouteData/notJson", TopicRouteData.class, "not json"},
            {"ClusterInfo/canonical", ClusterInfo.class, null},
            {"ClusterInfo/quotedBrokerIdKeys", ClusterInfo.class,
                "{\"brokerAddrTable\":{\"broker-a\":{\"brokerAddrs\":{\"0\":\"192.168.1.20:10911\"},"
                    + "\"brokerName\":\"broker-a\",\"cluster\":\"DefaultCluster\"}},"
                    + "\"clusterAddrTable\":{\"DefaultCluster\":[\"broker-a\"]}}"},
            {"ConsumeStats/canonical(objectKey)", ConsumeStats.class, null},
            {"ConsumeStats/stringKey", ConsumeStats.class,
                "{\"consumeTps\":1.0,\"offsetTable\":{\"PayTopic\":{\"brokerOffset\":1,\"consumerOffset\":0,"
                    + "\"lastTimestamp\":0}}}"},
            {"ResetOffsetBody/canonical(objectKey)", ResetOffsetBody.class, null},
            {"ResetOffsetBody/objectKeyWithWhitespaceAndOtherOrder", ResetOffsetBody.class,
                "{ \"offsetTable\" : { { \"topic\" : \"PayTopic\", \"queueId\" : 1, \"brokerName\" : \"broker-a\" } : 77 } }"},
        };
        List<Object> jb = jsonBodies();
        List<Object> out = new ArrayList<>();
        for (Object[] c : cases) {
            String name = (String) c[0];
            @SuppressWarnings("unchecked")
            Class<Object> cls = (Class<Object>) c[1];
            String json = (String) c[2];
            if (json == null) {
                String want = cls.getSimpleName();
                for (Object o : jb) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) o;
                    if (m.get("name").equals(want)) {
                        json = (String) m.get("json");
                    }
                }
            }
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", name);
            v.put("target", cls.getSimpleName());
            v.put("json", json);
            try {
                Object obj = RemotingSerializable.decode(json.getBytes(StandardCharsets.UTF_8), cls);
                v.put("accepted", obj != null);
                v.put("reencoded", obj == null ? null : RemotingSerializable.toJson(obj, false));
            } catch (RuntimeException e) {
                v.put("accepted", false);
                v.put("reencoded", null);
                v.put("error", e.getClass().getName());
            }
            out.add(v);
        }
        notes.add("jsonParse[]: decoded with RemotingSerializable.decode(bytes, target) (fastjson " + JSON.VERSION
            + "); accepted=false means it threw (error = exception class) or returned null.");
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, String> emptyIfNull(Map<String, String> m) {
        return m == null ? new HashMap<>() : m;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("self-check failed: " + what);
        }
    }

    static String hex(byte[] b) {
        if (b == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    /** Minimal deterministic pretty JSON writer (2-space indent, UTF-8 text, no Java long allowed). */
    static final class JsonOut {
        static String write(Object o) {
            StringBuilder sb = new StringBuilder();
            value(sb, o, 0);
            sb.append('\n');
            return sb.toString();
        }

        private static void indent(StringBuilder sb, int n) {
            for (int i = 0; i < n; i++) {
                sb.append("  ");
            }
        }

        private static void value(StringBuilder sb, Object o, int depth) {
            if (o == null) {
                sb.append("null");
            } else if (o instanceof String) {
                string(sb, (String) o);
            } else if (o instanceof Integer || o instanceof Boolean) {
                sb.append(o);
            } else if (o instanceof Map) {
                Map<?, ?> m = (Map<?, ?>) o;
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append("{\n");
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    indent(sb, depth + 1);
                    string(sb, (String) e.getKey());
                    sb.append(": ");
                    value(sb, e.getValue(), depth + 1);
                    sb.append(++i < m.size() ? ",\n" : "\n");
                }
                indent(sb, depth);
                sb.append('}');
            } else if (o instanceof List) {
                List<?> l = (List<?>) o;
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append("[\n");
                for (int i = 0; i < l.size(); i++) {
                    indent(sb, depth + 1);
                    value(sb, l.get(i), depth + 1);
                    sb.append(i + 1 < l.size() ? ",\n" : "\n");
                }
                indent(sb, depth);
                sb.append(']');
            } else {
                throw new IllegalArgumentException("unsupported JSON value type " + o.getClass());
            }
        }

        private static void string(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    case '\b': sb.append("\\b"); break;
                    case '\f': sb.append("\\f"); break;
                    default:
                        if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029
                            || (Character.isSurrogate(c) && !validSurrogateAt(s, i))) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }

        private static boolean validSurrogateAt(String s, int i) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            }
            return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        }
    }

    private GoldenVectors() {
    }
}
