package io.rocketmqts.interop;

import com.alibaba.fastjson.JSON;
import com.alibaba.fastjson.serializer.SerializerFeature;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One JSON object per line on stdout (nulls kept, so every line has the same keys). */
final class JsonLines {

    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);

    private JsonLines() {
    }

    static void write(Map<String, Object> line) {
        OUT.println(JSON.toJSONString(line, SerializerFeature.WriteMapNullValue));
    }

    static void flush() {
        OUT.flush();
    }
}
