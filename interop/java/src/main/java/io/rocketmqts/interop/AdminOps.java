package io.rocketmqts.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.admin.ConsumeStats;
import org.apache.rocketmq.common.admin.OffsetWrapper;
import org.apache.rocketmq.common.admin.TopicOffset;
import org.apache.rocketmq.common.admin.TopicStatsTable;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.RequestCode;
import org.apache.rocketmq.common.protocol.ResponseCode;
import org.apache.rocketmq.common.protocol.body.BrokerStatsData;
import org.apache.rocketmq.common.protocol.body.BrokerStatsItem;
import org.apache.rocketmq.common.protocol.body.ClusterInfo;
import org.apache.rocketmq.common.protocol.body.Connection;
import org.apache.rocketmq.common.protocol.body.ConsumerConnection;
import org.apache.rocketmq.common.protocol.body.GroupList;
import org.apache.rocketmq.common.protocol.body.KVTable;
import org.apache.rocketmq.common.protocol.body.ProducerConnection;
import org.apache.rocketmq.common.protocol.body.SubscriptionGroupWrapper;
import org.apache.rocketmq.common.protocol.body.TopicList;
import org.apache.rocketmq.common.protocol.heartbeat.MessageModel;
import org.apache.rocketmq.common.protocol.heartbeat.SubscriptionData;
import org.apache.rocketmq.common.protocol.route.BrokerData;
import org.apache.rocketmq.common.protocol.route.QueueData;
import org.apache.rocketmq.common.protocol.route.TopicRouteData;
import org.apache.rocketmq.common.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RemotingSerializable;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.apache.rocketmq.tools.command.CommandUtil;

