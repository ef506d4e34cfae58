package io.rocketmqts.interop;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.AclConfig;
import org.apache.rocketmq.common.PlainAccessConfig;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.body.ClusterAclVersionInfo;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * ACL probes with the Java 4.8 client: {@code AclProbe --namesrv h:p --broker h:p --broker-name n
 * --topic t --group g [--ak key --sk secret] --ops send,pull,createTopic,...}. With --ak the
 * clients sign through {@code AclClientRPCHook} (rocketmq-acl 4.8.0); without it they send
 * unsigned. Each op prints {@code {"op", "ok", "code", "remark"}}: the broker's response code
 * and remark when it refused (MQBrokerException), so runs against two brokers can be compared.
 */
public final class AclProbe {

    private static final String USAGE = "AclProbe --namesrv h:p --broker h:p --broker-name n --topic t --group g [--ak k --sk s] --ops op,op,...\n"
            + "ops: send[:topic] pull[:topic] createTopic aclVersion aclConfig updateAcl:<ak>:<sk>:<topicPerm> deleteAcl:<ak> globalWhite:<addr;addr> pause:<ms>";

    private static final int TIMEOUT_MILLIS = 20_000;

    private AclProbe() {
    }

    public static void main(String[] args) throws Exception {
        CliArgs cli = new CliArgs(USAGE, CliArgs.names("namesrv", "broker", "broker-name", "topic", "group", "ak", "sk", "ops"), args);
        String namesrv = cli.required("namesrv");
        String broker = cli.required("broker");
        String brokerName = cli.required("broker-name");
        String topic = cli.required("topic");
        String group = cli.required("group");
        String ak = cli.string("ak", null);
        RPCHook hook = ak == null ? null : new AclClientRPCHook(new SessionCredentials(ak, cli.required("sk")));
        String instance = "acl-probe-" + ProcessHandle.current().pid();
        for (String op : cli.required("ops").split(",")) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("op", op);
            try {
                line.put("result", run(op, hook, namesrv, broker, brokerName, topic, group, instance));
                line.put("ok", true);
                line.put("code", 0);
                line.put("remark", null);
            } catch (Exception e) {
                MQBrokerException refused = brokerException(e);
                line.put("ok", false);
                line.put("code", refused == null ? -1 : refused.getResponseCode());
                line.put("remark", refused == null ? e.toString() : refused.getErrorMessage());
            }
            JsonLines.write(line);
        }
        JsonLines.flush();
        System.exit(0);
    }

    private static MQBrokerException brokerException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MQBrokerException) {
                return (MQBrokerException) t;
            }
        }
        return null;
    }

    private static Object run(String op, RPCHook hook, String namesrv, String broker, String brokerName, String topic, String group, String instance)
            throws Exception {
        String[] parts = op.split(":", -1);
        String target = parts.length > 1 ? parts[1] : topic;
        switch (parts[0]) {
            case "send": {
                DefaultMQProducer producer = new DefaultMQProducer("acl_probe_producer", hook);
                producer.setNamesrvAddr(namesrv);
                producer.setInstanceName(instance + "-send");
                producer.setRetryTimesWhenSendFailed(0);
                // A loaded CI machine can take seconds over the first send (route, auto-created topic).
                producer.setSendMsgTimeout(TIMEOUT_MILLIS);
                producer.start();
                try {
                    SendResult result = producer.send(new Message(target, "acl probe".getBytes()));
                    return result.getSendStatus().name();
                } finally {
                    producer.shutdown();
                }
            }
            case "pull": {
                DefaultMQPullConsumer consumer = new DefaultMQPullConsumer(group, hook);
                consumer.setNamesrvAddr(namesrv);
                consumer.setInstanceName(instance + "-pull");
                consumer.start();
                try {
                    PullResult result = consumer.pull(new MessageQueue(target, brokerName, 0), "*", 0, 1, TIMEOUT_MILLIS);
                    return result.getPullStatus().name();
                } finally {
                    consumer.shutdown();
                }
            }
            case "pause":
                // Apache 4.x applies an ACL edit only when its file watcher (every 500 ms) reloads plain_acl.yml.
                Thread.sleep(Long.parseLong(parts[1]));
                return "paused";
            default:
                return admin(parts, hook, namesrv, broker, topic, instance);
        }
    }

    private static Object admin(String[] parts, RPCHook hook, String namesrv, String broker, String topic, String instance) throws Exception {
        DefaultMQAdminExt admin = hook == null ? new DefaultMQAdminExt(TIMEOUT_MILLIS) : new DefaultMQAdminExt(hook, TIMEOUT_MILLIS);
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName(instance + "-admin-" + parts[0]);
        admin.start();
        try {
            switch (parts[0]) {
                case "createTopic": {
                    TopicConfig config = new TopicConfig(topic + "_new", 1, 1, 6);
                    admin.createAndUpdateTopicConfig(broker, config);
                    return "created";
                }
                case "aclVersion": {
                    ClusterAclVersionInfo info = admin.examineBrokerClusterAclVersionInfo(broker);
                    return info.getAclConfigDataVersion().getCounter().get();
                }
                case "aclConfig": {
                    AclConfig config = admin.examineBrokerClusterAclConfig(broker);
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("globalWhiteAddrs", config.getGlobalWhiteAddrs());
                    java.util.List<String> keys = new java.util.ArrayList<>();
                    for (PlainAccessConfig account : config.getPlainAccessConfigs()) {
                        keys.add(account.getAccessKey() + (account.isAdmin() ? "(admin)" : "") + " topicPerms=" + account.getTopicPerms());
                    }
                    java.util.Collections.sort(keys);
                    out.put("accounts", keys);
                    return out;
                }
                case "updateAcl": {
                    PlainAccessConfig config = new PlainAccessConfig();
                    config.setAccessKey(parts[1]);
                    config.setSecretKey(parts[2]);
                    config.setDefaultTopicPerm("DENY");
                    config.setDefaultGroupPerm("SUB");
                    config.setTopicPerms(java.util.Collections.singletonList(parts[3]));
                    admin.createAndUpdatePlainAccessConfig(broker, config);
                    return "updated";
                }
                case "deleteAcl":
                    admin.deletePlainAccessConfig(broker, parts[1]);
                    return "deleted";
                case "globalWhite":
                    admin.updateGlobalWhiteAddrConfig(broker, parts[1].replace(';', ','));
                    return "updated";
                default:
                    throw new IllegalArgumentException("unknown op " + parts[0] + "\n" + USAGE);
            }
        } finally {
            admin.shutdown();
        }
    }
}
