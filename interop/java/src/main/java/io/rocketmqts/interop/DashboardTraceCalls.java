package io.rocketmqts.interop;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.trace.TraceBean;
import org.apache.rocketmq.client.trace.TraceContext;
import org.apache.rocketmq.client.trace.TraceDataEncoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * The admin calls behind the official rocketmq-dashboard's message-trace view
 * (MessageTraceServiceImpl and MessageServiceImpl.viewMessage), made with rocketmq-tools 4.8.0:
 * {@code DashboardTraceCalls --namesrv host:port --topic T --msg-id ID [--trace-topic TT]}.
 * viewMessage(topic, msgId) for the message itself, then queryMessage(traceTopic, msgId, 64, 0,
 * now) and TraceDataEncoder.decoderFromTraceDataString on each body, keeping the records of
 * msgId, as the dashboard builds its trace graph from. Prints {@code message} and one
 * {@code record} line per record.
 */
public final class DashboardTraceCalls {

    public static void main(String[] args) throws Exception {
        CliArgs cli = new CliArgs("DashboardTraceCalls --namesrv host:port --topic T --msg-id ID [--trace-topic TT]",
            CliArgs.names("namesrv", "topic", "msg-id", "trace-topic"), args);
        String msgId = cli.required("msg-id");
        String traceTopic = cli.string("trace-topic", "RMQ_SYS_TRACE_TOPIC");
        DefaultMQAdminExt admin = new DefaultMQAdminExt();
        admin.setNamesrvAddr(cli.required("namesrv"));
        admin.setInstanceName("dashboard-trace-" + ProcessHandle.current().pid());
        admin.setVipChannelEnabled(false);
        admin.start();
        try {
            MessageExt message = admin.viewMessage(cli.required("topic"), msgId);
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("event", "message");
            view.put("msgId", message.getMsgId());
            view.put("topic", message.getTopic());
            view.put("storeHost", message.getStoreHost().toString().replaceFirst("^/", ""));
            view.put("queueId", message.getQueueId());
            view.put("queueOffset", message.getQueueOffset());
            Flows.emit(view);
            List<MessageExt> traces = admin.queryMessage(traceTopic, msgId, 64, 0, System.currentTimeMillis()).getMessageList();
            for (MessageExt trace : traces) {
                for (TraceContext context : TraceDataEncoder.decoderFromTraceDataString(new String(trace.getBody(), StandardCharsets.UTF_8))) {
                    TraceBean bean = context.getTraceBeans().get(0);
                    if (!msgId.equals(bean.getMsgId())) {
                        continue;
                    }
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("event", "record");
                    line.put("type", context.getTraceType().name());
                    line.put("groupName", context.getGroupName());
                    line.put("requestId", context.getRequestId());
                    line.put("timestamp", context.getTimeStamp());
                    line.put("costTime", context.getCostTime());
                    line.put("success", context.isSuccess());
                    line.put("retryTimes", bean.getRetryTimes());
                    line.put("topic", bean.getTopic());
                    line.put("storeHost", bean.getStoreHost());
                    line.put("clientHost", bean.getClientHost());
                    line.put("offsetMsgId", bean.getOffsetMsgId());
                    Flows.emit(line);
                }
            }
        } finally {
            admin.shutdown();
        }
        JsonLines.flush();
        System.exit(0);
    }
}