/**
 * mqadmin's API — {@code DefaultMQAdminExt} from rocketmq-tools 4.8.0 — against any name server,
 * as a script of sub-commands run in one JVM:
 * {@code AdminOps --namesrv host:port <command> [--opt v]... [then <command> [--opt v]...]...}.
 * Every command prints one JSON line {@code {"op": command, "ok": true, ...}} or, when the call
 * throws, {@code {"op", "ok": false, "error": {"type", "responseCode", "message", "causes"}}} and
 * the script goes on. Maps keyed by numbers are printed with string keys (plain JSON).
 *
 * <p>Admin commands (DefaultMQAdminExt method in brackets):
 * <ul>
 * <li>{@code create-topic --topic T (--broker addr | --cluster C) [--queues 4] [--perm 6]}
 * [createAndUpdateTopicConfig on the broker, or on every master of the cluster as mqadmin
 * updateTopic -c does] → brokers</li>
 * <li>{@code topic-list} [fetchAllTopicList] → topics (sorted)</li>
 * <li>{@code route --topic T [--wait-ms 0]} [examineTopicRouteInfo, retried until it succeeds or
 * wait-ms passed] → brokerDatas, queueDatas, orderTopicConf</li>
 * <li>{@code cluster} [examineBrokerClusterInfo] → brokerAddrTable, clusterAddrTable</li>
 * <li>{@code topic-stats --topic T} [examineTopicStats] → queues [{brokerName, queueId, minOffset,
 * maxOffset, lastUpdateTimestamp}]</li>
 * <li>{@code consume-stats --group G [--topic T] [--wait-caught-up-ms 0]} [examineConsumeStats;
 * repeated until no queue lags or the time passed] → consumeTps, totalDiff, queues</li>
 * <li>{@code consumer-connection --group G} [examineConsumerConnectionInfo] → connections,
 * consumeType, messageModel, consumeFromWhere, subscriptions</li>
 * <li>{@code producer-connection --group P --topic T} [examineProducerConnectionInfo] →
 * connections</li>
 * <li>{@code consume-by-who --topic T} [queryTopicConsumeByWho] → groups</li>
 * <li>{@code runtime-stats --broker addr} [fetchBrokerRuntimeStats] → table</li>
 * <li>{@code broker-stats --broker addr --name TOPIC_PUT_NUMS --key K} [viewBrokerStatsData, code
 * 315] → statsMinute, statsHour, statsDay, each {sum, tps, avgpt}</li>
 * <li>{@code create-group --group G (--broker addr | --cluster C) [--retry-max-times 16]
 * [--consume-broadcast true]} [createAndUpdateSubscriptionGroupConfig] → brokers</li>
 * <li>{@code groups --broker addr} [getAllSubscriptionGroup, code 201] → groups {name: config}</li>
 * <li>{@code consumer-offsets --broker addr} [GET_ALL_CONSUMER_OFFSET (43), the slave-sync call,
 * through the admin's remoting client] → offsetTable {"topic@group": {queueId: offset}}</li>
 * <li>{@code delete-topic --topic T --cluster C} [deleteTopicInBroker on every master, then
 * deleteTopicInNameServer on every name server, as mqadmin deleteTopic does]</li>
 * <li>{@code reset-offset --topic T --group G (--timestamp ms | --at mark) [--force true]}
 * [resetOffsetByTimestamp] → offsets [{brokerName, queueId, offset}]</li>
 * </ul>
 * Traffic and clients kept online in this JVM (so that connection queries see them):
 * <ul>
 * <li>{@code produce --topic T --group P --count N [--tags X] [--keys-prefix key-] [--start 0]
 * [--body-size 64]}: a DefaultMQProducer of group P (created once, then kept online) sends N sync
 * messages with body {@link Bodies#body}(i, size), keys prefix+i, property idx=i, then heartbeats
 * so that the broker knows the group → sent</li>
 * <li>{@code push-consumer --group G --topic T [--sub *]}: starts a DefaultMQPushConsumer,
 * CLUSTERING, CONSUME_FROM_FIRST_OFFSET, that records every message and returns
 * CONSUME_SUCCESS → clientId</li>
 * <li>{@code await-consumed --group G --count N [--timeout-ms 30000]}: waits for N more messages
 * than the previous await of G saw → messages [{keys, tags, queueId, queueOffset, reconsumeTimes,
 * bodyHex}] (ok=false when fewer arrived in time)</li>
 * <li>{@code persist-offsets --group G}: commits the consumer's offsets to the broker now</li>
 * <li>{@code shutdown-consumer --group G}</li>
 * <li>{@code now --name M}: remembers the current time as mark M → timestamp;
 * {@code sleep --ms N}</li>
 * </ul>
 * The push consumers' rebalance interval is set to 1 s (client default 20 s) so that a reset
 * offset is picked up quickly. Exits 0 when every command printed its line (ok or not), 1 on a
 * malformed script.
 */
public final class AdminOps {

    private static final String USAGE = "usage: AdminOps --namesrv host:port <command> [--opt v]... [then <command> [--opt v]...]..."
        + " (commands: see AdminOps.java)";

