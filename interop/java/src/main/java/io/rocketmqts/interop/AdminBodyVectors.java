package io.rocketmqts.interop;

import com.alibaba.fastjson.JSON;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.common.DataVersion;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.TopicFilterType;
import org.apache.rocketmq.common.admin.ConsumeStats;
import org.apache.rocketmq.common.admin.OffsetWrapper;
import org.apache.rocketmq.common.admin.TopicOffset;
import org.apache.rocketmq.common.admin.TopicStatsTable;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.message.MessageQueueForC;
import org.apache.rocketmq.common.protocol.RequestCode;
import org.apache.rocketmq.common.protocol.body.BrokerStatsData;
import org.apache.rocketmq.common.protocol.body.BrokerStatsItem;
import org.apache.rocketmq.common.protocol.body.CMResult;
import org.apache.rocketmq.common.protocol.body.CheckClientRequestBody;
import org.apache.rocketmq.common.protocol.body.Connection;
import org.apache.rocketmq.common.protocol.body.ConsumeMessageDirectlyResult;
import org.apache.rocketmq.common.protocol.body.ConsumeStatsList;
import org.apache.rocketmq.common.protocol.body.ConsumeStatus;
import org.apache.rocketmq.common.protocol.body.ConsumerConnection;
import org.apache.rocketmq.common.protocol.body.ConsumerOffsetSerializeWrapper;
import org.apache.rocketmq.common.protocol.body.ConsumerRunningInfo;
import org.apache.rocketmq.common.protocol.body.GetConsumerStatusBody;
import org.apache.rocketmq.common.protocol.body.GroupList;
import org.apache.rocketmq.common.protocol.body.KVTable;
import org.apache.rocketmq.common.protocol.body.ProcessQueueInfo;
import org.apache.rocketmq.common.protocol.body.ProducerConnection;
import org.apache.rocketmq.common.protocol.body.QueryConsumeTimeSpanBody;
import org.apache.rocketmq.common.protocol.body.QueryCorrectionOffsetBody;
import org.apache.rocketmq.common.protocol.body.QueueTimeSpan;
import org.apache.rocketmq.common.protocol.body.ResetOffsetBody;
import org.apache.rocketmq.common.protocol.body.ResetOffsetBodyForC;
import org.apache.rocketmq.common.protocol.body.SubscriptionGroupWrapper;
import org.apache.rocketmq.common.protocol.heartbeat.ConsumeType;
import org.apache.rocketmq.common.protocol.heartbeat.MessageModel;
import org.apache.rocketmq.common.protocol.heartbeat.SubscriptionData;
import org.apache.rocketmq.common.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.remoting.protocol.LanguageCode;
import org.apache.rocketmq.remoting.protocol.RemotingSerializable;

/**
 * Writes interop/golden/admin-bodies.json: the admin/management JSON bodies (mqadmin,
 * dashboard, slave sync) as the real Apache RocketMQ 4.8.0 classes serialize them.
 *
 * <p>Each vector is {name, code, class, input, json}: {@code input} describes the value that
 * was built, with every map written as a list of {key, value} entries in insertion order and
 * every set as a list in insertion order, so a test can rebuild the same value and must
 * reproduce Java's iteration order itself. Longs are plain JSON numbers (all values are below
 * 2^53). Every json is decoded again with the 4.8 class and must re-encode to the same text.
 *
 * <p>Usage: {@code java -Duser.timezone=UTC -cp ... io.rocketmqts.interop.AdminBodyVectors OUT.json}.
 * Deterministic: no clock, no identity hash codes, no randomness.
 */
public final class AdminBodyVectors {