    private static final Map<String, Set<String>> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("create-topic", CliArgs.names("topic", "broker", "cluster", "queues", "perm"));
        OPTIONS.put("topic-list", CliArgs.names());
        OPTIONS.put("route", CliArgs.names("topic", "wait-ms"));
        OPTIONS.put("cluster", CliArgs.names());
        OPTIONS.put("topic-stats", CliArgs.names("topic"));
        OPTIONS.put("consume-stats", CliArgs.names("group", "topic", "wait-caught-up-ms"));
        OPTIONS.put("consumer-connection", CliArgs.names("group"));
        OPTIONS.put("producer-connection", CliArgs.names("group", "topic"));
        OPTIONS.put("consume-by-who", CliArgs.names("topic"));
        OPTIONS.put("runtime-stats", CliArgs.names("broker"));
        OPTIONS.put("broker-stats", CliArgs.names("broker", "name", "key"));
        OPTIONS.put("create-group", CliArgs.names("group", "broker", "cluster", "retry-max-times", "consume-broadcast"));
        OPTIONS.put("groups", CliArgs.names("broker"));
        OPTIONS.put("consumer-offsets", CliArgs.names("broker"));
        OPTIONS.put("delete-topic", CliArgs.names("topic", "cluster"));
        OPTIONS.put("reset-offset", CliArgs.names("topic", "group", "timestamp", "at", "force"));
        OPTIONS.put("produce", CliArgs.names("topic", "group", "count", "tags", "keys-prefix", "start", "body-size"));
        OPTIONS.put("push-consumer", CliArgs.names("group", "topic", "sub"));
        OPTIONS.put("await-consumed", CliArgs.names("group", "count", "timeout-ms"));
        OPTIONS.put("persist-offsets", CliArgs.names("group"));
        OPTIONS.put("shutdown-consumer", CliArgs.names("group"));
        OPTIONS.put("now", CliArgs.names("name"));
        OPTIONS.put("sleep", CliArgs.names("ms"));
    }

    private final String namesrv;
    private final DefaultMQAdminExt admin;
    private final Map<String, DefaultMQProducer> producers = new HashMap<>();
    private final Map<String, DefaultMQPushConsumer> consumers = new HashMap<>();
    private final Map<String, ConcurrentLinkedQueue<Map<String, Object>>> consumed = new HashMap<>();
    private final Map<String, Integer> awaited = new HashMap<>();
    private final Map<String, Long> marks = new HashMap<>();

    private AdminOps(String namesrv) {
        this.namesrv = namesrv;
        this.admin = new DefaultMQAdminExt(5_000);
        admin.setNamesrvAddr(namesrv);
        admin.setVipChannelEnabled(false);
        admin.setInstanceName("rmqts-adminops-" + ProcessHandle.current().pid());
    }

    public static void main(String[] argv) {
        // Read once, when RebalanceService is loaded (first client start), so before anything else.
        System.setProperty("rocketmq.client.rebalance.waitInterval", "1000");
        int code = 0;
        AdminOps ops = null;
        try {
            if (argv.length < 3 || !argv[0].equals("--namesrv")) {
                throw new IllegalArgumentException("the first option must be --namesrv host:port\n" + USAGE);
            }
            List<String[]> commands = split(Arrays.copyOfRange(argv, 2, argv.length));
            List<CliArgs> parsed = new ArrayList<>();
            for (String[] command : commands) {
                Set<String> known = OPTIONS.get(command[0]);
                if (known == null) {
                    throw new IllegalArgumentException("unknown command '" + command[0] + "', known: " + OPTIONS.keySet() + "\n" + USAGE);
                }
                parsed.add(new CliArgs(USAGE, known, Arrays.copyOfRange(command, 1, command.length)));
            }
            ops = new AdminOps(argv[1]);
            ops.admin.start();
            for (int k = 0; k < commands.size(); k++) {
                ops.runOne(commands.get(k)[0], parsed.get(k));
            }
        } catch (Throwable e) {
            JsonLines.flush();
            System.err.println("AdminOps failed: " + e);
            e.printStackTrace(System.err);
            code = 1;
        } finally {
            if (ops != null) {
                ops.close();
            }
        }
        JsonLines.flush();
        System.exit(code);
    }

    private static List<String[]> split(String[] args) {
        List<String[]> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("then")) {
                if (current.isEmpty()) {
                    throw new IllegalArgumentException("'then' must follow a command\n" + USAGE);
                }
                commands.add(current.toArray(new String[0]));
                current.clear();
            } else {
                current.add(arg);
            }
        }
        if (current.isEmpty()) {
            throw new IllegalArgumentException("a command is missing at the end\n" + USAGE);
        }
        commands.add(current.toArray(new String[0]));
        return commands;
    }

    private void close() {
        for (DefaultMQPushConsumer consumer : consumers.values()) {
            consumer.shutdown();
        }
        for (DefaultMQProducer producer : producers.values()) {
            producer.shutdown();
        }
        admin.shutdown();
    }

    private void runOne(String op, CliArgs args) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("op", op);
        long started = System.currentTimeMillis();
        try {
            Map<String, Object> result = execute(op, args);
            line.put("ok", result.remove("ok") != Boolean.FALSE);
            line.putAll(result);
        } catch (Throwable e) {
            line.put("ok", false);
            line.put("error", error(e));
        }
        line.put("ms", System.currentTimeMillis() - started);
        JsonLines.write(line);
        JsonLines.flush();
    }

    private Map<String, Object> execute(String op, CliArgs args) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        switch (op) {
            case "create-topic": {
                String topic = args.required("topic");
                TopicConfig config = new TopicConfig(topic);
                config.setReadQueueNums(args.integer("queues", 4));
                config.setWriteQueueNums(args.integer("queues", 4));
                config.setPerm(args.integer("perm", 6));
                List<String> brokers = targets(args);
                for (String addr : brokers) {
                    admin.createAndUpdateTopicConfig(addr, config);
                }
                out.put("brokers", brokers);
                return out;
            }
            case "topic-list": {
                TopicList list = admin.fetchAllTopicList();
                out.put("topics", new TreeSet<>(list.getTopicList()));
                return out;
            }
            case "route": {
                String topic = args.required("topic");
                long deadline = System.currentTimeMillis() + args.longValue("wait-ms", 0);
                int attempts = 1;
                TopicRouteData route;
                while (true) {
                    try {
                        route = admin.examineTopicRouteInfo(topic);
                        break;
                    } catch (MQClientException e) {
                        if (System.currentTimeMillis() >= deadline) {
                            throw e;
                        }
                        attempts++;
                        Thread.sleep(200);
                    }
                }
                out.put("attempts", attempts);
                out.putAll(route(route));
                return out;
            }
            case "cluster": {
                ClusterInfo info = admin.examineBrokerClusterInfo();
                Map<String, Object> brokers = new TreeMap<>();
                for (Map.Entry<String, BrokerData> e : info.getBrokerAddrTable().entrySet()) {
                    brokers.put(e.getKey(), brokerData(e.getValue()));
                }
                Map<String, Object> clusters = new TreeMap<>();
                for (Map.Entry<String, Set<String>> e : info.getClusterAddrTable().entrySet()) {
                    clusters.put(e.getKey(), new TreeSet<>(e.getValue()));
                }
                out.put("brokerAddrTable", brokers);
                out.put("clusterAddrTable", clusters);
                return out;
            }
            case "topic-stats": {
                TopicStatsTable table = admin.examineTopicStats(args.required("topic"));
                List<Map<String, Object>> queues = new ArrayList<>();
                for (Map.Entry<MessageQueue, TopicOffset> e : sorted(table.getOffsetTable())) {
                    Map<String, Object> q = queue(e.getKey());
                    q.put("minOffset", e.getValue().getMinOffset());
                    q.put("maxOffset", e.getValue().getMaxOffset());
                    q.put("lastUpdateTimestamp", e.getValue().getLastUpdateTimestamp());
                    queues.add(q);
                }
                out.put("queues", queues);
                return out;
            }
            case "consume-stats": {
                String group = args.required("group");
                String topic = args.string("topic", null);
                long deadline = System.currentTimeMillis() + args.longValue("wait-caught-up-ms", 0);
                int attempts = 1;
                ConsumeStats stats;
                while (true) {
                    stats = admin.examineConsumeStats(group, topic);
                    if (stats.computeTotalDiff() == 0 || System.currentTimeMillis() >= deadline) {
                        break;
                    }
                    attempts++;
                    Thread.sleep(200);
                }
                List<Map<String, Object>> queues = new ArrayList<>();
                for (Map.Entry<MessageQueue, OffsetWrapper> e : sorted(stats.getOffsetTable())) {
                    Map<String, Object> q = queue(e.getKey());
                    q.put("brokerOffset", e.getValue().getBrokerOffset());
                    q.put("consumerOffset", e.getValue().getConsumerOffset());
                    q.put("lastTimestamp", e.getValue().getLastTimestamp());
                    queues.add(q);
                }
                out.put("attempts", attempts);
                out.put("consumeTps", stats.getConsumeTps());
                out.put("totalDiff", stats.computeTotalDiff());
                out.put("queues", queues);
                return out;
            }
            case "consumer-connection": {
                ConsumerConnection cc = admin.examineConsumerConnectionInfo(args.required("group"));
                out.put("connections", connections(cc.getConnectionSet()));
                out.put("consumeType", String.valueOf(cc.getConsumeType()));
                out.put("messageModel", String.valueOf(cc.getMessageModel()));
                out.put("consumeFromWhere", String.valueOf(cc.getConsumeFromWhere()));
                Map<String, Object> subs = new TreeMap<>();
                for (Map.Entry<String, SubscriptionData> e : cc.getSubscriptionTable().entrySet()) {
                    SubscriptionData sd = e.getValue();
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("topic", sd.getTopic());
                    s.put("subString", sd.getSubString());
                    s.put("tagsSet", new TreeSet<>(sd.getTagsSet()));
                    s.put("codeSet", new TreeSet<>(sd.getCodeSet()));
                    s.put("expressionType", sd.getExpressionType());
                    s.put("classFilterMode", sd.isClassFilterMode());
                    s.put("subVersion", sd.getSubVersion());
                    subs.put(e.getKey(), s);
                }
                out.put("subscriptions", subs);
                return out;
            }
            case "producer-connection": {
                ProducerConnection pc = admin.examineProducerConnectionInfo(args.required("group"), args.required("topic"));
                out.put("connections", connections(pc.getConnectionSet()));
                return out;
            }
            case "consume-by-who": {
                GroupList groups = admin.queryTopicConsumeByWho(args.required("topic"));
                out.put("groups", groups == null ? null : new TreeSet<>(groups.getGroupList()));
                return out;
            }
            case "runtime-stats": {
                KVTable table = admin.fetchBrokerRuntimeStats(args.required("broker"));
                out.put("table", new TreeMap<>(table.getTable()));
                return out;
            }
            case "broker-stats": {
                BrokerStatsData data = admin.viewBrokerStatsData(args.required("broker"), args.required("name"), args.required("key"));
                out.put("statsMinute", statsItem(data.getStatsMinute()));
                out.put("statsHour", statsItem(data.getStatsHour()));
                out.put("statsDay", statsItem(data.getStatsDay()));
                return out;
            }
            case "create-group": {
                SubscriptionGroupConfig config = new SubscriptionGroupConfig();
                config.setGroupName(args.required("group"));
                config.setRetryMaxTimes(args.integer("retry-max-times", 16));
                config.setConsumeBroadcastEnable(Boolean.parseBoolean(args.string("consume-broadcast", "true")));
                List<String> brokers = targets(args);
                for (String addr : brokers) {
                    admin.createAndUpdateSubscriptionGroupConfig(addr, config);
                }
                out.put("brokers", brokers);
                return out;
            }
            case "groups": {
                SubscriptionGroupWrapper wrapper = admin.getAllSubscriptionGroup(args.required("broker"), 5_000);
                Map<String, Object> groups = new TreeMap<>();
                for (Map.Entry<String, SubscriptionGroupConfig> e : wrapper.getSubscriptionGroupTable().entrySet()) {
                    SubscriptionGroupConfig c = e.getValue();
                    Map<String, Object> g = new LinkedHashMap<>();
                    g.put("groupName", c.getGroupName());
                    g.put("consumeEnable", c.isConsumeEnable());
                    g.put("consumeFromMinEnable", c.isConsumeFromMinEnable());
                    g.put("consumeBroadcastEnable", c.isConsumeBroadcastEnable());
                    g.put("retryQueueNums", c.getRetryQueueNums());
                    g.put("retryMaxTimes", c.getRetryMaxTimes());
                    g.put("brokerId", c.getBrokerId());
                    g.put("whichBrokerWhenConsumeSlowly", c.getWhichBrokerWhenConsumeSlowly());
                    g.put("notifyConsumerIdsChangedEnable", c.isNotifyConsumerIdsChangedEnable());
                    groups.put(e.getKey(), g);
                }
                out.put("groups", groups);
                return out;
            }
            case "consumer-offsets": {
                RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.GET_ALL_CONSUMER_OFFSET, null);
                RemotingCommand response = MQClientManager.getInstance().getOrCreateMQClientInstance(admin)
                    .getMQClientAPIImpl().getRemotingClient().invokeSync(args.required("broker"), request, 5_000);
                if (response.getCode() != ResponseCode.SUCCESS) {
                    throw new MQBrokerException(response.getCode(), response.getRemark());
                }
                ConsumerOffsets body = RemotingSerializable.decode(response.getBody(), ConsumerOffsets.class);
                Map<String, Object> table = new TreeMap<>();
                for (Map.Entry<String, Map<Integer, Long>> e : body.getOffsetTable().entrySet()) {
                    Map<String, Long> queues = new TreeMap<>(Comparator.comparingInt(Integer::parseInt));
                    for (Map.Entry<Integer, Long> q : e.getValue().entrySet()) {
                        queues.put(String.valueOf(q.getKey()), q.getValue());
                    }
                    table.put(e.getKey(), queues);
                }
                out.put("offsetTable", table);
                return out;
            }
            case "delete-topic": {
                String topic = args.required("topic");
                Set<String> masters = CommandUtil.fetchMasterAddrByClusterName(admin, args.required("cluster"));
                admin.deleteTopicInBroker(masters, topic);
                admin.deleteTopicInNameServer(new HashSet<>(Arrays.asList(namesrv.split(";"))), topic);
                out.put("brokers", new TreeSet<>(masters));
                return out;
            }
            case "reset-offset": {
                long timestamp;
                if (args.string("at", null) != null) {
                    Long mark = marks.get(args.string("at", null));
                    if (mark == null) {
                        throw new IllegalArgumentException("no mark named '" + args.string("at", null) + "' (set it with: now --name M)");
                    }
                    timestamp = mark;
                } else {
                    timestamp = args.longValue("timestamp", Long.MIN_VALUE);
                    if (timestamp == Long.MIN_VALUE) {
                        throw new IllegalArgumentException("reset-offset needs --timestamp ms or --at mark");
                    }
                }
                Map<MessageQueue, Long> offsets = admin.resetOffsetByTimestamp(args.required("topic"), args.required("group"),
                    timestamp, Boolean.parseBoolean(args.string("force", "true")));
                List<Map<String, Object>> queues = new ArrayList<>();
                for (Map.Entry<MessageQueue, Long> e : sorted(offsets)) {
                    Map<String, Object> q = queue(e.getKey());
                    q.put("offset", e.getValue());
                    queues.add(q);
                }
                out.put("timestamp", timestamp);
                out.put("offsets", queues);
                return out;
            }
            case "produce":
                return produce(args);
            case "push-consumer":
                return pushConsumer(args);
            case "await-consumed":
                return awaitConsumed(args);
            case "persist-offsets":
                consumer(args.required("group")).getDefaultMQPushConsumerImpl().persistConsumerOffset();
                return out;
            case "shutdown-consumer": {
                String group = args.required("group");
                consumer(group).shutdown();
                consumers.remove(group);
                return out;
            }
            case "now": {
                long now = System.currentTimeMillis();
                marks.put(args.required("name"), now);
                out.put("timestamp", now);
                return out;
            }
            case "sleep":
                Thread.sleep(args.longValue("ms", 0));
                return out;
            default:
                throw new IllegalArgumentException("unknown command " + op);
        }
    }

    private static Map<String, Object> statsItem(BrokerStatsItem item) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sum", item.getSum());
        out.put("tps", item.getTps());
        out.put("avgpt", item.getAvgpt());
        return out;
    }

    /** The broker addresses a create command goes to: --broker, or every master of --cluster. */
    private List<String> targets(CliArgs args) throws Exception {
        String broker = args.string("broker", null);
        String cluster = args.string("cluster", null);
        if ((broker == null) == (cluster == null)) {
            throw new IllegalArgumentException("give exactly one of --broker addr and --cluster name");
        }
        if (broker != null) {
            return List.of(broker);
        }
        List<String> masters = new ArrayList<>(CommandUtil.fetchMasterAddrByClusterName(admin, cluster));
        masters.sort(null);
        if (masters.isEmpty()) {
            throw new IllegalStateException("cluster " + cluster + " has no master broker in the name server's cluster info");
        }
        return masters;
    }

    private Map<String, Object> produce(CliArgs args) throws Exception {
        String group = args.required("group");
        String topic = args.required("topic");
        int count = args.integer("count", 1);
        String tags = args.string("tags", null);
        String keysPrefix = args.string("keys-prefix", "key-");
        long start = args.longValue("start", 0);
        int bodySize = args.integer("body-size", 64);
        DefaultMQProducer producer = producers.get(group);
        if (producer == null) {
            producer = new DefaultMQProducer(group);
            producer.setNamesrvAddr(namesrv);
            producer.setInstanceName("rmqts-adminops-producer-" + ProcessHandle.current().pid());
            producer.setVipChannelEnabled(false);
            producer.setSendMsgTimeout(10_000);
            producer.start();
            producers.put(group, producer);
        }
        List<Map<String, Object>> sent = new ArrayList<>();
        for (long i = start; i < start + count; i++) {
            Message msg = new Message(topic, Bodies.body(i, bodySize));
            if (tags != null) {
                msg.setTags(tags);
            }
            msg.setKeys(keysPrefix + i);
            msg.putUserProperty("idx", String.valueOf(i));
            SendResult r = producer.send(msg);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("i", i);
            s.put("keys", keysPrefix + i);
            s.put("status", r.getSendStatus().name());
            s.put("msgId", r.getMsgId());
            s.put("queueId", r.getMessageQueue().getQueueId());
            s.put("queueOffset", r.getQueueOffset());
            sent.add(s);
        }
        // A producer's client heartbeats at start (before it knows any broker) and then every 30 s;
        // heartbeat now so that the broker lists the group (GET_PRODUCER_CONNECTION_LIST).
        producer.getDefaultMQProducerImpl().getmQClientFactory().sendHeartbeatToAllBrokerWithLock();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sent", sent);
        return out;
    }

    private Map<String, Object> pushConsumer(CliArgs args) throws Exception {
        String group = args.required("group");
        if (consumers.containsKey(group)) {
            throw new IllegalArgumentException("a consumer of group " + group + " is already running");
        }
        ConcurrentLinkedQueue<Map<String, Object>> seen = new ConcurrentLinkedQueue<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName("rmqts-adminops-consumer-" + ProcessHandle.current().pid() + "-" + group);
        consumer.setVipChannelEnabled(false);
        consumer.setMessageModel(MessageModel.CLUSTERING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(args.required("topic"), args.string("sub", "*"));
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("keys", m.getKeys());
                line.put("tags", m.getTags());
                line.put("queueId", m.getQueueId());
                line.put("queueOffset", m.getQueueOffset());
                line.put("reconsumeTimes", m.getReconsumeTimes());
                line.put("bodyHex", m.getBody() == null ? null : Bodies.hex(m.getBody()));
                seen.add(line);
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        consumers.put(group, consumer);
        consumed.put(group, seen);
        awaited.put(group, 0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("clientId", consumer.buildMQClientId());
        return out;
    }

    private Map<String, Object> awaitConsumed(CliArgs args) throws Exception {
        String group = args.required("group");
        consumer(group);
        int count = args.integer("count", 1);
        long deadline = System.currentTimeMillis() + args.longValue("timeout-ms", 30_000);
        ConcurrentLinkedQueue<Map<String, Object>> seen = consumed.get(group);
        int from = awaited.get(group);
        while (seen.size() - from < count && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        List<Map<String, Object>> window = new ArrayList<>(seen).subList(from, seen.size());
        awaited.put(group, from + window.size());
        window.sort(Comparator.comparing((Map<String, Object> m) -> String.valueOf(m.get("keys"))));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", window.size() >= count);
        out.put("expected", count);
        out.put("got", window.size());
        out.put("messages", window);
        return out;
    }

    private DefaultMQPushConsumer consumer(String group) {
        DefaultMQPushConsumer consumer = consumers.get(group);
        if (consumer == null) {
            throw new IllegalArgumentException("no consumer of group " + group + " is running (start it with push-consumer)");
        }
        return consumer;
    }

    private static Map<String, Object> route(TopicRouteData route) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> brokers = new ArrayList<>();
        for (BrokerData bd : route.getBrokerDatas()) {
            brokers.add(brokerData(bd));
        }
        brokers.sort(Comparator.comparing(m -> String.valueOf(m.get("brokerName"))));
        List<Map<String, Object>> queues = new ArrayList<>();
        for (QueueData qd : route.getQueueDatas()) {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("brokerName", qd.getBrokerName());
            q.put("readQueueNums", qd.getReadQueueNums());
            q.put("writeQueueNums", qd.getWriteQueueNums());
            q.put("perm", qd.getPerm());
            q.put("topicSynFlag", qd.getTopicSynFlag());
            queues.add(q);
        }
        queues.sort(Comparator.comparing(m -> String.valueOf(m.get("brokerName"))));
        out.put("brokerDatas", brokers);
        out.put("queueDatas", queues);
        out.put("orderTopicConf", route.getOrderTopicConf());
        Map<String, Object> filters = new TreeMap<>();
        if (route.getFilterServerTable() != null) {
            filters.putAll(route.getFilterServerTable());
        }
        out.put("filterServerTable", filters);
        return out;
    }

    private static Map<String, Object> brokerData(BrokerData bd) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("cluster", bd.getCluster());
        b.put("brokerName", bd.getBrokerName());
        Map<String, String> addrs = new TreeMap<>();
        for (Map.Entry<Long, String> e : bd.getBrokerAddrs().entrySet()) {
            addrs.put(String.valueOf(e.getKey()), e.getValue());
        }
        b.put("brokerAddrs", addrs);
        return b;
    }

    private static List<Map<String, Object>> connections(Collection<Connection> set) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Connection c : set) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("clientId", c.getClientId());
            m.put("clientAddr", c.getClientAddr());
            m.put("language", String.valueOf(c.getLanguage()));
            m.put("version", c.getVersion());
            list.add(m);
        }
        list.sort(Comparator.comparing(m -> String.valueOf(m.get("clientId"))));
        return list;
    }

    private static Map<String, Object> queue(MessageQueue mq) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("topic", mq.getTopic());
        q.put("brokerName", mq.getBrokerName());
        q.put("queueId", mq.getQueueId());
        return q;
    }

    private static <V> List<Map.Entry<MessageQueue, V>> sorted(Map<MessageQueue, V> table) {
        List<Map.Entry<MessageQueue, V>> entries = new ArrayList<>(table.entrySet());
        entries.sort(Map.Entry.comparingByKey());
        return entries;
    }

    private static Map<String, Object> error(Throwable e) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("type", e.getClass().getSimpleName());
        Integer code = null;
        String message = e.getMessage();
        if (e instanceof MQClientException) {
            code = ((MQClientException) e).getResponseCode();
            message = ((MQClientException) e).getErrorMessage();
        } else if (e instanceof MQBrokerException) {
            code = ((MQBrokerException) e).getResponseCode();
            message = ((MQBrokerException) e).getErrorMessage();
        }
        err.put("responseCode", code);
        err.put("message", message);
        List<String> causes = new ArrayList<>();
        for (Throwable c = e.getCause(); c != null && causes.size() < 5; c = c.getCause()) {
            causes.add(c.getClass().getSimpleName() + ": " + c.getMessage());
        }
        err.put("causes", causes);
        return err;
    }

    /** GET_ALL_CONSUMER_OFFSET's body (the broker's consumerOffset.json): {"offsetTable": {"topic@group": {queueId: offset}}}. */
    public static final class ConsumerOffsets extends RemotingSerializable {
        private Map<String, Map<Integer, Long>> offsetTable = new HashMap<>();

        public Map<String, Map<Integer, Long>> getOffsetTable() {
            return offsetTable;
        }

        public void setOffsetTable(Map<String, Map<Integer, Long>> offsetTable) {
            this.offsetTable = offsetTable;
        }
    }
}