    private final List<Object> vectors = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AdminBodyVectors <output.json>");
            System.exit(2);
        }
        Map<String, Object> root = new AdminBodyVectors().build();
        byte[] out = Out.write(root).getBytes(StandardCharsets.UTF_8);
        Path target = Paths.get(args[0]).toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.write(target, out);
        System.err.println("wrote " + target + " (" + out.length + " bytes)");
    }

    private Map<String, Object> build() throws Exception {
        topicStatsTable();
        consumeStats();
        consumerConnection();
        producerConnection();
        groupList();
        resetOffsetBody();
        resetOffsetBodyForC();
        getConsumerStatusBody();
        queryConsumeTimeSpanBody();
        consumerRunningInfo();
        consumeMessageDirectlyResult();
        kvTable();
        subscriptionGroupWrapper();
        consumerOffsetSerializeWrapper();
        delayOffsetSerializeWrapper();
        checkClientRequestBody();
        queryCorrectionOffsetBody();
        brokerStatsData();
        consumeStatsList();
        topicConfig();

        notes.add("input: maps are lists of {key, value} in insertion order, sets are lists in insertion order; "
            + "json is Java's iteration order (HashMap/ConcurrentHashMap buckets, TreeMap/TreeSet comparators).");
        notes.add("Connection has no hashCode/equals, so the HashSet<Connection> of Consumer/ProducerConnection "
            + "iterates in identity-hash order (differs run to run); the vectors pass a LinkedHashSet (a HashSet) "
            + "to make the order the insertion order.");
        notes.add("Maps built the way the broker builds them: SubscriptionGroupManager's table is "
            + "ConcurrentHashMap(1024), ConsumerOffsetManager's ConcurrentHashMap(512) with "
            + "ConcurrentHashMap(32) per topic@group, ScheduleMessageService's delay offsets ConcurrentHashMap(32).");
        notes.add("QueueTimeSpan also serializes its getters minTimeStampStr/maxTimeStampStr/consumeTimeStampStr "
            + "(SimpleDateFormat 'yyyy-MM-dd#HH:mm:ss:SSS' in the JVM time zone; UTC here).");
        notes.add("reencoded (only where it differs from json): the json decoded with the 4.8 class and encoded "
            + "again; fastjson fills ConcurrentMap fields with default-capacity maps. ConsumerOffsetManager.decode "
            + "keeps that map, so a Java broker that loaded consumerOffset.json writes this order; "
            + "SubscriptionGroupManager and ScheduleMessageService putAll into their presized maps instead.");
        notes.add("ConsumerRunningInfo.properties is a java.util.Properties; on Java 9+ it iterates like a "
            + "ConcurrentHashMap (Java 8: Hashtable order).");

        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("generator", "interop/java AdminBodyVectors (real Apache RocketMQ 4.8.0 classes)");
        meta.put("rocketmq", "4.8.0");
        meta.put("fastjson", JSON.VERSION);
        meta.put("timeZone", java.util.TimeZone.getDefault().getID());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("meta", meta);
        root.put("notes", notes);
        root.put("vectors", vectors);
        return root;
    }

    // ------------------------------------------------------------------ bodies

    private void topicStatsTable() {
        TopicStatsTable body = new TopicStatsTable();
        List<Object> in = new ArrayList<>();
        long[][] rows = {{3, 0, 120, 1700000003000L}, {0, 5, 100, 1700000000000L}, {2, 0, 0, 0}};
        for (long[] r : rows) {
            MessageQueue mq = new MessageQueue("PayTopic", "broker-a", (int) r[0]);
            TopicOffset o = new TopicOffset();
            o.setMinOffset(r[1]);
            o.setMaxOffset(r[2]);
            o.setLastUpdateTimestamp(r[3]);
            body.getOffsetTable().put(mq, o);
            in.add(entry(mq(mq), obj("minOffset", r[1], "maxOffset", r[2], "lastUpdateTimestamp", r[3])));
        }
        add("TopicStatsTable", RequestCode.GET_TOPIC_STATS_INFO, body, obj("offsetTable", in));
    }

    private ConsumeStats buildConsumeStats(String topic, double tps, long[][] rows, List<Object> in) {
        ConsumeStats body = new ConsumeStats();
        body.setConsumeTps(tps);
        for (long[] r : rows) {
            MessageQueue mq = new MessageQueue(topic, r[0] == 1 ? "broker-b" : "broker-a", (int) r[1]);
            OffsetWrapper w = new OffsetWrapper();
            w.setBrokerOffset(r[2]);
            w.setConsumerOffset(r[3]);
            w.setLastTimestamp(r[4]);
            body.getOffsetTable().put(mq, w);
            in.add(entry(mq(mq), obj("brokerOffset", r[2], "consumerOffset", r[3], "lastTimestamp", r[4])));
        }
        return body;
    }

    private void consumeStats() {
        List<Object> in = new ArrayList<>();
        long[][] rows = {{0, 1, 200, 180, 1700000001000L}, {1, 0, 50, 50, 0}, {0, 0, 210, 205, 1700000002000L}};
        ConsumeStats body = buildConsumeStats("PayTopic", 3.3333333333333335, rows, in);
        add("ConsumeStats", RequestCode.GET_CONSUME_STATS, body, obj("consumeTps", 3.3333333333333335, "offsetTable", in));

        List<Object> in2 = new ArrayList<>();
        ConsumeStats zero = buildConsumeStats("%RETRY%PayConsumerGroup", 0.0, new long[][] {{0, 0, 0, 0, 0}}, in2);
        add("ConsumeStats/zeroTps", RequestCode.GET_CONSUME_STATS, zero, obj("consumeTps", 0.0, "offsetTable", in2));
    }

    private SubscriptionData subscription(String topic, String subString, long subVersion, String... tags) {
        SubscriptionData sd = new SubscriptionData();
        sd.setTopic(topic);
        sd.setSubString(subString);
        sd.setSubVersion(subVersion);
        for (String t : tags) {
            sd.getTagsSet().add(t);
            sd.getCodeSet().add(t.hashCode());
        }
        return sd;
    }

    private Map<String, Object> subscriptionInput(SubscriptionData sd, String... tags) {
        List<Object> codes = new ArrayList<>();
        for (String t : tags) {
            codes.add(t.hashCode());
        }
        return obj("classFilterMode", sd.isClassFilterMode(), "topic", sd.getTopic(), "subString", sd.getSubString(),
            "tagsSet", new ArrayList<Object>(Arrays.asList((Object[]) tags)), "codeSet", codes,
            "subVersion", sd.getSubVersion(), "expressionType", sd.getExpressionType());
    }

    private Connection connection(String clientId, String addr, LanguageCode language, int version) {
        Connection c = new Connection();
        c.setClientId(clientId);
        c.setClientAddr(addr);
        c.setLanguage(language);
        c.setVersion(version);
        return c;
    }

    private Map<String, Object> connectionInput(Connection c) {
        return obj("clientId", c.getClientId(), "clientAddr", c.getClientAddr(), "language", c.getLanguage().name(),
            "version", c.getVersion());
    }

    private void consumerConnection() {
        ConsumerConnection body = new ConsumerConnection();
        LinkedHashSet<Connection> set = new LinkedHashSet<>();
        set.add(connection("192.168.1.30@4321", "192.168.1.30:50012", LanguageCode.JAVA, 373));
        set.add(connection("192.168.1.31@DEFAULT", "192.168.1.31:50100", LanguageCode.GO, 317));
        body.setConnectionSet(set);
        List<Object> conns = new ArrayList<>();
        for (Connection c : set) {
            conns.add(connectionInput(c));
        }
        ConcurrentHashMap<String, SubscriptionData> subs = new ConcurrentHashMap<>();
        List<Object> subsIn = new ArrayList<>();
        Object[][] rows = {
            {"PayTopic", "TagB || TagA", 1700000000001L, new String[] {"TagB", "TagA"}},
            {"%RETRY%PayConsumerGroup", "*", 1700000000002L, new String[] {}},
            {"OrderTopic", "*", 1700000000003L, new String[] {}},
        };
        for (Object[] r : rows) {
            String[] tags = (String[]) r[3];
            SubscriptionData sd = subscription((String) r[0], (String) r[1], (Long) r[2], tags);
            subs.put(sd.getTopic(), sd);
            subsIn.add(entry(sd.getTopic(), subscriptionInput(sd, tags)));
        }
        body.setSubscriptionTable(subs);
        body.setConsumeType(ConsumeType.CONSUME_PASSIVELY);
        body.setMessageModel(MessageModel.CLUSTERING);
        body.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        add("ConsumerConnection", RequestCode.GET_CONSUMER_CONNECTION_LIST, body,
            obj("connectionSet", conns, "subscriptionTable", subsIn, "consumeType", "CONSUME_PASSIVELY",
                "messageModel", "CLUSTERING", "consumeFromWhere", "CONSUME_FROM_LAST_OFFSET"));
    }

    private void producerConnection() {
        ProducerConnection body = new ProducerConnection();
        LinkedHashSet<Connection> set = new LinkedHashSet<>();
        set.add(connection("192.168.1.40@777", "192.168.1.40:51000", LanguageCode.JAVA, 373));
        set.add(connection("192.168.1.41@778", "192.168.1.41:51001", LanguageCode.CPP, 0));
        body.setConnectionSet(set);
        List<Object> conns = new ArrayList<>();
        for (Connection c : set) {
            conns.add(connectionInput(c));
        }
        add("ProducerConnection", RequestCode.GET_PRODUCER_CONNECTION_LIST, body, obj("connectionSet", conns));
    }

    private void groupList() {
        GroupList body = new GroupList();
        List<Object> in = new ArrayList<>();
        for (String g : new String[] {"PayConsumerGroup", "AuditGroup", "GID_b", "GID_a"}) {
            body.getGroupList().add(g);
            in.add(g);
        }
        add("GroupList", RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, body, obj("groupList", in));
    }

    private Map<MessageQueue, Long> mqLongs(String topic, long[][] rows, List<Object> in) {
        Map<MessageQueue, Long> m = new HashMap<>();
        for (long[] r : rows) {
            MessageQueue mq = new MessageQueue(topic, r[0] == 1 ? "broker-b" : "broker-a", (int) r[1]);
            m.put(mq, r[2]);
            in.add(entry(mq(mq), r[2]));
        }
        return m;
    }

    private void resetOffsetBody() {
        ResetOffsetBody body = new ResetOffsetBody();
        List<Object> in = new ArrayList<>();
        body.setOffsetTable(mqLongs("PayTopic", new long[][] {{0, 3, 77}, {1, 0, 0}, {0, 1, 4096}}, in));
        add("ResetOffsetBody", RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, body, obj("offsetTable", in));
    }

    private void resetOffsetBodyForC() {
        ResetOffsetBodyForC body = new ResetOffsetBodyForC();
        List<MessageQueueForC> list = new ArrayList<>();
        List<Object> in = new ArrayList<>();
        list.add(new MessageQueueForC("PayTopic", "broker-a", 1, 77L));
        list.add(new MessageQueueForC("PayTopic", "broker-b", 0, 12L));
        for (MessageQueueForC q : list) {
            in.add(obj("topic", q.getTopic(), "brokerName", q.getBrokerName(), "queueId", q.getQueueId(),
                "offset", q.getOffset()));
        }
        body.setOffsetTable(list);
        add("ResetOffsetBodyForC", RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, body, obj("offsetTable", in));
    }

    private void getConsumerStatusBody() {
        GetConsumerStatusBody body = new GetConsumerStatusBody();
        List<Object> mqIn = new ArrayList<>();
        body.setMessageQueueTable(mqLongs("PayTopic", new long[][] {{0, 2, 15}, {0, 0, 10}}, mqIn));
        Map<String, Map<MessageQueue, Long>> consumers = new HashMap<>();
        List<Object> consumersIn = new ArrayList<>();
        String[] clients = {"192.168.1.30@4321", "192.168.1.31@DEFAULT", "10.0.0.9@1"};
        for (int i = 0; i < clients.length; i++) {
            List<Object> inner = new ArrayList<>();
            consumers.put(clients[i], mqLongs("PayTopic", new long[][] {{i % 2, 2, 100 + i}, {0, 3 + i, 7}}, inner));
            consumersIn.add(entry(clients[i], inner));
        }
        body.setConsumerTable(consumers);
        add("GetConsumerStatusBody", RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, body,
            obj("messageQueueTable", mqIn, "consumerTable", consumersIn));
    }

    private void queryConsumeTimeSpanBody() {
        QueryConsumeTimeSpanBody body = new QueryConsumeTimeSpanBody();
        List<QueueTimeSpan> spans = new ArrayList<>();
        List<Object> in = new ArrayList<>();
        long[][] rows = {{1, 1700000000000L, 1700000100123L, 1700000050007L, 3000}, {0, 0, 0, 0, 0}};
        for (long[] r : rows) {
            QueueTimeSpan s = new QueueTimeSpan();
            MessageQueue mq = new MessageQueue("PayTopic", "broker-a", (int) r[0]);
            s.setMessageQueue(mq);
            s.setMinTimeStamp(r[1]);
            s.setMaxTimeStamp(r[2]);
            s.setConsumeTimeStamp(r[3]);
            s.setDelayTime(r[4]);
            spans.add(s);
            in.add(obj("messageQueue", mq(mq), "minTimeStamp", r[1], "maxTimeStamp", r[2], "consumeTimeStamp", r[3],
                "delayTime", r[4]));
        }
        body.setConsumeTimeSpanSet(spans);
        add("QueryConsumeTimeSpanBody", RequestCode.QUERY_CONSUME_TIME_SPAN, body, obj("consumeTimeSpanSet", in));
    }

    private void consumerRunningInfo() {
        ConsumerRunningInfo body = new ConsumerRunningInfo();
        Properties props = new Properties();
        List<Object> propsIn = new ArrayList<>();
        String[][] kv = {
            {ConsumerRunningInfo.PROP_NAMESERVER_ADDR, "127.0.0.1:9876"},
            {ConsumerRunningInfo.PROP_CONSUME_TYPE, "CONSUME_PASSIVELY"},
            {ConsumerRunningInfo.PROP_CONSUME_ORDERLY, "false"},
            {ConsumerRunningInfo.PROP_THREADPOOL_CORE_SIZE, "20"},
            {ConsumerRunningInfo.PROP_CLIENT_VERSION, "V4_8_0"},
            {ConsumerRunningInfo.PROP_CONSUMER_START_TIMESTAMP, "1700000000000"},
            {"consumerGroup", "PayConsumerGroup"},
            {"messageModel", "CLUSTERING"},
            {"pullBatchSize", "32"},
            {"unitName", "tab\there \"q\""},
        };
        for (String[] e : kv) {
            props.setProperty(e[0], e[1]);
            propsIn.add(entry(e[0], e[1]));
        }
        body.setProperties(props);

        List<Object> subsIn = new ArrayList<>();
        SubscriptionData s1 = subscription("PayTopic", "TagB || TagA", 1700000000001L, "TagB", "TagA");
        SubscriptionData s2 = subscription("%RETRY%PayConsumerGroup", "*", 1700000000002L);
        body.getSubscriptionSet().add(s1);
        body.getSubscriptionSet().add(s2);
        subsIn.add(subscriptionInput(s1, "TagB", "TagA"));
        subsIn.add(subscriptionInput(s2));

        List<Object> mqIn = new ArrayList<>();
        Object[][] mqs = {{"PayTopic", "broker-b", 0}, {"PayTopic", "broker-a", 3}, {"%RETRY%PayConsumerGroup", "broker-a", 0}};
        long n = 0;
        for (Object[] m : mqs) {
            MessageQueue mq = new MessageQueue((String) m[0], (String) m[1], (Integer) m[2]);
            ProcessQueueInfo p = new ProcessQueueInfo();
            p.setCommitOffset(100 + n);
            p.setCachedMsgMinOffset(101 + n);
            p.setCachedMsgMaxOffset(130 + n);
            p.setCachedMsgCount((int) (30 - n));
            p.setCachedMsgSizeInMiB((int) n);
            p.setTransactionMsgMinOffset(n);
            p.setTransactionMsgMaxOffset(2 * n);
            p.setTransactionMsgCount((int) n);
            p.setLocked(n == 1);
            p.setTryUnlockTimes(n);
            p.setLastLockTimestamp(n == 1 ? 1700000000500L : 0);
            p.setDroped(n == 2);
            p.setLastPullTimestamp(1700000001000L + n);
            p.setLastConsumeTimestamp(1700000002000L + n);
            body.getMqTable().put(mq, p);
            mqIn.add(entry(mq(mq), obj("commitOffset", p.getCommitOffset(), "cachedMsgMinOffset", p.getCachedMsgMinOffset(),
                "cachedMsgMaxOffset", p.getCachedMsgMaxOffset(), "cachedMsgCount", p.getCachedMsgCount(),
                "cachedMsgSizeInMiB", p.getCachedMsgSizeInMiB(), "transactionMsgMinOffset", p.getTransactionMsgMinOffset(),
                "transactionMsgMaxOffset", p.getTransactionMsgMaxOffset(), "transactionMsgCount", p.getTransactionMsgCount(),
                "locked", p.isLocked(), "tryUnlockTimes", p.getTryUnlockTimes(), "lastLockTimestamp", p.getLastLockTimestamp(),
                "droped", p.isDroped(), "lastPullTimestamp", p.getLastPullTimestamp(),
                "lastConsumeTimestamp", p.getLastConsumeTimestamp())));
            n++;
        }

        List<Object> statusIn = new ArrayList<>();
        Object[][] st = {
            {"PayTopic", 1.5, 10.0, 2.25, 9.75, 0.25, 3L},
            {"%RETRY%PayConsumerGroup", 0.0, 0.0, 0.0, 0.0, 0.0, 0L},
            {"AuditTopic", 12345678.9, 1.0E-4, 0.1, 100.0, 0.001, 12L},
        };
        for (Object[] s : st) {
            ConsumeStatus c = new ConsumeStatus();
            c.setPullRT((Double) s[1]);
            c.setPullTPS((Double) s[2]);
            c.setConsumeRT((Double) s[3]);
            c.setConsumeOKTPS((Double) s[4]);
            c.setConsumeFailedTPS((Double) s[5]);
            c.setConsumeFailedMsgs((Long) s[6]);
            body.getStatusTable().put((String) s[0], c);
            statusIn.add(entry(s[0], obj("pullRT", s[1], "pullTPS", s[2], "consumeRT", s[3], "consumeOKTPS", s[4],
                "consumeFailedTPS", s[5], "consumeFailedMsgs", s[6])));
        }
        add("ConsumerRunningInfo", RequestCode.GET_CONSUMER_RUNNING_INFO, body,
            obj("properties", propsIn, "subscriptionSet", subsIn, "mqTable", mqIn, "statusTable", statusIn));

        ConsumerRunningInfo withJstack = new ConsumerRunningInfo();
        withJstack.getProperties().setProperty(ConsumerRunningInfo.PROP_CONSUME_TYPE, "CONSUME_ACTIVELY");
        withJstack.setJstack("\"main\" #1 prio=5\n\tat java.lang.Thread.sleep(Native Method)\n");
        add("ConsumerRunningInfo/jstack", RequestCode.GET_CONSUMER_RUNNING_INFO, withJstack,
            obj("properties", list(entry(ConsumerRunningInfo.PROP_CONSUME_TYPE, "CONSUME_ACTIVELY")),
                "subscriptionSet", list(), "mqTable", list(), "statusTable", list(), "jstack", withJstack.getJstack()));
    }

    private void consumeMessageDirectlyResult() {
        ConsumeMessageDirectlyResult body = new ConsumeMessageDirectlyResult();
        body.setOrder(false);
        body.setAutoCommit(true);
        body.setConsumeResult(CMResult.CR_SUCCESS);
        body.setRemark("consume ok");
        body.setSpentTimeMills(42);
        add("ConsumeMessageDirectlyResult", RequestCode.CONSUME_MESSAGE_DIRECTLY, body,
            obj("order", false, "autoCommit", true, "consumeResult", "CR_SUCCESS", "remark", "consume ok", "spentTimeMills", 42L));

        ConsumeMessageDirectlyResult bare = new ConsumeMessageDirectlyResult();
        bare.setOrder(true);
        bare.setConsumeResult(CMResult.CR_THROW_EXCEPTION);
        add("ConsumeMessageDirectlyResult/noRemark", RequestCode.CONSUME_MESSAGE_DIRECTLY, bare,
            obj("order", true, "autoCommit", true, "consumeResult", "CR_THROW_EXCEPTION", "spentTimeMills", 0L));
    }

    private void kvTable() {
        KVTable body = new KVTable();
        List<Object> in = new ArrayList<>();
        String[][] kv = {
            {"brokerVersionDesc", "V4_8_0"}, {"msgPutTotalTodayNow", "12"}, {"putTps", "0.0 0.0 0.0"},
            {"commitLogDirCapacity", "Total : 100.0 GiB, Free : 50.0 GiB."}, {"runtime", "[ 0 days, 0 hours, 1 minutes, 2 seconds ]"},
        };
        for (String[] e : kv) {
            body.getTable().put(e[0], e[1]);
            in.add(entry(e[0], e[1]));
        }
        add("KVTable", RequestCode.GET_BROKER_RUNTIME_INFO, body, obj("table", in));
    }

    private void subscriptionGroupWrapper() {
        SubscriptionGroupWrapper body = new SubscriptionGroupWrapper();
        DataVersion dv = new DataVersion();
        dv.setCounter(new AtomicLong(7L));
        dv.setTimestamp(1700000000123L);
        body.setDataVersion(dv);
        List<Object> in = new ArrayList<>();
        for (String g : new String[] {"PayConsumerGroup", "TOOLS_CONSUMER", "SELF_TEST_C_GROUP"}) {
            SubscriptionGroupConfig c = new SubscriptionGroupConfig();
            c.setGroupName(g);
            if (g.startsWith("Pay")) {
                c.setConsumeBroadcastEnable(false);
                c.setRetryMaxTimes(3);
                c.setWhichBrokerWhenConsumeSlowly(0);
            }
            body.getSubscriptionGroupTable().put(g, c);
            in.add(entry(g, obj("groupName", g, "consumeEnable", c.isConsumeEnable(),
                "consumeFromMinEnable", c.isConsumeFromMinEnable(), "consumeBroadcastEnable", c.isConsumeBroadcastEnable(),
                "retryQueueNums", c.getRetryQueueNums(), "retryMaxTimes", c.getRetryMaxTimes(), "brokerId", (int) c.getBrokerId(),
                "whichBrokerWhenConsumeSlowly", (int) c.getWhichBrokerWhenConsumeSlowly(),
                "notifyConsumerIdsChangedEnable", c.isNotifyConsumerIdsChangedEnable())));
        }
        add("SubscriptionGroupWrapper", RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, body,
            obj("dataVersion", obj("counter", 7L, "timestamp", 1700000000123L), "subscriptionGroupTable", in));
    }

    private void consumerOffsetSerializeWrapper() {
        ConsumerOffsetSerializeWrapper body = new ConsumerOffsetSerializeWrapper();
        List<Object> in = new ArrayList<>();
        String[] keys = {"PayTopic@PayConsumerGroup", "%RETRY%PayConsumerGroup@PayConsumerGroup", "OrderTopic@GID_a"};
        int[][] ids = {{17, 3, 40}, {0}, {1, 0}};
        for (int i = 0; i < keys.length; i++) {
            ConcurrentMap<Integer, Long> inner = new ConcurrentHashMap<>(32);
            List<Object> innerIn = new ArrayList<>();
            for (int q : ids[i]) {
                inner.put(q, 1000L * i + q);
                innerIn.add(entry(q, 1000L * i + q));
            }
            body.getOffsetTable().put(keys[i], inner);
            in.add(entry(keys[i], innerIn));
        }
        add("ConsumerOffsetSerializeWrapper", RequestCode.GET_ALL_CONSUMER_OFFSET, body, obj("offsetTable", in));
        addPretty("ConsumerOffsetSerializeWrapper/pretty", RequestCode.GET_ALL_CONSUMER_OFFSET, body, obj("offsetTable", in));
    }

    /** Mirrors rocketmq-store's DelayOffsetSerializeWrapper (not in common): one ConcurrentMap(32) getter. */
    public static final class DelayOffsetSerializeWrapper extends RemotingSerializable {
        private ConcurrentMap<Integer, Long> offsetTable = new ConcurrentHashMap<>(32);

        public ConcurrentMap<Integer, Long> getOffsetTable() {
            return offsetTable;
        }

        public void setOffsetTable(ConcurrentMap<Integer, Long> offsetTable) {
            this.offsetTable = offsetTable;
        }
    }

    private void delayOffsetSerializeWrapper() {
        DelayOffsetSerializeWrapper body = new DelayOffsetSerializeWrapper();
        List<Object> in = new ArrayList<>();
        for (int level : new int[] {18, 3, 1}) {
            body.getOffsetTable().put(level, 10L * level);
            in.add(entry(level, 10L * level));
        }
        add("DelayOffsetSerializeWrapper", RequestCode.GET_ALL_DELAY_OFFSET, body, obj("offsetTable", in));
        addPretty("DelayOffsetSerializeWrapper/pretty", RequestCode.GET_ALL_DELAY_OFFSET, body, obj("offsetTable", in));
        notes.add("DelayOffsetSerializeWrapper lives in rocketmq-store; the vector uses a same-shaped class "
            + "(one ConcurrentMap<Integer, Long> offsetTable = new ConcurrentHashMap(32) with getter/setter).");
    }

    private void checkClientRequestBody() {
        CheckClientRequestBody body = new CheckClientRequestBody();
        body.setClientId("192.168.1.30@4321");
        body.setGroup("PayConsumerGroup");
        SubscriptionData sd = subscription("PayTopic", "a > 5", 1700000000009L);
        sd.setExpressionType("SQL92");
        body.setSubscriptionData(sd);
        add("CheckClientRequestBody", RequestCode.CHECK_CLIENT_CONFIG, body,
            obj("clientId", "192.168.1.30@4321", "group", "PayConsumerGroup", "subscriptionData", subscriptionInput(sd)));
    }

    private void queryCorrectionOffsetBody() {
        QueryCorrectionOffsetBody body = new QueryCorrectionOffsetBody();
        List<Object> in = new ArrayList<>();
        for (int q : new int[] {20, 2, 1}) {
            body.getCorrectionOffsets().put(q, 500L + q);
            in.add(entry(q, 500L + q));
        }
        add("QueryCorrectionOffsetBody", RequestCode.QUERY_CORRECTION_OFFSET, body, obj("correctionOffsets", in));
    }

    private static BrokerStatsItem item(long sum, double tps, double avgpt) {
        BrokerStatsItem i = new BrokerStatsItem();
        i.setSum(sum);
        i.setTps(tps);
        i.setAvgpt(avgpt);
        return i;
    }

    private void brokerStatsData() {
        BrokerStatsData body = new BrokerStatsData();
        body.setStatsMinute(item(60, 1.0, 0.5));
        body.setStatsHour(item(3600, 1.0, 0.0));
        body.setStatsDay(item(86400, 0.9999, 2.5E-4));
        add("BrokerStatsData", RequestCode.VIEW_BROKER_STATS_DATA, body,
            obj("statsMinute", obj("sum", 60L, "tps", 1.0, "avgpt", 0.5),
                "statsHour", obj("sum", 3600L, "tps", 1.0, "avgpt", 0.0),
                "statsDay", obj("sum", 86400L, "tps", 0.9999, "avgpt", 2.5E-4)));
    }

    private void consumeStatsList() {
        ConsumeStatsList body = new ConsumeStatsList();
        body.setBrokerAddr("192.168.1.20:10911");
        body.setTotalDiff(45L);
        List<Object> listIn = new ArrayList<>();
        String[] groups = {"PayConsumerGroup", "GID_a"};
        for (int g = 0; g < groups.length; g++) {
            Map<String, List<ConsumeStats>> m = new HashMap<>();
            List<ConsumeStats> stats = new ArrayList<>();
            List<Object> statsIn = new ArrayList<>();
            for (int t = 0; t <= g; t++) {
                List<Object> offsIn = new ArrayList<>();
                String topic = t == 0 ? "PayTopic" : "OrderTopic";
                stats.add(buildConsumeStats(topic, 0.5 * t, new long[][] {{0, 1, 30, 20 + t, 1700000000000L}, {0, 0, 30, 30, 0}}, offsIn));
                statsIn.add(obj("consumeTps", 0.5 * t, "offsetTable", offsIn));
            }
            m.put(groups[g], stats);
            body.getConsumeStatsList().add(m);
            listIn.add(list(entry(groups[g], statsIn)));
        }
        add("ConsumeStatsList", RequestCode.GET_BROKER_CONSUME_STATS, body,
            obj("brokerAddr", "192.168.1.20:10911", "consumeStatsList", listIn, "totalDiff", 45L));
    }

    private void topicConfig() {
        TopicConfig body = new TopicConfig("PayTopic", 8, 4, 6);
        body.setOrder(true);
        body.setTopicFilterType(TopicFilterType.MULTI_TAG);
        body.setTopicSysFlag(1);
        String json = RemotingSerializable.toJson(body, false);
        Map<String, Object> in = obj("topicName", "PayTopic", "readQueueNums", 8, "writeQueueNums", 4, "perm", 6,
            "topicFilterType", "MULTI_TAG", "topicSysFlag", 1, "order", true);
        TopicConfig back = JSON.parseObject(json, TopicConfig.class);
        check(RemotingSerializable.toJson(back, false).equals(json), "TopicConfig re-encodes");
        vector("TopicConfig", 351, "TopicConfig", in, json);
    }

    // ------------------------------------------------------------------ helpers

    private void add(String name, int code, RemotingSerializable body, Map<String, Object> input) {
        String json = new String(body.encode(), StandardCharsets.UTF_8);
        check(json.equals(RemotingSerializable.toJson(body, false)), name + ": encode() equals toJson(obj, false)");
        Object back = RemotingSerializable.decode(json.getBytes(StandardCharsets.UTF_8), body.getClass());
        check(back != null, name + ": decodes");
        String again = RemotingSerializable.toJson(back, false);
        check(again.length() == json.length(), name + ": re-encodes to the same length");
        Map<String, Object> v = vector(name, code, body.getClass().getSimpleName(), input, json);
        if (!again.equals(json)) {
            // fastjson rebuilds maps with default capacities, so a presized map comes back in another order.
            v.put("reencoded", again);
        }
    }

    /** The config-file form (consumerOffset.json, delayOffset.json): ConfigManager.persist uses toJson(obj, true). */
    private void addPretty(String name, int code, RemotingSerializable body, Map<String, Object> input) {
        String json = RemotingSerializable.toJson(body, true);
        check(RemotingSerializable.fromJson(json, body.getClass()) != null, name + ": decodes");
        vector(name, code, body.getClass().getSimpleName(), input, json);
    }

    private Map<String, Object> vector(String name, int code, String cls, Map<String, Object> input, String json) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", name);
        v.put("code", code);
        v.put("class", cls);
        v.put("input", input);
        v.put("json", json);
        vectors.add(v);
        return v;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("self-check failed: " + what);
        }
    }

    private static Map<String, Object> mq(MessageQueue mq) {
        return obj("topic", mq.getTopic(), "brokerName", mq.getBrokerName(), "queueId", mq.getQueueId());
    }

    private static Map<String, Object> entry(Object key, Object value) {
        return obj("key", key, "value", value);
    }

    private static List<Object> list(Object... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Deterministic pretty JSON (2-space indent); numbers as Java prints them (all within 2^53). */
    static final class Out {
        static String write(Object o) {
            StringBuilder sb = new StringBuilder();
            value(sb, o, 0);
            return sb.append('\n').toString();
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
            } else if (o instanceof Long) {
                long l = (Long) o;
                check(Math.abs(l) <= (1L << 53), "long within 2^53");
                sb.append(l);
            } else if (o instanceof Double) {
                double d = (Double) o;
                check(!Double.isNaN(d) && !Double.isInfinite(d), "finite double");
                sb.append(d);
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
                    default:
                        if (c < 0x20 || c >= 0x7f) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }
    }

    private AdminBodyVectors() {
    }
}
